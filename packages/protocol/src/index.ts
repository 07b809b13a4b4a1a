/**
 * Parta's wire protocol: every HTTP body, WebSocket frame, error code, environment variable and
 * CLI flag as a zod schema. Imports nothing of ours.
 */

/**
 * Bumped with every change to the wire. Changelog:
 * - 1: accounts, sessions, directory, health, `session.*` frames.
 * - 2: chats, channels, communities, messages, `message.*`, `chat.*`, `presence.*` frames.
 * - 3: `GET /auth/options`; chat members carry their `roles` in the chat's school and `homeroom`.
 * - 4: readers carry `readCount`/`unreadCount`; in channels and roster chats students and parents
 *   see by name (members, readers, presence) only whom the directory shows them; `presence.query`
 *   asks about at most 200 persons.
 * - 5: a `Message` may leave out the fields at their defaults (no mentions, reactions, reply or
 *   forward; not pinned, edited or deleted; no @all or acknowledgement) and parsing with `Message`
 *   restores them; `message.new` and `message.updated` frames leave them out.
 * - 6: abuse limits: `rate_limited` for reactions, edits and reports (per account) and for
 *   `presence.query` (per socket); a message is edited at most `MAX_EDITS_PER_MESSAGE` times
 *   (`conflict`); reporting a message again while one's report is open returns that report; a
 *   per-socket frame budget (`session.error` `rate_limited`, then close 4429); `chat.sync` answers
 *   the chats one is not in with one `not_found` listing them in `details.chatIds`; a revoked
 *   session's socket acts on nothing more and is torn down within a second.
 * - 7: a reaction is exactly one emoji of the Unicode emoji set (❤ is stored as ❤️); message texts,
 *   edits, chat titles and report reasons made only of blank or invisible characters are refused
 *   like empty ones; stored and searched texts refuse U+0000 (all `validation_failed`).
 */
export const FEATURE_LEVEL = 7;

/** Prefix of every HTTP route. */
export const API_PREFIX = '/api/v1';

export * from './errors.js';
export * from './common.js';
export * from './auth.js';
export * from './directory.js';
export * from './text.js';
export * from './message.js';
export * from './chat.js';
export * from './moderation.js';
export * from './ws.js';
export * from './config.js';
export * from './health.js';
