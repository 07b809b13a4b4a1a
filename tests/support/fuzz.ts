/**
 * Arbitraries for the property-based fuzzer (tests/api/fuzz-*.test.ts): values shaped by the
 * protocol's zod schemas, read from zod's own schema definitions (no zod-to-fast-check package
 * supports zod 4), and hostile values (prototype keys, huge and odd numbers, every kind of unicode,
 * malformed JSON) to put in their place.
 */
import fc from 'fast-check';
import type { z } from 'zod';

/** Real ids and log positions of the fuzzed server's data, so that valid-shaped input reaches deep code. */
export interface Pools {
  ids: readonly number[];
  seqs: readonly number[];
  /** Real ids by the field that carries them (`organizationId`, `personIds`, …), preferred to `ids` there. */
  byField?: Readonly<Record<string, readonly number[]>>;
  /** Values a client would send for a schema (real logins, real emoji), taken half the time instead of generated ones. */
  overrides?: ReadonlyMap<z.ZodType, fc.Arbitrary<unknown>>;
}

/** Strings that broke or could break servers: prototype keys, encodings, blanks, emoji, bidi, lone surrogates. */
export const SPECIAL_STRINGS: readonly string[] = [
  '',
  ' ',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'then',
  'length',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e309',
  '0x10',
  '%',
  '%00',
  '%zz',
  '\u0000',
  '\ud800',
  '\udfff',
  '\ufeff',
  '\u200b',
  '\u200d',
  '\u2800',
  '\u3164',
  '\u202e',
  '\u00a0\u3000',
  '👍',
  '❤',
  '❤️',
  '👨‍👩‍👧',
  '🇷🇺',
  '1️⃣',
  '👍🏽',
  '👍👍',
  'می‌خواهم',
  'Z̵̢̛a̷l̸g̶o̵',
  '../../etc/passwd',
  "'; DROP TABLE messages; --",
  '<script>alert(1)</script>',
  '{"a":1}',
  'x'.repeat(300),
  'я'.repeat(5000),
];

/** Names every plain object inherits or treats specially: as map keys they once answered 500. */
export const PROTOTYPE_KEYS: readonly string[] = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
];

/** Numbers at and past the edges of every column and of JavaScript's safe integers. */
export const SPECIAL_NUMBERS: readonly number[] = [
  0,
  -0,
  -1,
  1,
  0.5,
  1.5,
  -2147483648,
  2147483647,
  2147483648,
  4294967296,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  -Number.MAX_SAFE_INTEGER,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  1e21,
];

/** Number tokens JSON allows but JavaScript reads surprisingly: overflow, underflow, negative zero, long digits. */
export const RAW_NUMBER_TOKENS: readonly string[] = [
  '1e309',
  '-1e309',
  '1e-400',
  '-0',
  '123456789012345678901234567890',
  '9007199254740993',
  '0.0000000000000000000000001',
  '1E2',
  '2147483647.0000001',
];

/** Any string: graphemes, arbitrary code points (lone surrogates included), or a special one. */
export function anyString(maxLength = 40): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.string({ maxLength, unit: 'grapheme' }), weight: 3 },
    { arbitrary: fc.string({ maxLength, unit: 'binary' }), weight: 2 },
    {
      arbitrary: fc.string({ maxLength, unit: fc.constantFrom('\u200b', '\u200d', '\ud800', ' ', 'a', 'я', '👍', '\u0301') }),
      weight: 1,
    },
    { arbitrary: fc.constantFrom(...SPECIAL_STRINGS), weight: 2 },
    { arbitrary: fc.constantFrom(...PROTOTYPE_KEYS), weight: 1 },
  );
}

/** Any JSON value, with special strings and numbers among them. */
export function anyJson(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 3 },
    { arbitrary: fc.constantFrom<unknown>(...SPECIAL_NUMBERS, ...SPECIAL_STRINGS, null, true, [], {}), weight: 2 },
    {
      arbitrary: fc.dictionary(fc.constantFrom(...SPECIAL_STRINGS.slice(0, 12)), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
      weight: 1,
    },
  );
}

// zod 4 keeps a schema's definition in `_zod.def`; only the fields read here are declared.
interface Check {
  _zod: {
    def: {
      check: string;
      minimum?: number;
      maximum?: number;
      value?: number | bigint;
      inclusive?: boolean;
      format?: string;
      pattern?: RegExp;
    };
  };
}
interface Def {
  type: string;
  checks?: Check[];
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  values?: unknown[];
  entries?: Record<string, string | number>;
}
/** Marks a field left out of a generated object. */
const OMITTED = Symbol('omitted');
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;
const checksOf = (def: Def) => (def.checks ?? []).map((c) => c._zod.def);

function bounds(def: Def): { min?: number; max?: number; int: boolean; pattern?: RegExp } {
  const out: { min?: number; max?: number; int: boolean; pattern?: RegExp } = { int: false };
  for (const c of checksOf(def)) {
    if (c.check === 'min_length') out.min = c.minimum;
    else if (c.check === 'max_length') out.max = c.maximum;
    else if (c.check === 'length_equals') out.min = out.max = c.maximum ?? c.minimum;
    else if (c.check === 'greater_than') out.min = Number(c.value) + (c.inclusive ? 0 : out.int ? 1 : Number.EPSILON);
    else if (c.check === 'less_than') out.max = Number(c.value) - (c.inclusive ? 0 : out.int ? 1 : Number.EPSILON);
    else if (c.check === 'number_format') out.int = /int/.test(c.format ?? '');
    else if (c.check === 'string_format' && c.format === 'regex') out.pattern = c.pattern;
  }
  return out;
}

function integerBetween(min: number, max: number): fc.Arbitrary<number> {
  if (min > max) return fc.constant(min);
  return fc.bigInt({ min: BigInt(Math.ceil(min)), max: BigInt(Math.floor(max)) }).map(Number);
}

function numberOf(def: Def, pools: Pools, field: string | undefined): fc.Arbitrary<number> {
  const b = bounds(def);
  const min = Math.max(b.min ?? -Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER);
  const max = Math.min(b.max ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const inRange = (xs: readonly number[]) => xs.filter((x) => x >= min && x <= max && (!b.int || Number.isInteger(x)));
  const edges = inRange([min, max, min + 1, max - 1, 0, 1]);
  const byField = field === undefined ? undefined : pools.byField?.[field];
  const known = inRange(byField ?? [...pools.ids, ...pools.seqs]);
  const any = b.int ? integerBetween(min, max) : fc.double({ min, max, noNaN: true });
  return fc.oneof(
    { arbitrary: known.length ? fc.constantFrom(...known) : any, weight: 4 },
    { arbitrary: b.int ? integerBetween(Math.max(min, 0), Math.min(max, 50)) : any, weight: 2 },
    { arbitrary: any, weight: 2 },
    { arbitrary: edges.length ? fc.constantFrom(...edges) : any, weight: 1 },
  );
}

function stringOf(def: Def, pools: Pools): fc.Arbitrary<string> {
  const b = bounds(def);
  const min = b.min ?? 0;
  const max = Math.min(b.max ?? 200, 300);
  if (b.pattern) {
    // Lengths past the pattern's are made by repeating the match: right for the character-class
    // patterns the protocol uses (decimal parameters, client ids, logins).
    const fit = (s: string) =>
      s.length === 0 ? s : s.repeat(Math.ceil(min / s.length) || 1).slice(0, Math.max(min, Math.min(s.length, max)));
    const matching = fc.stringMatching(b.pattern, { size: 'small' }).map(fit);
    if (String(b.pattern) === String(/^\d{1,16}$/)) {
      return fc.oneof(
        { arbitrary: fc.constantFrom(...[...pools.ids, ...pools.seqs].map(String)), weight: 3 },
        { arbitrary: matching, weight: 1 },
      );
    }
    return matching;
  }
  const shaped = fc.string({ minLength: min, maxLength: Math.max(min, max), unit: 'grapheme' });
  const fits = (s: string) => s.length >= min && (b.max === undefined || s.length <= b.max);
  const specials = SPECIAL_STRINGS.filter(fits);
  const prototypeKeys = PROTOTYPE_KEYS.filter(fits);
  return fc.oneof(
    { arbitrary: shaped, weight: 3 },
    ...(specials.length ? [{ arbitrary: fc.constantFrom(...specials), weight: 2 }] : []),
    ...(prototypeKeys.length ? [{ arbitrary: fc.constantFrom(...prototypeKeys), weight: 1 }] : []),
    { arbitrary: fc.string({ minLength: min, maxLength: Math.max(min, Math.min(max, 40)), unit: 'binary' }), weight: 1 },
  );
}

/**
 * Values shaped by a zod schema: the right types, lengths and bounds, with the server's real ids
 * and positions mixed in. Refinements are not followed, so some values are still refused: the
 * server must refuse them precisely.
 */
export function arbitraryOf(schema: z.ZodType, pools: Pools, depth = 0, field?: string): fc.Arbitrary<unknown> {
  const override = pools.overrides?.get(schema);
  if (override) {
    const generated = arbitraryOf(schema, { ...pools, overrides: undefined }, depth, field);
    return fc.oneof({ arbitrary: override, weight: 1 }, { arbitrary: generated, weight: 1 });
  }
  const def = defOf(schema);
  // The field name travels down through wrappers and arrays (`personIds` → its elements).
  const inner = (s: z.ZodType, name = field) => arbitraryOf(s, pools, depth + 1, name);
  switch (def.type) {
    case 'string':
      return stringOf(def, pools);
    case 'number':
      return numberOf(def, pools, field);
    case 'boolean':
      return fc.boolean();
    case 'literal':
      return fc.constantFrom(...def.values!);
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries!));
    case 'null':
      return fc.constant(null);
    case 'nullable':
      return fc.oneof(fc.constant(null), inner(def.innerType!));
    case 'optional':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return inner(def.innerType!);
    case 'pipe':
      return inner(def.in!);
    case 'union':
      return fc.oneof(...def.options!.map((o) => inner(o)));
    case 'array': {
      const b = bounds(def);
      return fc.array(inner(def.element!), { minLength: b.min ?? 0, maxLength: Math.max(b.min ?? 0, Math.min(b.max ?? 10, 10)) });
    }
    case 'record':
      return fc.dictionary(inner(def.keyType!) as fc.Arbitrary<string>, inner(def.valueType!), { maxKeys: 4 });
    case 'object': {
      // Optional fields are mostly left out, as clients do: each one present adds a way to be refused.
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, fieldSchema] of Object.entries(def.shape!)) {
        const t = defOf(fieldSchema).type;
        const optional = t === 'optional' || t === 'default' || t === 'prefault';
        model[key] = optional
          ? fc.oneof({ arbitrary: fc.constant(OMITTED), weight: 2 }, { arbitrary: inner(fieldSchema, key), weight: 1 })
          : inner(fieldSchema, key);
      }
      return fc.record(model).map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== OMITTED)));
    }
    default:
      // unknown, any, transform and whatever a later zod adds: any JSON.
      return depth > 2 ? fc.constant(null) : anyJson();
  }
}

/**
 * JSON texts for a body or frame: valid-shaped ones, valid-shaped ones with one field replaced by
 * something hostile or removed or a stray field added, prototype keys, odd number tokens, other
 * JSON values and plain garbage. `fixed` fields (a frame's `type`) are kept in every object.
 */
export function bodyText(schema: z.ZodType | undefined, pools: Pools, fixed: Record<string, unknown> = {}): fc.Arbitrary<string> {
  const shaped = (schema ? arbitraryOf(schema, pools) : fc.constant({})).map((v) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? { ...v, ...fixed } : v,
  );
  const asObject = shaped.map((v) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { ...fixed },
  );
  const mutated = fc
    .tuple(asObject, fc.nat(), anyJson(), fc.constantFrom('replace', 'remove', 'add'))
    .map(([obj, n, value, how]) => {
      const keys = Object.keys(obj).filter((k) => !(k in fixed));
      const copy: Record<string, unknown> = { ...obj };
      if (how === 'add' || keys.length === 0) copy[SPECIAL_STRINGS[n % SPECIAL_STRINGS.length] || 'extra'] = value;
      else if (how === 'remove') delete copy[keys[n % keys.length]!];
      else copy[keys[n % keys.length]!] = value;
      return JSON.stringify(copy);
    });
  // Prototype keys and odd number tokens can only be written as raw text: JSON.stringify never makes them.
  const raw = fc
    .tuple(asObject, fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.constantFrom(...RAW_NUMBER_TOKENS), fc.nat())
    .chain(([obj, protoKey, number, n]) => {
      const keys = Object.keys(obj).filter((k) => !(k in fixed));
      const text = JSON.stringify(obj);
      const key = keys[n % Math.max(keys.length, 1)];
      return fc.constantFrom(
        `{"${protoKey}":{"admin":true},${text.slice(1)}`,
        `{"constructor":{"prototype":{"admin":true}},${text.slice(1)}`,
        key
          ? text.replace(new RegExp(`"${key}":(-?[0-9.eE+]+|"[^"]*"|null|true|false)`), `"${key}":${number}`)
          : `${text.slice(0, -1)},"n":${number}}`,
        `${text.slice(0, -1)}${keys.length ? ',' : ''}"${keys[0] ?? 'k'}":1}`,
      );
    });
  const garbage = fc.oneof(
    fc.constantFrom(
      '',
      '{',
      '}',
      '[',
      'null',
      'true',
      '"text"',
      '[]',
      '{"a":',
      "{'a':1}",
      '{"a":1,}',
      '\u0000',
      '{"a":"\\ud800"}',
      '{"a":"\\u0000"}',
    ),
    fc.string({ maxLength: 30, unit: 'binary' }),
  );
  return fc.oneof(
    { arbitrary: shaped.map((v) => JSON.stringify(v)), weight: 4 },
    { arbitrary: mutated, weight: 4 },
    { arbitrary: raw, weight: 2 },
    { arbitrary: anyJson().map((v) => JSON.stringify(v)), weight: 1 },
    { arbitrary: garbage, weight: 1 },
  );
}
