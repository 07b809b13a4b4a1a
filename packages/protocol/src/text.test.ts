import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  CreateChatRequest,
  DevLoginRequest,
  EditMessageRequest,
  Emoji,
  ReactRequest,
  ReportRequest,
  SearchQuery,
  SendMessage,
} from './index.js';
import { canonicalEmoji, fallbackEmojiPattern, hasVisibleText, isReactionEmoji, reactionEmojiProblem } from './text.js';

/** Emoji a reaction may be: one of each kind of emoji sequence. */
const EMOJI = [
  ['thumbs up', '👍'],
  ['red heart with VS16', '❤️'],
  ['family (ZWJ sequence)', '👨‍👩‍👧'],
  ['flag (regional indicators)', '🇷🇺'],
  ['keycap', '1️⃣'],
  ['keycap #', '#️⃣'],
  ['skin tone', '👍🏽'],
  ['profession with skin tone (ZWJ + modifier)', '👩🏽‍💻'],
  ['rainbow flag (VS16 + ZWJ)', '🏳️‍🌈'],
  ['subdivision flag (tags)', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
  ['kiss with two skin tones', '👩🏻‍❤️‍💋‍👨🏼'],
] as const;

/** Texts that are not one emoji, with the words the error must use. */
const NOT_EMOJI = [
  ['a letter', 'a', 'Unicode emoji set'],
  ['a prototype key', '__proto__', 'holds 9 characters'],
  ['another prototype key', 'constructor', 'holds 11 characters'],
  ['toString', 'toString', 'holds 8 characters'],
  ['two emoji', '👍👍', 'holds 2 characters'],
  ['an emoji and a letter', '👍a', 'holds 2 characters'],
  ['empty', '', 'cannot be empty'],
  ['a space', ' ', 'Unicode emoji set'],
  ['a digit', '1', 'Unicode emoji set'],
  ['a digit with VS16 but no keycap', '1️', 'Unicode emoji set'],
  ['a skin tone on a letter (one grapheme)', 'a🏽', 'Unicode emoji set'],
  ['a zero-width joiner', '\u200d', 'Unicode emoji set'],
  ['an unpaired regional indicator pair that is no country', '🇦🇦', 'Unicode emoji set'],
  ['a long text', 'x'.repeat(33), 'at most 32'],
] as const;

describe('a reaction is exactly one emoji of the Unicode emoji set', () => {
  it.each(EMOJI)('accepts %s', (_, emoji) => {
    expect(isReactionEmoji(emoji)).toBe(true);
    expect(reactionEmojiProblem(emoji)).toBeNull();
    expect(ReactRequest.parse({ emoji })).toEqual({ emoji });
  });

  it.each(NOT_EMOJI)('refuses %s with a precise message', (_, text, words) => {
    expect(isReactionEmoji(text)).toBe(false);
    const result = ReactRequest.safeParse({ emoji: text });
    expect(result.success).toBe(false);
    const issue = result.error!.issues[0]!;
    expect(issue.path).toEqual(['emoji']);
    expect(issue.message).toContain(words);
  });

  it('stores a text-style emoji without its variation selector in its emoji form, as one reaction', () => {
    expect(Emoji.parse('❤')).toBe('❤️');
    expect(Emoji.parse('❤️')).toBe('❤️');
    expect(canonicalEmoji('👍')).toBe('👍');
    expect(canonicalEmoji('a')).toBe('a');
  });

  it('the fallback pattern for engines without the v flag agrees on the table', () => {
    const pattern = fallbackEmojiPattern();
    for (const [, emoji] of EMOJI) expect(pattern.test(emoji), emoji).toBe(true);
    for (const text of ['a', '__proto__', 'constructor', '👍👍', '', ' ', '1', '1️']) expect(pattern.test(text), text).toBe(false);
  });
});

/** Texts that show nothing: each kind of invisible character, alone and mixed. */
const INVISIBLE = [
  ['zero-width space', '\u200b'],
  ['zero-width non-joiner', '\u200c'],
  ['zero-width joiner', '\u200d'],
  ['word joiner', '\u2060'],
  ['byte order mark', '\ufeff'],
  ['soft hyphen', '\u00ad'],
  ['Mongolian vowel separator', '\u180e'],
  ['braille blank', '\u2800'],
  ['Hangul filler', '\u3164'],
  ['Hangul choseong and jungseong fillers', '\u115f\u1160'],
  ['halfwidth Hangul filler', '\uffa0'],
  ['variation selectors', '\ufe0f\ufe0e\u{e0100}'],
  ['bidi embeddings and overrides', '\u202a\u202b\u202c\u202d\u202e'],
  ['bidi isolates', '\u2066\u2067\u2068\u2069'],
  ['direction marks', '\u200e\u200f\u061c'],
  ['no-break space', '\u00a0'],
  ['ideographic space', '\u3000'],
  ['en to hair spaces', '\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a'],
  ['line and paragraph separators', '\u2028\u2029'],
  ['invisible operators', '\u2061\u2062\u2063\u2064'],
  ['tag characters', '\u{e0041}\u{e007f}'],
  ['combining grapheme joiner', '\u034f'],
  ['a mix with newlines and tabs', ' \u200b\n\t\u2060\u00a0\u3164\u2800 '],
  ['many zero-width spaces', '\u200b'.repeat(4000)],
] as const;

/** Texts that show something, though they hold invisible characters. */
const VISIBLE = [
  ['a word', 'Привет'],
  ['a family emoji (ZWJ inside)', '👨‍👩‍👧'],
  ['a Persian word with ZWNJ', 'می‌خواهم'],
  ['a digit among blanks', '\u200b 1 \u200b'],
  ['a heart with VS16', '❤️'],
  ['an accent on its own', '\u0301'],
  ['a dot', '.'],
] as const;

describe('a text others see must show something', () => {
  it.each(INVISIBLE)('refuses %s in sends and edits like an empty text', (_, text) => {
    expect(hasVisibleText(text)).toBe(false);
    const send = SendMessage.safeParse({ clientId: 'client-0001', text });
    expect(send.success).toBe(false);
    expect(send.error!.issues[0]!.path).toEqual(['text']);
    expect(send.error!.issues[0]!.message).toMatch(/^a message cannot be empty/);
    expect(EditMessageRequest.safeParse({ text }).success).toBe(false);
  });

  it.each(INVISIBLE.slice(0, 8))('refuses %s as a chat title and a report reason', (_, text) => {
    const chat = CreateChatRequest.safeParse({ kind: 'group', organizationId: 1, title: text });
    expect(chat.success).toBe(false);
    expect(chat.error!.issues[0]!.path).toEqual(['title']);
    const report = ReportRequest.safeParse({ reason: text });
    expect(report.success).toBe(false);
    expect(report.error!.issues[0]!.path).toEqual(['reason']);
  });

  it.each(VISIBLE)('accepts %s', (_, text) => {
    expect(hasVisibleText(text)).toBe(true);
    expect(SendMessage.safeParse({ clientId: 'client-0001', text }).success).toBe(true);
    expect(EditMessageRequest.safeParse({ text }).success).toBe(true);
  });

  it('keeps the message of a plain empty text', () => {
    for (const text of ['', '   ']) {
      expect(SendMessage.safeParse({ clientId: 'client-0001', text }).error!.issues[0]!.message).toBe(
        'a message cannot be empty',
      );
    }
  });
});

describe('a text that is stored holds no NUL character (PostgreSQL refuses it)', () => {
  const cases: [string, z.ZodType, unknown, string][] = [
    ['a message', SendMessage, { clientId: 'client-0001', text: 'при\u0000вет' }, 'text'],
    ['an edit', EditMessageRequest, { text: '\u0000' }, 'text'],
    ['a chat title', CreateChatRequest, { kind: 'group', organizationId: 1, title: '5А\u0000' }, 'title'],
    ['a report reason', ReportRequest, { reason: 'спам\u0000' }, 'reason'],
    ['a device name', DevLoginRequest, { login: 'teacher', deviceName: 'Phone\u0000' }, 'deviceName'],
    ['a search', SearchQuery, { q: 'урок\u0000' }, 'q'],
  ];

  it.each(cases)('refuses %s holding U+0000, naming the field', (_, schema, input, field) => {
    const result = (
      schema as {
        safeParse: (v: unknown) => { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } };
      }
    ).safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual([field]);
    expect(result.error!.issues[0]!.message).toContain('NUL character (U+0000)');
  });
});
