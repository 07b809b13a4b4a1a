import type { ChatSummary, Community, CreateChatRequest, MemberRole } from '@parta/protocol';
import { mayBeAddedTo, mayCreateChat, mayCreateRosterChat, mayStartDirect } from './chat-access.js';
import type { ChatContext } from './chat-context.js';
import type { Sender } from './delivery.js';
import { AppError, forbidden, notFound } from './errors.js';
import { academicYearOf } from './access.js';
import { diffMembers, planRosterChats } from './roster-chats.js';

/**
 * Chats themselves: listing them, creating groups, channels and direct chats, a school's community
 * view, and keeping the roster-managed chats in step with the roster.
 */
export function chatsService(ctx: ChatContext) {
  const { deps, now, actorIn, summaries, announceJoined, announceRemoved } = ctx;
  const { repo, cache } = deps;

  /** Creates a group or channel of a school, with the given persons and classes' students as members. */
  async function createChat(sender: Sender, req: CreateChatRequest): Promise<ChatSummary> {
    const actor = actorIn(sender, req.organizationId);
    if (!actor || !mayCreateChat(actor, req.organizationId)) throw forbidden('only teachers and school admins create chats here');
    if (req.purpose && !mayCreateRosterChat(actor, req.organizationId))
      throw forbidden('only school admins create class chats, staff rooms and news channels');
    if (req.kind === 'group' && req.allowComments)
      throw new AppError('validation_failed', 'allowComments applies to channels only');
    const fromClasses = await repo.studentsOfClasses(req.organizationId, req.classIds);
    if (fromClasses.missing.length) throw notFound(`class ${fromClasses.missing[0]}`);
    const personIds = [...new Set([...req.personIds, ...fromClasses.students])].filter((p) => p !== actor.personId);
    const actors = await repo.actors(personIds);
    const outsider = personIds.find((p) => !mayBeAddedTo(actors.get(p)!, req.organizationId));
    if (outsider !== undefined) throw forbidden(`person ${outsider} is not of this school`);
    const t = now();
    const memberRole: MemberRole = 'member';
    const chatId = await repo.createChat(
      {
        kind: req.kind,
        purpose: req.purpose ?? null,
        organizationId: req.organizationId,
        classId: req.classIds.length === 1 ? req.classIds[0]! : null,
        title: req.title,
        allowComments: req.allowComments ? 1 : 0,
        uniqueKey: null,
        createdByPersonId: actor.personId,
        createdAt: t,
        lastMessageAt: null,
      },
      [
        { personId: actor.personId, role: 'owner', viaRoster: false },
        ...personIds.map((p) => ({ personId: p, role: memberRole, viaRoster: false })),
      ],
      t,
    );
    await announceJoined(chatId, personIds);
    const [summary] = await summaries({ ...sender, personIds: [actor.personId] }, [chatId]);
    return summary!;
  }

  /**
   * Brings a school's roster-managed chats (class chats, parents' chats, staff room, news channel)
   * in step with its roster: creates missing chats, adds and removes roster members, adjusts roles.
   * Members added by hand stay.
   */
  async function syncRoster(
    organizationId: number,
  ): Promise<{ created: number; added: number; removed: number; changed: number }> {
    const org = await deps.roster.organization(organizationId);
    if (!org) throw notFound('organization');
    const classes = await deps.roster.classes(organizationId, academicYearOf(new Date(now()), org.timeZone));
    const classIds = classes.map((c) => c.id);
    const [students, teachers, people] = await Promise.all([
      deps.roster.students(classIds),
      deps.roster.teachers(organizationId, classIds),
      deps.roster.people(organizationId),
    ]);
    const parents = await deps.roster.parents(students.map((s) => s.personId));
    const plans = planRosterChats({ organizationId, classes, students, teachers, parents, people });
    const totals = { created: 0, added: 0, removed: 0, changed: 0 };
    const t = now();
    for (const plan of plans) {
      const existing = await repo.chatByKey(plan.key);
      if (!existing) {
        const chatId = await repo.createChat(
          {
            kind: plan.kind,
            purpose: plan.purpose,
            organizationId,
            classId: plan.classId,
            title: plan.title,
            allowComments: 0,
            uniqueKey: plan.key,
            createdByPersonId: null,
            createdAt: t,
            lastMessageAt: null,
          },
          [...plan.members].map(([personId, role]) => ({ personId, role, viaRoster: true })),
          t,
        );
        totals.created++;
        totals.added += plan.members.size;
        await announceJoined(chatId, [...plan.members.keys()]);
        continue;
      }
      const diff = diffMembers(plan.members, await repo.memberRows(existing.id));
      if (diff.add.length + diff.remove.length + diff.change.length === 0) continue;
      const before = await cache.get(existing.id);
      await repo.addMembers(
        existing.id,
        diff.add.map((a) => ({ ...a, viaRoster: true })),
        t,
      );
      await repo.removeMembers(existing.id, diff.remove);
      for (const c of diff.change) await repo.updateMember(existing.id, c.personId, { role: c.role });
      totals.added += diff.add.length;
      totals.removed += diff.remove.length;
      totals.changed += diff.change.length;
      if (before && diff.remove.length) await announceRemoved(before, diff.remove);
      await announceJoined(
        existing.id,
        diff.add.map((a) => a.personId),
      );
    }
    return totals;
  }

  return {
    /** The caller's chats (or those of `chatIds` the caller is in), newest activity first. */
    summaries,
    createChat,
    syncRoster,

    /** A school's space: the caller's channels and chats there, and for its admins the rest of its groups and channels. */
    async community(sender: Sender, organizationId: number): Promise<Community> {
      const actor = actorIn(sender, organizationId);
      if (!actor) throw notFound('organization');
      const mine = (await summaries(sender)).filter((c) => c.organizationId === organizationId);
      const isAdmin = actor.roles.some((r) => r.role === 'school_admin' && r.organizationId === organizationId);
      const ids = new Set(mine.map((c) => c.id));
      const others = isAdmin
        ? (await repo.organizationChats(organizationId))
            .filter((c) => !ids.has(c.id))
            .map((c) => ({
              id: c.id,
              kind: c.kind,
              purpose: c.purpose,
              title: c.title,
              classId: c.classId,
              memberCount: Number(c.n),
            }))
        : [];
      const newsFirst = (a: ChatSummary, b: ChatSummary) => Number(b.purpose === 'news') - Number(a.purpose === 'news');
      return {
        organizationId,
        channels: mine.filter((c) => c.kind === 'channel').sort(newsFirst),
        chats: mine.filter((c) => c.kind !== 'channel'),
        others,
      };
    },

    /** Syncs the roster chats of a school on an admin's request. */
    async syncRosterAs(sender: Sender, organizationId: number) {
      const actor = actorIn(sender, organizationId);
      // Standing first, before any lookup: to a caller with none there, a school that exists and
      // one that does not answer alike.
      if (!actor) throw notFound('organization');
      if (!actor || !mayCreateRosterChat(actor, organizationId)) throw forbidden('only school admins sync the roster chats');
      return syncRoster(organizationId);
    },

    /** Opens the direct chat with a person, creating it when the rules allow. */
    async openDirect(sender: Sender, personId: number): Promise<ChatSummary> {
      // A direct chat that exists stays reachable from both sides, whoever started it.
      for (const mine of sender.personIds) {
        const [lo, hi] = mine < personId ? [mine, personId] : [personId, mine];
        const existing = await repo.chatByKey(`direct:${lo}:${hi}`);
        if (existing) {
          const [s] = await summaries({ ...sender, personIds: [mine] }, [existing.id]);
          if (s) return s;
          // Nobody leaves a direct chat, so the pair's chat without the caller means a moderator removed
          // them (a resolved report): opening it again would undo that.
          if (!(await cache.get(existing.id))?.members.has(mine)) throw forbidden('a moderator removed you from this chat');
        }
      }
      const targets = await repo.actors([personId]);
      const target = targets.get(personId)!;
      const me = [...sender.actors.values()].find((a) => mayStartDirect(a, target));
      if (!me) {
        // Someone outside all of the caller's schools does not exist for them.
        const sharesASchool = [...sender.actors.values()].some((a) =>
          a.roles.some((r) => r.organizationId !== null && target.roles.some((t) => t.organizationId === r.organizationId)),
        );
        throw sharesASchool ? forbidden('you may not start a direct chat with this person') : notFound('person');
      }
      const [lo, hi] = me.personId < personId ? [me.personId, personId] : [personId, me.personId];
      const key = `direct:${lo}:${hi}`;
      const shared = me.roles.find(
        (r) => r.organizationId !== null && target.roles.some((t) => t.organizationId === r.organizationId),
      )!;
      const t = now();
      let chatId: number;
      try {
        chatId = await repo.createChat(
          {
            kind: 'direct',
            purpose: null,
            organizationId: shared.organizationId!,
            classId: null,
            title: '',
            allowComments: 0,
            uniqueKey: key,
            createdByPersonId: me.personId,
            createdAt: t,
            lastMessageAt: null,
          },
          [
            { personId: me.personId, role: 'member', viaRoster: false },
            { personId, role: 'member', viaRoster: false },
          ],
          t,
        );
      } catch (err) {
        // Both opened it at once: the other insert won.
        const again = await repo.chatByKey(key);
        if (!again) throw err;
        chatId = again.id;
      }
      await announceJoined(chatId, [personId]);
      const [s] = await summaries({ ...sender, personIds: [me.personId] }, [chatId]);
      // Only a removal racing this call leaves nothing to answer with: say so, never an empty 200.
      if (!s) throw new AppError('conflict', 'the direct chat changed while it was being opened; open it again');
      return s;
    },
  };
}

/** Chats: listing, creating, communities, roster sync. */
export type ChatsService = ReturnType<typeof chatsService>;
