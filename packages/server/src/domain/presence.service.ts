import type { Presence } from '@parta/protocol';
import type { ChatContext } from './chat-context.js';
import type { Sender } from './delivery.js';

/** Who is online, as far as the caller may know: persons sharing a chat with them. */
export function presenceService(ctx: ChatContext) {
  const { repo, outbox } = ctx.deps;

  return {
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

/** Presence. */
export type PresenceService = ReturnType<typeof presenceService>;
