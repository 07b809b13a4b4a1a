import { parseReactions, reactionsJson } from '../model/reactions.js';
import { AppError } from './errors.js';

/** How many different reactions one message holds. */
export const MAX_REACTION_KINDS = 20;

/**
 * A person adds (`on`) or takes back their reaction on a message whose reactions are stored as
 * `stored`. Answers the new stored JSON, or null when nothing changes (already there, or not there
 * to take back). Works on a Map, so that any key, stored legacy ones included, is just a key.
 */
export function toggleReaction(stored: string, emoji: string, personId: number, on: boolean): string | null {
  const reactions = parseReactions(stored);
  const persons = reactions.get(emoji) ?? [];
  if (persons.includes(personId) === on) return null;
  if (on && persons.length === 0 && reactions.size >= MAX_REACTION_KINDS)
    throw new AppError('validation_failed', `a message holds at most ${MAX_REACTION_KINDS} different reactions`, {
      limit: MAX_REACTION_KINDS,
    });
  const next = on ? [...persons, personId] : persons.filter((p) => p !== personId);
  if (next.length > 0) reactions.set(emoji, next);
  else reactions.delete(emoji);
  return reactionsJson(reactions);
}
