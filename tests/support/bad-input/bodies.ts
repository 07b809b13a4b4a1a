import { ids, fx, nextSequence, freshClientId } from './state.js';
import { type JsonKind } from './routes.js';

/* The JSON bodies of tests/api/bad-input.test.ts: for each, a valid one and wrong ones. */

/** A JSON body: a valid one (fresh per call), and wrong ones with the issue path each must name. */
export interface JsonBody {
  valid: () => Record<string, unknown>;
  invalid: () => [unknown, string][];
}

/** `n` distinct positive ids. */
export const manyIds = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** The body of each JSON route: a valid one and the wrong ones. */
export const BODIES: Record<JsonKind, JsonBody> = {
  createChat: {
    valid: () => ({ kind: 'group', organizationId: ids.organization, title: 'Группа', personIds: [fx.student] }),
    invalid: () => {
      const ok = { kind: 'group', organizationId: ids.organization, title: 'Группа' };
      return [
        [{ ...ok, kind: 'direct' }, 'kind'],
        [{ ...ok, kind: undefined }, 'kind'],
        [{ ...ok, organizationId: String(ids.organization) }, 'organizationId'],
        [{ ...ok, organizationId: 0 }, 'organizationId'],
        [{ ...ok, title: '' }, 'title'],
        [{ ...ok, title: ' \n\t ' }, 'title'],
        [{ ...ok, title: 'т'.repeat(129) }, 'title'],
        [{ ...ok, title: 42 }, 'title'],
        [{ ...ok, personIds: manyIds(5001) }, 'personIds'],
        [{ ...ok, personIds: [String(fx.student)] }, 'personIds.0'],
        [{ ...ok, personIds: fx.student }, 'personIds'],
        [{ ...ok, classIds: manyIds(51) }, 'classIds'],
        [{ ...ok, allowComments: 'yes' }, 'allowComments'],
        [{ ...ok, purpose: 'secret' }, 'purpose'],
      ];
    },
  },
  direct: {
    valid: () => ({ personId: fx.student }),
    invalid: () => [
      [{}, 'personId'],
      [{ personId: String(fx.student) }, 'personId'],
      [{ personId: 0 }, 'personId'],
      [{ personId: -1 }, 'personId'],
      [{ personId: 1.5 }, 'personId'],
      [{ personId: 2 ** 53 }, 'personId'],
      [{ personId: [fx.student] }, 'personId'],
    ],
  },
  addMembers: {
    valid: () => ({ personIds: [fx.other] }),
    invalid: () => [
      [{}, 'personIds'],
      [{ personIds: [] }, 'personIds'],
      [{ personIds: manyIds(5001) }, 'personIds'],
      [{ personIds: [0] }, 'personIds.0'],
      [{ personIds: [String(fx.other)] }, 'personIds.0'],
      [{ personIds: fx.other }, 'personIds'],
    ],
  },
  updateMember: {
    valid: () => ({ role: 'member', mutedUntil: null }),
    invalid: () => [
      [{ role: 'god' }, 'role'],
      [{ role: 7 }, 'role'],
      [{ mutedUntil: -1 }, 'mutedUntil'],
      [{ mutedUntil: 1.5 }, 'mutedUntil'],
      [{ mutedUntil: 'tomorrow' }, 'mutedUntil'],
    ],
  },
  send: {
    valid: () => ({ clientId: freshClientId(), text: 'Добрый день' }),
    invalid: () => {
      const ok = { clientId: 'bad-input-send', text: 'Добрый день' };
      return [
        [{ text: ok.text }, 'clientId'],
        [{ clientId: ok.clientId }, 'text'],
        [{ ...ok, text: '' }, 'text'],
        [{ ...ok, text: ' \n\t\u00a0 ' }, 'text'],
        [{ ...ok, text: 42 }, 'text'],
        [{ ...ok, text: null }, 'text'],
        [{ ...ok, clientId: 'short' }, 'clientId'],
        [{ ...ok, clientId: 'with spaces!' }, 'clientId'],
        [{ ...ok, clientId: 'кириллица-id' }, 'clientId'],
        [{ ...ok, clientId: 'x'.repeat(65) }, 'clientId'],
        [{ ...ok, clientId: 12345678 }, 'clientId'],
        [{ ...ok, replyToSeq: 0 }, 'replyToSeq'],
        [{ ...ok, replyToSeq: 2147483648 }, 'replyToSeq'],
        [{ ...ok, replyToSeq: '1' }, 'replyToSeq'],
        [{ ...ok, mentions: manyIds(101) }, 'mentions'],
        [{ ...ok, mentions: ['all'] }, 'mentions.0'],
        [{ ...ok, mentionAll: 'yes' }, 'mentionAll'],
        [{ ...ok, mustAcknowledge: 1 }, 'mustAcknowledge'],
        [{ ...ok, forward: { chatId: fx.chat } }, 'forward.seq'],
        [{ ...ok, forward: { chatId: fx.chat, seq: 1, extra: true } }, 'forward'],
      ];
    },
  },
  edit: {
    valid: () => ({ text: `Исправлено ${nextSequence()}` }),
    invalid: () => [
      [{}, 'text'],
      [{ text: '   ' }, 'text'],
      [{ text: 42 }, 'text'],
    ],
  },
  react: {
    valid: () => ({ emoji: '👍' }),
    invalid: () => [
      [{}, 'emoji'],
      [{ emoji: '' }, 'emoji'],
      [{ emoji: 'x'.repeat(17) }, 'emoji'],
      [{ emoji: '👍'.repeat(17) }, 'emoji'],
      [{ emoji: 42 }, 'emoji'],
    ],
  },
  report: {
    valid: () => ({ reason: 'Оскорбление' }),
    invalid: () => [
      [{}, 'reason'],
      [{ reason: '' }, 'reason'],
      [{ reason: '   ' }, 'reason'],
      [{ reason: 'п'.repeat(1001) }, 'reason'],
      [{ reason: ['spam'] }, 'reason'],
    ],
  },
  read: {
    valid: () => ({ seq: 1 }),
    invalid: () => [
      [{}, 'seq'],
      [{ seq: -1 }, 'seq'],
      [{ seq: 1.5 }, 'seq'],
      [{ seq: '1' }, 'seq'],
      [{ seq: 2147483648 }, 'seq'],
      [{ seq: null }, 'seq'],
    ],
  },
  resolve: {
    valid: () => ({ action: 'dismissed' }),
    invalid: () => [
      [{}, 'action'],
      [{ action: 'ban' }, 'action'],
      [{ action: 'DISMISSED' }, 'action'],
      [{ action: 1 }, 'action'],
    ],
  },
};

/** Texts that show nothing: zero-width, format, filler and blank characters (issue 10, item 7). */
export const INVISIBLE_TEXTS = [
  '\u200b',
  '\u200c\u200d',
  '\u2060\ufeff',
  '\u00ad',
  '\u180e',
  '\u2800',
  '\u3164',
  '\u115f\u1160',
  '\ufe0f',
  '\u202e\u2066',
  ' \u00a0\u3000\u200b\n',
  // Not invisible but unstorable: PostgreSQL refuses U+0000 in text (the fuzzer found the 500).
  'a\u0000b',
];

/** Field values that the schemas must refuse though they are strings of the right length (issue 10, items 4 and 7). */
export const HOSTILE_FIELDS: Partial<Record<JsonKind, { what: string; field: string; values: string[] }>> = {
  react: {
    what: 'prototype keys, letters, digits, blanks and two emoji as a reaction',
    field: 'emoji',
    values: ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'a', '1', ' ', '👍👍', '\u200b'],
  },
  send: { what: 'a text of invisible characters only', field: 'text', values: INVISIBLE_TEXTS },
  edit: { what: 'a text of invisible characters only', field: 'text', values: INVISIBLE_TEXTS },
  createChat: { what: 'a title of invisible characters only', field: 'title', values: INVISIBLE_TEXTS },
  report: { what: 'a reason of invisible characters only', field: 'reason', values: INVISIBLE_TEXTS },
};
