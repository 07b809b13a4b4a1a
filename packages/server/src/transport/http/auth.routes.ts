import type { FastifyInstance } from 'fastify';
import {
  type AuthOptions,
  DevLoginRequest,
  IdParam,
  type LoginResponse,
  type LogoutResponse,
  type SessionList,
} from '@parta/protocol';
import { z } from 'zod';
import type { AuthService } from '../../domain/auth.service.js';
import { type Authenticator, defineRoute } from './route.js';

/** A device label from the user agent when the client gave none. */
function deviceFromUserAgent(ua: string | undefined): string {
  if (!ua) return 'unknown device';
  return ua.slice(0, 100);
}

/** Sign-in, sign-out and the device list. */
export function authRoutes(app: FastifyInstance, authenticate: Authenticator, auth: AuthService, loginRatePerMin: number): void {
  defineRoute(app, authenticate, {
    method: 'GET',
    url: '/api/v1/auth/options',
    auth: false,
    handler: async (): Promise<AuthOptions> => auth.options(),
  });

  defineRoute(app, authenticate, {
    method: 'POST',
    url: '/api/v1/auth/dev-login',
    auth: false,
    body: DevLoginRequest,
    config: { rateLimit: { max: loginRatePerMin, timeWindow: 60_000 } },
    handler: async ({ body, request }): Promise<LoginResponse> =>
      auth.devLogin(body.login, body.deviceName ?? deviceFromUserAgent(request.headers['user-agent'])),
  });

  defineRoute(app, authenticate, {
    method: 'GET',
    url: '/api/v1/sessions',
    handler: async ({ auth: who }): Promise<SessionList> => ({ sessions: await auth.listSessions(who) }),
  });

  defineRoute(app, authenticate, {
    method: 'DELETE',
    url: '/api/v1/sessions/:id',
    params: z.object({ id: IdParam }),
    handler: async ({ auth: who, params }): Promise<LogoutResponse> => ({
      revoked: await auth.revokeSession(who, params.id),
    }),
  });

  defineRoute(app, authenticate, {
    method: 'POST',
    url: '/api/v1/auth/logout',
    handler: async ({ auth: who }): Promise<LogoutResponse> => ({ revoked: await auth.logout(who) }),
  });

  defineRoute(app, authenticate, {
    method: 'POST',
    url: '/api/v1/auth/logout-all',
    handler: async ({ auth: who }): Promise<LogoutResponse> => ({ revoked: await auth.logoutEverywhere(who) }),
  });
}
