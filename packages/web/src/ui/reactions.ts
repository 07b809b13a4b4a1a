/**
 * Quick reactions offered on every message. Each must be one emoji of the Unicode emoji set in its
 * fully-qualified form (❤️ with U+FE0F), as the server stores it (`Emoji` in the protocol); the
 * test next to this file checks it.
 */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏'] as const;
