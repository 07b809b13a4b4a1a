import { z } from 'zod';

const flag = z
  .enum(['0', '1', 'true', 'false', ''])
  .optional()
  .transform((v) => v === '1' || v === 'true');

/** An empty variable (`PARTA_X=`) counts as unset, not as `0` or an empty string. */
const unsetIfEmpty = (v: unknown) => (v === '' ? undefined : v);

/** The server's variables, one by one (`ServerEnv` adds the checks across them). */
const ServerEnvFields = z.object({
  /** TCP port of the HTTP and WebSocket server. */
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Address to listen on. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Directory for the SQLite file and local data. */
  PARTA_DATA_DIR: z.string().min(1).default('./data'),
  /**
   * The built web client served at `/` (`index.html` and `assets/`). Unset: the server's own
   * checkout's `packages/web/dist`, found from the server package's location, not the working directory.
   */
  PARTA_WEB_DIR: z.string().min(1).optional(),
  /** PostgreSQL connection URL; when unset the embedded SQLite file is used. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** `1` enables the development login for seeded accounts. Never in production. */
  PARTA_DEV_LOGIN: flag,
  /** Log level. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `json` for machines, `pretty` for people; defaults to pretty on a terminal. */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  /** Public base URL printed at start and used in links. */
  PARTA_PUBLIC_URL: z.string().url().optional(),
  /** Messages per second one account may send, sustained (bursts of three times that pass). */
  PARTA_SEND_RATE_PER_SEC: z.coerce.number().int().min(1).max(1_000_000).default(20),
  /** Seconds between WebSocket pings; a socket that misses one is closed (a dead client is gone within two). */
  PARTA_WS_HEARTBEAT_SEC: z.coerce.number().int().min(1).max(3600).default(30),
  /** Sign-ins per minute allowed from one address. */
  PARTA_LOGIN_RATE_PER_MIN: z.coerce.number().int().min(1).max(1_000_000).default(600),
  /** Reactions per minute one account may add or remove (bursts of a third of that, at least 5, pass). */
  PARTA_REACTION_RATE_PER_MIN: z.coerce.number().int().min(1).max(1_000_000).default(120),
  /** Edits per minute one account may make (bursts of a third of that, at least 5, pass). */
  PARTA_EDIT_RATE_PER_MIN: z.coerce.number().int().min(1).max(1_000_000).default(30),
  /** Reports per minute one account may file (bursts of a third of that, at least 5, pass). */
  PARTA_REPORT_RATE_PER_MIN: z.coerce.number().int().min(1).max(1_000_000).default(10),
  /** `presence.query` frames per minute one socket may send (bursts of a third of that, at least 5, pass). */
  PARTA_PRESENCE_QUERY_RATE_PER_MIN: z.coerce.number().int().min(1).max(1_000_000).default(60),
  /** Frames per second one socket may send, of every type together, sustained. */
  PARTA_WS_FRAME_RATE_PER_SEC: z.coerce.number().int().min(1).max(1_000_000).default(50),
  /** Frames one socket may send at once beyond the sustained rate. */
  PARTA_WS_FRAME_BURST: z.coerce.number().int().min(1).max(1_000_000).default(200),
  /**
   * Frames refused for the budget above, after which the socket is closed with 4429; each second
   * forgives one. A client that slows down when told is never closed.
   */
  PARTA_WS_REFUSED_FRAMES_TO_CLOSE: z.coerce.number().int().min(1).max(1_000_000).default(100),
  /**
   * `max-age` of `Strict-Transport-Security`, sent only when `PARTA_PUBLIC_URL` is `https://` (the
   * operator's word that browsers reach the server over TLS); `0` tells browsers to forget it.
   */
  PARTA_HSTS_MAX_AGE_SEC: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).max(315_360_000).default(31_536_000)),
  /**
   * Port of a separate listener that serves only `/metrics`; unset: no such listener. `0` picks a free
   * port (tests).
   */
  PARTA_METRICS_PORT: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).max(65535).optional()),
  /** Address of the metrics listener; loopback by default, so that only the machine itself reads it. */
  PARTA_METRICS_HOST: z.preprocess(unsetIfEmpty, z.string().min(1).default('127.0.0.1')),
  /**
   * Bearer token that `/metrics` asks for, wherever it is served; when set, the main listener serves
   * `/metrics` too. Unset: the main listener answers 404 for `/metrics`.
   */
  PARTA_METRICS_TOKEN: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .min(16, 'must be at least 16 characters: it is a password')
      .max(200)
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces (it travels in a header)')
      .optional(),
  ),
});

/**
 * The server's environment. Parsed once at start; a bad value stops the process with a list
 * of every problem.
 */
export const ServerEnv = ServerEnvFields.refine(
  (env) => env.PARTA_METRICS_PORT === undefined || env.PARTA_METRICS_PORT === 0 || env.PARTA_METRICS_PORT !== env.PORT,
  { message: 'must differ from PORT: the metrics listener is a separate one', path: ['PARTA_METRICS_PORT'] },
);
/** The parsed server environment. */
export type ServerEnv = z.infer<typeof ServerEnv>;

/** `parta seed` options. */
export const SeedArgs = z
  .object({
    /** Seed the demo region. */
    demo: z.boolean().default(false),
    /** Seed a synthetic country of this many persons. */
    scale: z.coerce.number().int().min(1).max(20_000_000).optional(),
    /** Random seed for the synthetic country, for reproducible data. */
    seed: z.coerce.number().int().nonnegative().default(1),
  })
  .strict()
  .refine((a) => a.demo || a.scale !== undefined, 'give --demo or --scale N');
/** `parta seed` options. */
export type SeedArgs = z.infer<typeof SeedArgs>;

/** `parta start` options. */
export const StartArgs = z
  .object({
    /** Seed the demo region before serving (idempotent). */
    demo: z.boolean().default(false),
  })
  .strict();
/** `parta start` options. */
export type StartArgs = z.infer<typeof StartArgs>;
