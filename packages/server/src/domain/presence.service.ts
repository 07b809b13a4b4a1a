import type { Presence } from '@parta/protocol';
import { type ChatFacts, maySeePresence, onlookerOf, seesEveryMember } from './chat-access.js';
import type { ChatContext } from './chat-context.js';
import type { Sender } from './delivery.js';

/** Who is online, as far as the caller may know: persons they may see in a chat they share. */
export function presenceService(ctx: ChatContext) {
  const { repo, outbox } = ctx.deps;

  return {
    /**
     * Presence of the persons the caller may see in some chat they share (`maySeePresence`); others
     * are left out. A fixed number of queries whatever the number of persons: the chats shared with
     * all of them at once, then the facts of those only large chats connect the caller to.
     */
    async presence(sender: Sender, personIds: readonly number[]): Promise<Presence[]> {
      const ids = [...new Set(personIds)];
      const viewer = onlookerOf(sender.personIds, sender.actors.values());
      const shared = new Map<number, ChatFacts[]>();
      for (const c of await repo.sharedChats(sender.personIds, ids))
        shared.set(c.personId, [...(shared.get(c.personId) ?? []), c]);
      const plain = (p: number) => sender.personIds.includes(p) || (shared.get(p) ?? []).some((c) => seesEveryMember(viewer, c));
      const rest = ids.filter((p) => !plain(p) && shared.has(p));
      const facts = await repo.actors(rest);
      const visible = ids.filter((p) => plain(p) || (facts.has(p) && maySeePresence(viewer, facts.get(p)!, shared.get(p)!)));
      const accounts = await repo.accountsOf(visible);
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

/** Presence. */
export type PresenceService = ReturnType<typeof presenceService>;
