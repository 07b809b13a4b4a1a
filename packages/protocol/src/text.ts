/**
 * Rules for user text that other people see: it must show something, and a reaction must be one
 * real emoji. Plain functions, so that schemas, servers and clients share one definition.
 */
import type { z } from 'zod';

/**
 * Code points that draw nothing on their own: every kind of whitespace (U+00A0, U+3000, …), the
 * default-ignorable ones (zero-width space/joiners, U+2060, U+FEFF, U+00AD, U+180E, Hangul fillers
 * U+115F/U+1160/U+3164/U+FFA0, variation selectors, tags), controls, format characters (bidi
 * embeddings and isolates U+202A–202E/U+2066–2069, marks), lone surrogates, and the blanks fonts draw
 * as empty (U+2800 braille blank, U+1D159 null notehead).
 * A text is visible when it holds one code point outside this set.
 */
const VISIBLE = /[^\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\u2800\u{1D159}]/u;

/**
 * True when the text shows at least one character: not empty, not only whitespace, zero-width or
 * other invisible characters. Invisible characters inside a visible text (ZWJ in 👨‍👩‍👧, ZWNJ in
 * Persian words) are fine.
 */
export function hasVisibleText(text: string): boolean {
  return VISIBLE.test(text);
}

/** The longest reaction, in UTF-16 units; longer input is refused before any pattern runs. */
export const MAX_EMOJI_UNITS = 32;

/**
 * One emoji of the Unicode emoji set (RGI: recommended for general interchange), matched whole.
 * Built on first use: `\p{RGI_Emoji}` needs the RegExp `v` flag (Node 20, browsers from 2023); where
 * it is missing (an older browser bundling this package), an approximation of the same grammar
 * with the `u` flag stands in, so that the package still loads.
 */
let emojiPattern: RegExp | undefined;

/** The `u`-flag approximation of `\p{RGI_Emoji}` (exported for its tests). */
export function fallbackEmojiPattern(): RegExp {
  // One element: a skin-toned base, an emoji shown as emoji by default, or a text-default one with VS16.
  const element = '(?:\\p{Emoji_Modifier_Base}\\p{Emoji_Modifier}|\\p{Emoji_Presentation}|(?![0-9#*])\\p{Emoji}\\uFE0F)';
  const keycap = '[0-9#*]\\uFE0F\\u20E3';
  const flag = '\\p{Regional_Indicator}{2}';
  const subdivisionFlag = '\\u{1F3F4}[\\u{E0020}-\\u{E007E}]+\\u{E007F}';
  return new RegExp(`^(?:${keycap}|${flag}|${subdivisionFlag}|${element}(?:\\u200D${element})*)$`, 'u');
}

function rgiEmojiPattern(): RegExp {
  if (!emojiPattern) {
    try {
      emojiPattern = new RegExp('^\\p{RGI_Emoji}$', 'v');
    } catch {
      emojiPattern = fallbackEmojiPattern();
    }
  }
  return emojiPattern;
}

/** How many user-perceived characters (extended grapheme clusters) the text holds. */
export function graphemeCount(text: string): number {
  if (typeof Intl.Segmenter !== 'function') return [...text].length;
  let n = 0;
  for (const _ of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)) n++;
  return n;
}

/**
 * The form a reaction is stored in: a single emoji that is text-style by default (❤, ☺, ©) gets
 * the emoji variation selector U+FE0F its fully-qualified form has (❤️), so that both spellings are
 * one reaction. Anything else is returned as it is.
 */
export function canonicalEmoji(text: string): string {
  if ([...text].length !== 1) return text;
  const qualified = `${text}\uFE0F`;
  return rgiEmojiPattern().test(qualified) ? qualified : text;
}

/**
 * True when the text is exactly one emoji of the Unicode emoji set: one grapheme, fully qualified
 * (👍 ❤️ 👨‍👩‍👧 🇷🇺 1️⃣ 👍🏽). Letters, digits, words such as `__proto__`, two emoji and blanks are not.
 */
export function isReactionEmoji(text: string): boolean {
  return text.length > 0 && text.length <= MAX_EMOJI_UNITS && graphemeCount(text) === 1 && rgiEmojiPattern().test(text);
}

/**
 * Why a text is not one reaction emoji, in words for the error answer; null when it is one.
 * The text is checked in its canonical form (see `canonicalEmoji`).
 */
export function reactionEmojiProblem(text: string): string | null {
  if (text.length === 0) return 'a reaction is one emoji, such as 👍; it cannot be empty';
  if (text.length > MAX_EMOJI_UNITS) return `a reaction is one emoji of at most ${MAX_EMOJI_UNITS} UTF-16 units`;
  const graphemes = graphemeCount(text);
  if (graphemes > 1) return `a reaction is one emoji, such as 👍; this holds ${graphemes} characters`;
  if (!isReactionEmoji(canonicalEmoji(text))) return 'a reaction is one emoji of the Unicode emoji set, such as 👍 or ❤️';
  return null;
}

/**
 * Why a text cannot be stored, in words for the error answer; null when it can. The NUL character
 * (U+0000) is the one PostgreSQL's text columns refuse, so that no database answers it differently.
 */
export function storableTextProblem(text: string, what: string): string | null {
  return text.includes('\u0000') ? `${what} cannot contain the NUL character (U+0000)` : null;
}

/**
 * Why a text others will see shows nothing (or cannot be stored), in words for the error answer
 * (`what` names it: "a message"); null when it is fine.
 */
export function blankTextProblem(text: string, what: string): string | null {
  const unstorable = storableTextProblem(text, what);
  if (unstorable) return unstorable;
  if (text.trim().length === 0) return `${what} cannot be empty`;
  if (!hasVisibleText(text))
    return `${what} cannot be empty: zero-width, blank and other invisible characters alone show nothing`;
  return null;
}

/** A zod refinement refusing texts that cannot be stored (see `storableTextProblem`), `validation_failed` at the field. */
export function refuseUnstorable(what: string): (text: string, ctx: z.RefinementCtx<string>) => void {
  return (text, ctx) => {
    const problem = storableTextProblem(text, what);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  };
}

/**
 * A zod refinement refusing texts that show nothing (or cannot be stored), with
 * `blankTextProblem`'s message and the same code as an empty text (`validation_failed` at the field).
 */
export function refuseBlank(what: string): (text: string, ctx: z.RefinementCtx<string>) => void {
  return (text, ctx) => {
    const problem = blankTextProblem(text, what);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  };
}
