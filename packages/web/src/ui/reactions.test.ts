import { describe, expect, it } from 'vitest';
import { Emoji, isReactionEmoji } from '@parta/protocol';
import { QUICK_REACTIONS } from './reactions.js';

describe('the reaction picker', () => {
  it.each(QUICK_REACTIONS)('offers %s, a reaction the server accepts and stores unchanged', (emoji) => {
    expect(isReactionEmoji(emoji)).toBe(true);
    // The stored form is the offered one: the picker's button shows as pressed after a reaction.
    expect(Emoji.parse(emoji)).toBe(emoji);
  });
});
