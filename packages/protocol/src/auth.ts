import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { refuseUnstorable } from './text.js';

/** A login handle: lower-case latin letters, digits, dot, dash and underscore. */
export const Login = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9._-]+$/, 'a login holds only a-z, 0-9, ".", "-" and "_"');

/** A human label for the device a session was opened on. */
export const DeviceName = z.string().trim().min(1).max(100).superRefine(refuseUnstorable('a device name'));

/** `POST /api/v1/auth/dev-login`: sign in as a seeded account (development only). */
export const DevLoginRequest = z
  .object({
    /** The account's login, as printed by the demo seed. */
    login: Login,
    /** Optional label shown in the device list. */
    deviceName: DeviceName.optional(),
  })
  .strict();
/** `POST /api/v1/auth/dev-login` body. */
export type DevLoginRequest = z.infer<typeof DevLoginRequest>;

/** The answer to any successful sign-in. */
export const LoginResponse = z.object({
  /** Opaque bearer token; the server keeps only its hash. Send as `Authorization: Bearer …`. */
  token: z.string(),
  /** The session this token belongs to. */
  sessionId: Id,
  /** The signed-in account. */
  accountId: Id,
});
/** The answer to any successful sign-in. */
export type LoginResponse = z.infer<typeof LoginResponse>;

/** One signed-in device of the current account. */
export const SessionInfo = z.object({
  /** Session id, used to revoke it. */
  id: Id,
  /** Label given at sign-in, or derived from the user agent. */
  deviceName: z.string(),
  /** When the session was opened. */
  createdAt: Timestamp,
  /** Last time the session's token was used (updated at most once a minute). */
  lastSeenAt: Timestamp,
  /** True for the session making this request. */
  current: z.boolean(),
});
/** One signed-in device. */
export type SessionInfo = z.infer<typeof SessionInfo>;

/** `GET /api/v1/sessions`. */
export const SessionList = z.object({
  /** The account's live sessions, newest first. */
  sessions: z.array(SessionInfo),
});
/** `GET /api/v1/sessions`. */
export type SessionList = z.infer<typeof SessionList>;

/** Answer of log-out operations. */
export const LogoutResponse = z.object({
  /** How many sessions were ended. */
  revoked: z.number().int().nonnegative(),
});
/** Answer of log-out operations. */
export type LogoutResponse = z.infer<typeof LogoutResponse>;

/** A seeded account to try, as the demo seed prints it at start. */
export const DemoLogin = z.object({
  /** What the login shows off: `admin`, `homeroom_teacher`, `teacher`, `student`, `parent`, … */
  role: z.string(),
  /** The login to give `POST /api/v1/auth/dev-login`. */
  login: Login,
  /** Full name of the person behind the login, «Фамилия Имя Отчество». */
  name: z.string(),
  /** Where the person belongs, in Russian (school, class, subject, children). */
  detail: z.string(),
});
/** A seeded account to try. */
export type DemoLogin = z.infer<typeof DemoLogin>;

/** `GET /api/v1/auth/options`: the ways to sign in on this server, asked before anyone is signed in. */
export const AuthOptions = z.object({
  /** `POST /api/v1/auth/dev-login` is enabled (`PARTA_DEV_LOGIN=1`). */
  devLogin: z.boolean(),
  /** Sign-in through ESIA («Войти через Госуслуги»); not offered yet. */
  esia: z.boolean(),
  /** The demo region's sample logins, one or a few per role; empty unless `devLogin` and the demo is seeded. */
  demoLogins: z.array(DemoLogin),
});
/** `GET /api/v1/auth/options`. */
export type AuthOptions = z.infer<typeof AuthOptions>;
