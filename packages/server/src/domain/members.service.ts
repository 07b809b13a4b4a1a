import type { ChatMember, MemberRole, Role } from '@parta/protocol';
import { mayAddMember, mayBeAddedTo, mayBringIn, mayLeave, mayManageMembers } from './chat-access.js';
import type { ChatContext } from './chat-context.js';
import type { Sender } from './delivery.js';
import { forbidden, notFound } from './errors.js';
import { outFrame } from './outbox.js';
import { academicYearOf } from './access.js';

/** A chat's members: who they are, adding and removing them, changing their role or muting them. */
export function membersService(ctx: ChatContext) {
  const { deps, now, memberChat, managedChat, seenMembers, announceJoined, announceRemoved } = ctx;
  const { repo, cache, outbox } = deps;

  return {
    /**
     * Members with their roles in the chat and in its school, and read positions: those the caller
     * may see by name (in channels and roster chats students and parents see whom the directory shows them).
     */
    async members(sender: Sender, chatId: number): Promise<ChatMember[]> {
      const { chat } = await memberChat(sender, chatId);
      const [all, standing] = await Promise.all([repo.members(chatId), repo.memberStanding(chatId, chat.organizationId)]);
      const seen = await seenMembers(
        sender,
        chat,
        all.map((r) => r.personId),
      );
      const rows = all.filter((r) => seen.has(r.personId));
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
      if (personIds.some((p) => !mayAddMember(actor, chat, me, p, sender.personIds)))
        throw forbidden('a school admin joins a chat only when its owner or admins add them');
      const actors = await repo.actors(personIds);
      const outsider = personIds.find((p) => !mayBeAddedTo(actors.get(p)!, chat.organizationId));
      if (outsider !== undefined) throw forbidden(`person ${outsider} is not of this school`);
      const unreachable = personIds.find((p) => !mayBringIn(actor, chat.organizationId, actors.get(p)!));
      if (unreachable !== undefined) throw forbidden(`you may not bring person ${unreachable} into this chat`);
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
  };
}

/** Chat members. */
export type MembersService = ReturnType<typeof membersService>;
