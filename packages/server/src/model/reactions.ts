/**
 * A message's reactions, stored as a JSON object (emoji → persons who reacted) and handled as a
 * Map: no key, whether an emoji or a legacy one stored before reactions had to be emoji
 * (`__proto__`, `constructor`, `toString`), can meet a property every plain object inherits.
 */
export type Reactions = Map<string, number[]>;

/**
 * Reads the stored JSON. Whatever a row holds, this answers a map: entries that are not a list of
 * person ids (corrupt or legacy rows) and text that is not a JSON object are left out.
 */
export function parseReactions(json: string): Reactions {
  const out: Reactions = new Map();
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return out;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return out;
  // JSON.parse makes every key an own property (`__proto__` too, never the prototype); entries reads only those.
  for (const [emoji, persons] of Object.entries(raw)) {
    if (!Array.isArray(persons)) continue;
    const ids = persons.filter((p): p is number => Number.isSafeInteger(p) && p > 0);
    if (ids.length > 0) out.set(emoji, ids);
  }
  return out;
}

/**
 * The wire's `emoji → person ids` object, without a prototype: a lookup of `constructor` on it finds
 * nothing, and `__proto__` is an ordinary key (as JSON.stringify writes it).
 */
export function reactionsRecord(reactions: Reactions): Record<string, number[]> {
  const out = Object.create(null) as Record<string, number[]>;
  for (const [emoji, persons] of reactions) out[emoji] = persons;
  return out;
}

/** The stored JSON of a reactions map. */
export function reactionsJson(reactions: Reactions): string {
  return JSON.stringify(reactionsRecord(reactions));
}
