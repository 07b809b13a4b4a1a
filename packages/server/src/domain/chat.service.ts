import type {
  ChatMember,
  Community,
  ChatSummary,
  CreateChatRequest,
  MemberRole,
  Message,
  MessagePage,
  MessagePageQuery,
  Presence,
  Readers,
  Report,
  Role,
  SendAck,
  SendMessage,
} from '@parta/protocol';
import { SYNC_BATCH } from '@parta/protocol';
import {
  type Actor,
  mayBeAddedTo,
  mayCreateChat,
  mayCreateRosterChat,
  mayDeleteMessage,
  mayLeave,
  mayManageMembers,
  mayModerate,
  mayPin,
  mayStartDirect,
  postRefusal,
} from './chat-access.js';
import { type ChatCache, type ChatState, type MemberState, memberPersonOf } from './chat-cache.js';
import type { Delivery, Sender } from './delivery.js';
import { AppError, forbidden, notFound } from './errors.js';
import { type Outbox, type OutFrame, outFrame } from './outbox.js';
import type { ChatRepo } from '../storage/chat.repo.js';
import type { RosterRepo } from '../storage/roster.repo.js';
import { academicYearOf } from './access.js';
import { diffMembers, planRosterChats } from './roster-chats.js';
import { type MessageRow, toMessage } from '../storage/message.store.js';

/** How long a moderator's mute lasts when resolving a report with `muted`. */
const REPORT_MUTE_MS = 24 * 60 * 60 * 1000;
/** Chats up to this size broadcast every read position (for "read by N of M"). */
const READ_BROADCAST_MAX_MEMBERS = 300;

/**
 * Conversations: creating chats, membership, reading and changing messages, read positions,
 * moderation. Sends go through `Delivery`; everything here checks the chat rules first.
 */
export function chatService(deps: {
  repo: ChatRepo;
  roster: RosterRepo;
  cache: ChatCache;
  delivery: Delivery;
  outbox: Outbox;
  /** Told about every changed message (the search index); `text` null once deleted. */
  onChanged?: (items: { id: number; text: string | null }[]) => void;
  now?: () => number;
}) {
  const { repo, cache, outbox, delivery } = deps;
  const now = deps.now ?? Date.now;

  /** The chat and the caller's membership in it; not a member looks like no chat at all. */
  async function memberChat(sender: Sender, chatId: number): Promise<{ chat: ChatState; me: MemberState; actor: Actor }> {
    const chat = await cache.get(chatId);
    const me = chat ? memberPersonOf(chat, sender.personIds) : null;
    if (!chat || !me) throw notFound('chat');
    return {
      chat,
      me,
      actor: sender.actors.get(me.personId) ?? { personId: me.personId, roles: [], teaching: [], children: [] },
    };
  }

  /**
   * The chat as someone who may manage its members sees it: a member, or an admin of its school
   * (communities are the school admins' to run, also chats they are not in; direct chats stay private).
   */
  async function managedChat(sender: Sender, chatId: number): Promise<{ chat: ChatState; me: MemberState | null; actor: Actor }> {
    const chat = await cache.get(chatId);
    if (!chat) throw notFound('chat');
    const me = memberPersonOf(chat, sender.personIds);
    if (me)
      return {
        chat,
        me,
        actor: sender.actors.get(me.personId) ?? { personId: me.personId, roles: [], teaching: [], children: [] },
      };
    const admin = chat.kind === 'direct' ? null : actorIn(sender, chat.organizationId);
    if (admin?.roles.some((r) => r.role === 'school_admin' && r.organizationId === chat.organizationId))
      return { chat, me: null, actor: admin };
    throw notFound('chat');
  }

  /** The caller's actor that holds a role in the organization (for chats they are not members of). */
  function actorIn(sender: Sender, organizationId: number): Actor | null {
    for (const a of sender.actors.values()) if (a.roles.some((r) => r.organizationId === organizationId)) return a;
    return null;
  }

  async function existingMessage(chatId: number, seq: number): Promise<MessageRow> {
    const row = await repo.message(chatId, seq);
    if (!row) throw notFound('message');
    return row;
  }

  function broadcastUpdate(chat: ChatState, row: MessageRow): Message {
    const message = toMessage(row);
    deps.onChanged?.([{ id: row.id, text: row.deletedAt === null ? row.text : null }]);
    outbox.deliver(chat.accounts, outFrame({ type: 'message.updated', message }, chat.id, row.version));
    outbox.flush();
    return message;
  }

  async function summaries(sender: Sender, chatIds?: readonly number[]): Promise<ChatSummary[]> {
    let rows = await repo.membershipsOf(sender.personIds);
    if (chatIds) rows = rows.filter((r) => chatIds.includes(r.id));
    // One row per chat (an account with two persons in one chat speaks as the first).
    const byChat = new Map<number, (typeof rows)[number]>();
    for (const r of rows) if (!byChat.has(r.id)) byChat.set(r.id, r);
    const ids = [...byChat.keys()];
    const [counts, last, directPeers] = await Promise.all([
      repo.memberCounts(ids),
      repo.lastMessages(ids),
      directTitles([...byChat.values()].filter((r) => r.kind === 'direct').map((r) => ({ chatId: r.id, me: r.personId }))),
    ]);
    const perPerson = new Map<number, number[]>();
    for (const r of byChat.values()) perPerson.set(r.personId, [...(perPerson.get(r.personId) ?? []), r.id]);
    const unread = new Map<number, number>();
    const mentions = new Map<number, number>();
    for (const [personId, cids] of perPerson) {
      const u = await repo.unreadCounts(personId, cids);
      for (const [k, v] of u.unread) unread.set(k, v);
      for (const [k, v] of u.mentions) mentions.set(k, v);
    }
    const t = now();
    const out: ChatSummary[] = [...byChat.values()].map((r) => {
      const lm = last.get(r.id);
      const member = { role: r.role, mutedUntil: r.mutedUntil };
      const facts = { kind: r.kind, purpose: r.purpose, organizationId: r.organizationId, allowComments: r.allowComments === 1 };
      return {
        id: r.id,
        kind: r.kind,
        purpose: r.purpose,
        organizationId: r.organizationId,
        classId: r.classId,
        title: r.kind === 'direct' ? (directPeers.get(r.id) ?? r.title) : r.title,
        allowComments: r.allowComments === 1,
        myPersonId: r.personId,
        myRole: r.role,
        mutedUntil: r.mutedUntil,
        canPost: postRefusal(facts, member, t, false) === null,
        lastSeq: r.lastSeq,
        lastVersion: r.lastVersion,
        readSeq: r.readSeq,
        unread: unread.get(r.id) ?? 0,
        mentions: mentions.get(r.id) ?? 0,
        memberCount: counts.get(r.id) ?? 0,
        lastMessage: lm ? toMessage(lm) : null,
      };
    });
    return out.sort((a, b) => (b.lastMessage?.createdAt ?? 0) - (a.lastMessage?.createdAt ?? 0) || b.id - a.id);
  }

  /** Titles of direct chats: the other person's name. */
  async function directTitles(pairs: { chatId: number; me: number }[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    if (pairs.length === 0) return out;
    const peers = new Map<number, number>();
    for (const { chatId, me } of pairs) {
      const chat = await cache.get(chatId);
      const other = chat ? [...chat.members.keys()].find((p) => p !== me) : undefined;
      if (other !== undefined) peers.set(chatId, other);
    }
    const names = await repo.names([...peers.values()]);
    for (const [chatId, p] of peers) out.set(chatId, names.get(p) ?? '');
    return out;
  }

  /** Tells the accounts of new members about the chat, and everyone that membership changed. */
  async function announceJoined(chatId: number, personIds: readonly number[]): Promise<void> {
    cache.invalidate(chatId);
    const chat = await cache.get(chatId);
    if (!chat) return;
    const accounts = await repo.accountsOf(personIds);
    for (const [personId, accountId] of accounts) {
      if (!outbox.isOnline(accountId)) continue;
      const sender: Sender = { accountId, personIds: [personId], actors: new Map() };
      const [summary] = await summaries(sender, [chatId]);
      if (summary) outbox.deliver([accountId], outFrame({ type: 'chat.added', chat: summary }));
    }
    outbox.deliver(chat.accounts, outFrame({ type: 'chat.changed', chatId }));
    outbox.flush();
  }

  async function announceRemoved(chat: ChatState, personIds: readonly number[]): Promise<void> {
    const removedAccounts = personIds.flatMap((p) => {
      const a = chat.members.get(p)?.accountId;
      return a === undefined || a === null ? [] : [a];
    });
    cache.invalidate(chat.id);
    outbox.deliver(removedAccounts, outFrame({ type: 'chat.removed', chatId: chat.id }));
    const after = await cache.get(chat.id);
    if (after) outbox.deliver(after.accounts, outFrame({ type: 'chat.changed', chatId: chat.id }));
    outbox.flush();
  }

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
      if (!actor && !(await deps.roster.organization(organizationId))) throw notFound('organization');
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
      return s!;
    },

    /** Members with their roles in the chat and in its school, and read positions. */
    async members(sender: Sender, chatId: number): Promise<ChatMember[]> {
      const { chat } = await memberChat(sender, chatId);
      const [rows, standing] = await Promise.all([repo.members(chatId), repo.memberStanding(chatId, chat.organizationId)]);
      const roles = new Map<number, Set<Role>>();
      for (const r of standing.roles) {
        const set = roles.get(r.personId) ?? new Set<Role>();
        set.add(r.role);
        roles.set(r.personId, set);
      }
      // A homeroom of the current year (by the school's clock: one school, one time zone) held by
      // someone who still teaches there.
      const zone = standing.homerooms[0]?.timeZone;
      const year = zone === undefined ? 0 : academicYearOf(new Date(now()), zone);
      const homeroom = new Set(
        standing.homerooms
          .filter((h) => h.academicYear === year)
          .filter((h) => roles.get(h.personId)?.has('teacher'))
          .map((h) => h.personId),
      );
      return rows.map((r) => ({
        personId: r.personId,
        name: `${r.lastName} ${r.firstName}`,
        role: r.role,
        readSeq: r.readSeq,
        mutedUntil: r.mutedUntil,
        roles: [...(roles.get(r.personId) ?? [])].sort(),
        homeroom: homeroom.has(r.personId),
      }));
    },

    /** Adds persons of the chat's school. */
    async addMembers(sender: Sender, chatId: number, personIds: readonly number[]): Promise<number[]> {
      const { chat, me, actor } = await managedChat(sender, chatId);
      if (!mayManageMembers(actor, chat, me)) throw forbidden('only chat admins add members');
      const actors = await repo.actors(personIds);
      const outsider = personIds.find((p) => !mayBeAddedTo(actors.get(p)!, chat.organizationId));
      if (outsider !== undefined) throw forbidden(`person ${outsider} is not of this school`);
      const added = await repo.addMembers(
        chatId,
        personIds.map((p) => ({ personId: p, role: chat.kind === 'channel' ? 'readonly' : 'member', viaRoster: false })),
        now(),
      );
      await announceJoined(chatId, added);
      return added;
    },

    /** Removes a member (kick), or the caller themself (leave). */
    async removeMember(sender: Sender, chatId: number, personId: number): Promise<void> {
      const { chat, me, actor } = await managedChat(sender, chatId);
      if (personId === me?.personId) {
        if (!mayLeave(chat)) throw forbidden('this chat follows the school roster; you cannot leave it');
      } else if (!mayManageMembers(actor, chat, me)) {
        throw forbidden('only chat admins remove members');
      }
      if (!chat.members.has(personId)) throw notFound('member');
      if (chat.members.get(personId)!.role === 'owner' && personId !== me?.personId)
        throw forbidden('the owner cannot be removed');
      await repo.removeMembers(chatId, [personId]);
      await announceRemoved(chat, [personId]);
    },

    /** Changes a member's role or mutes them. */
    async updateMember(
      sender: Sender,
      chatId: number,
      personId: number,
      set: { role?: MemberRole; mutedUntil?: number | null },
    ): Promise<void> {
      const { chat, me, actor } = await managedChat(sender, chatId);
      if (!mayManageMembers(actor, chat, me)) throw forbidden('only chat admins change members');
      const target = chat.members.get(personId);
      if (!target) throw notFound('member');
      if (target.role === 'owner' && personId !== me?.personId) throw forbidden('the owner cannot be changed by others');
      if (set.role === 'owner' && me?.role !== 'owner') throw forbidden('only the owner hands over ownership');
      if (set.role === undefined && set.mutedUntil === undefined) return;
      await repo.updateMember(chatId, personId, set);
      cache.invalidate(chatId);
      const after = await cache.get(chatId);
      if (after) {
        outbox.deliver(after.accounts, outFrame({ type: 'chat.changed', chatId }));
        outbox.flush();
      }
    },

    /** A page of the log. */
    async messages(sender: Sender, chatId: number, q: MessagePageQuery): Promise<MessagePage> {
      await memberChat(sender, chatId);
      const rows = await repo.messagePage(chatId, {
        ...(q.before !== undefined ? { before: q.before } : {}),
        ...(q.after !== undefined ? { after: q.after } : {}),
        limit: q.limit + 1,
      });
      const more = rows.length > q.limit;
      const page = q.after !== undefined ? rows.slice(0, q.limit) : rows.slice(rows.length - Math.min(rows.length, q.limit));
      return { messages: page.map(toMessage), hasMore: more };
    },

    /** Sends through the group-commit pipeline; resolves after commit. */
    async send(sender: Sender, chatId: number, msg: SendMessage): Promise<SendAck> {
      const outcome = await delivery.send(sender, chatId, msg);
      if (!outcome.ok) {
        throw new AppError(
          outcome.code,
          outcome.message,
          outcome.retryAfterMs !== undefined ? { retryAfterSeconds: Math.ceil(outcome.retryAfterMs / 1000) } : undefined,
        );
      }
      return outcome.ack;
    },

    /** Edits the caller's own message; the earlier text is kept for moderators. */
    async edit(sender: Sender, chatId: number, seq: number, text: string): Promise<Message> {
      const { chat, me } = await memberChat(sender, chatId);
      const t = now();
      const original = await existingMessage(chatId, seq);
      if (original.senderPersonId !== me.personId) throw forbidden('only the author edits a message');
      if (me.mutedUntil !== null && me.mutedUntil > t) throw forbidden('you are muted in this chat');
      if (original.deletedAt !== null) throw new AppError('conflict', 'the message was deleted');
      if (original.forward !== null) throw new AppError('conflict', 'a forwarded message cannot be edited');
      const row = await repo.changeMessage(chatId, seq, (r) => (r.text === text ? null : { text, editedAt: t }), {
        text: original.text,
        at: t,
      });
      return broadcastUpdate(chat, row!);
    },

    /** Deletes a message for everyone. */
    async remove(sender: Sender, chatId: number, seq: number): Promise<Message> {
      const { chat, actor } = await memberChat(sender, chatId);
      const original = await existingMessage(chatId, seq);
      if (!mayDeleteMessage(actor, chat, original.senderPersonId))
        throw forbidden('only the author or a school admin deletes a message');
      const t = now();
      const row = await repo.changeMessage(
        chatId,
        seq,
        (r) =>
          r.deletedAt !== null ? null : { text: '', deletedAt: t, reactions: '{}', pinned: 0, mentions: '[]', mentionAll: 0 },
        {
          text: original.text,
          at: t,
        },
      );
      return broadcastUpdate(chat, row!);
    },

    /** Adds or removes the caller's reaction. */
    async react(sender: Sender, chatId: number, seq: number, emoji: string, on: boolean): Promise<Message> {
      const { chat, me } = await memberChat(sender, chatId);
      await existingMessage(chatId, seq);
      const row = await repo.changeMessage(chatId, seq, (r) => {
        if (r.deletedAt !== null) throw new AppError('conflict', 'the message was deleted');
        const reactions = JSON.parse(r.reactions) as Record<string, number[]>;
        const list = reactions[emoji] ?? [];
        const has = list.includes(me.personId);
        if (has === on) return null;
        if (on && !has && Object.keys(reactions).length >= 20 && !reactions[emoji])
          throw new AppError('validation_failed', 'a message holds at most 20 different reactions');
        reactions[emoji] = on ? [...list, me.personId] : list.filter((p) => p !== me.personId);
        if (reactions[emoji].length === 0) delete reactions[emoji];
        return { reactions: JSON.stringify(reactions) };
      });
      return broadcastUpdate(chat, row!);
    },

    /** Pins or unpins a message. */
    async pin(sender: Sender, chatId: number, seq: number, on: boolean): Promise<Message> {
      const { chat, me, actor } = await memberChat(sender, chatId);
      if (!mayPin(actor, chat, me)) throw forbidden('only chat admins pin messages');
      await existingMessage(chatId, seq);
      const row = await repo.changeMessage(chatId, seq, (r) => {
        if (r.deletedAt !== null) throw new AppError('conflict', 'the message was deleted');
        return (r.pinned === 1) === on ? null : { pinned: on ? 1 : 0 };
      });
      return broadcastUpdate(chat, row!);
    },

    /** Earlier texts of a message (moderators). */
    async history(sender: Sender, chatId: number, seq: number) {
      const { chat, me, actor } = await memberChat(sender, chatId);
      if (!mayModerate(actor, chat, me)) throw forbidden('only moderators see edit history');
      const row = await existingMessage(chatId, seq);
      return { edits: await repo.edits(row.id) };
    },

    /** Who has read a message and who has not (for announcements and "read by N of M"). */
    async readers(sender: Sender, chatId: number, seq: number): Promise<Readers> {
      await memberChat(sender, chatId);
      const row = await existingMessage(chatId, seq);
      const positions = await repo.readPositions(chatId);
      const others = positions.filter((p) => p.personId !== row.senderPersonId);
      return {
        read: others.filter((p) => p.readSeq >= seq).map((p) => p.personId),
        unread: others.filter((p) => p.readSeq < seq).map((p) => p.personId),
      };
    },

    /** Moves the caller's read position; tells the chat (small chats) and the caller's other devices. */
    async markRead(sender: Sender, chatId: number, seq: number): Promise<number> {
      const { chat, me } = await memberChat(sender, chatId);
      // Not past the last message: a position beyond it would mark messages not yet sent as read.
      const last = (await repo.lastMessages([chatId])).get(chatId)?.seq ?? 0;
      const stored = await repo.markRead(chatId, me.personId, Math.min(seq, last));
      if (stored === null) throw notFound('chat');
      const frame: OutFrame = outFrame({ type: 'chat.read', chatId, personId: me.personId, seq: stored });
      if (chat.members.size <= READ_BROADCAST_MAX_MEMBERS && chat.kind !== 'channel') outbox.deliver(chat.accounts, frame);
      else outbox.deliver([sender.accountId], frame);
      outbox.flush();
      return stored;
    },

    /** Tells the other members that the caller is typing. */
    async typing(sender: Sender, chatId: number): Promise<void> {
      const { chat, me } = await memberChat(sender, chatId);
      if (postRefusal(chat, me, now(), true) !== null) return;
      outbox.deliver(
        chat.accounts.filter((a) => a !== sender.accountId),
        outFrame({ type: 'chat.typing', chatId, personId: me.personId }),
      );
      outbox.flush();
    },

    /** Messages created or changed since a version, for a reconnecting client. */
    async changesSince(sender: Sender, chatId: number, version: number) {
      await memberChat(sender, chatId);
      const rows = await repo.changesSince(chatId, version, SYNC_BATCH + 1);
      const hasMore = rows.length > SYNC_BATCH;
      return { rows: rows.slice(0, SYNC_BATCH), hasMore };
    },

    /** Reports a message to the school's moderators. */
    async report(sender: Sender, chatId: number, seq: number, reason: string): Promise<number> {
      const { chat, me } = await memberChat(sender, chatId);
      const row = await existingMessage(chatId, seq);
      return repo.insertReport({
        organizationId: chat.organizationId,
        chatId,
        messageId: row.id,
        reporterPersonId: me.personId,
        reason,
        createdAt: now(),
      });
    },

    /** The school's moderation queue (school admins). */
    async reports(sender: Sender, organizationId: number, includeResolved: boolean): Promise<Report[]> {
      const actor = actorIn(sender, organizationId);
      if (!actor && !(await deps.roster.organization(organizationId))) throw notFound('organization');
      if (!actor || !actor.roles.some((r) => r.role === 'school_admin' && r.organizationId === organizationId))
        throw forbidden('only school admins see the moderation queue');
      const rows = await repo.reports(organizationId, includeResolved);
      const messages = new Map((await repo.messagesByIds(rows.map((r) => r.messageId))).map((m) => [m.id, m]));
      return rows.map((r) => ({
        id: r.id,
        chatId: r.chatId,
        organizationId: r.organizationId,
        message: toMessage(messages.get(r.messageId)!),
        reporterPersonId: r.reporterPersonId,
        reason: r.reason,
        createdAt: r.createdAt,
        resolvedAt: r.resolvedAt,
        resolution: r.resolution as Report['resolution'],
      }));
    },

    /** Resolves a report: delete the message, mute or remove its author, or dismiss. */
    async resolveReport(sender: Sender, reportId: number, action: 'deleted' | 'dismissed' | 'muted' | 'removed'): Promise<void> {
      const report = await repo.report(reportId);
      if (!report) throw notFound('report');
      const actor = actorIn(sender, report.organizationId);
      if (!actor || !actor.roles.some((r) => r.role === 'school_admin' && r.organizationId === report.organizationId))
        throw notFound('report');
      if (report.resolvedAt !== null) throw new AppError('conflict', 'the report is already resolved');
      const msg = (await repo.messageById(report.messageId))!;
      const chat = await cache.get(report.chatId);
      const t = now();
      if (chat) {
        if (action === 'deleted' && msg.deletedAt === null) {
          const row = await repo.changeMessage(
            chat.id,
            msg.seq,
            () => ({ text: '', deletedAt: t, reactions: '{}', pinned: 0, mentions: '[]', mentionAll: 0 }),
            { text: msg.text, at: t },
          );
          broadcastUpdate(chat, row!);
        } else if (action === 'muted' && chat.members.has(msg.senderPersonId)) {
          await repo.updateMember(chat.id, msg.senderPersonId, { mutedUntil: t + REPORT_MUTE_MS });
          cache.invalidate(chat.id);
        } else if (action === 'removed' && chat.members.has(msg.senderPersonId)) {
          await repo.removeMembers(chat.id, [msg.senderPersonId]);
          await announceRemoved(chat, [msg.senderPersonId]);
        }
      }
      await repo.resolveReport(reportId, actor.personId, action, t);
    },

    /** Presence of persons who share a chat with the caller; others are left out. */
    async presence(sender: Sender, personIds: readonly number[]): Promise<Presence[]> {
      const accounts = await repo.accountsOf(personIds);
      const visible: number[] = [];
      for (const p of personIds)
        if (sender.personIds.includes(p) || (await repo.shareAChat(sender.personIds, p))) visible.push(p);
      const lastSeen = await repo.lastSeen(visible.flatMap((p) => (accounts.has(p) ? [accounts.get(p)!] : [])));
      return visible.map((p) => {
        const a = accounts.get(p);
        return {
          personId: p,
          online: a !== undefined && outbox.isOnline(a),
          lastSeenAt: a !== undefined ? (lastSeen.get(a) ?? null) : null,
        };
      });
    },
  };
}

/** Conversations. */
export type ChatService = ReturnType<typeof chatService>;
