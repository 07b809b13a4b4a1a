import { describe, expect, it } from 'vitest';
import { parseReactions, reactionsRecord } from '../model/reactions.js';
import { MAX_REACTION_KINDS, toggleReaction } from './reactions.js';

/** Keys every plain object inherits or treats specially: once they answered 500 (`list.includes is not a function`). */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

describe('toggleReaction', () => {
  it.each(PROTOTYPE_KEYS)('treats %s as an ordinary key: added, kept, taken back', (key) => {
    const added = toggleReaction('{}', key, 7, true)!;
    expect(JSON.parse(added)).toEqual(JSON.parse(`{${JSON.stringify(key)}:[7]}`));
    expect(toggleReaction(added, key, 7, true)).toBeNull();
    expect(JSON.parse(toggleReaction(added, key, 7, false)!)).toEqual({});
    expect(toggleReaction('{}', key, 7, false)).toBeNull();
  });

  it('keeps stored legacy keys beside a new emoji and takes them back one by one', () => {
    const stored = '{"__proto__":[1],"constructor":[2],"toString":[3]}';
    const next = toggleReaction(stored, '👍', 4, true)!;
    expect(Object.keys(JSON.parse(next) as object)).toEqual(['__proto__', 'constructor', 'toString', '👍']);
    expect(Object.getPrototypeOf(JSON.parse(next))).toBe(Object.prototype);
    expect(JSON.parse(toggleReaction(next, 'constructor', 2, false)!)).toEqual(
      JSON.parse('{"__proto__":[1],"toString":[3],"👍":[4]}'),
    );
  });

  it.each([
    ['not JSON', 'oops'],
    ['null', 'null'],
    ['an array', '[1,2]'],
    ['a number for a list', '{"👍":5}'],
    ['a string for a list', '{"👍":"1,2"}'],
    ['ids that are not ids', '{"👍":[0,-1,1.5,"2",null]}'],
  ])('reads a corrupt stored value (%s) as no reactions, never throwing', (_, stored) => {
    expect(JSON.parse(toggleReaction(stored, '👍', 9, true)!)).toEqual({ '👍': [9] });
  });

  it(`holds at most ${MAX_REACTION_KINDS} different reactions, while people still join the existing ones`, () => {
    let stored = '{}';
    for (let i = 0; i < MAX_REACTION_KINDS; i++) stored = toggleReaction(stored, `e${i}`, 1, true)!;
    expect(() => toggleReaction(stored, 'one more', 1, true)).toThrow(/at most 20 different reactions/);
    expect(JSON.parse(toggleReaction(stored, 'e0', 2, true)!)).toMatchObject({ e0: [1, 2] });
  });
});

describe('reactions on the wire', () => {
  it('answers an object without a prototype, where inherited names find nothing', () => {
    const record = reactionsRecord(parseReactions('{"__proto__":[1],"👍":[2]}'));
    expect(Object.getPrototypeOf(record)).toBeNull();
    expect(record.constructor).toBeUndefined();
    expect(JSON.stringify(record)).toBe('{"__proto__":[1],"👍":[2]}');
  });
});
