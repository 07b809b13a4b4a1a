import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { Authenticated } from '../../domain/auth.service.js';
import { validationError } from './errors.js';

/** What a handler receives: parsed input and, for authenticated routes, who is calling. */
export interface RouteContext<B, Q, P, A> {
  body: B;
  query: Q;
  params: P;
  auth: A;
  request: FastifyRequest;
  reply: FastifyReply;
}

/** A route: its input schemas and its handler. Routes stay thin: parse, call the domain, return. */
export interface RouteSpec<B, Q, P, R, Auth extends boolean> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  /** Require a bearer token (default true). */
  auth?: Auth;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  /** Success status (default 200). */
  status?: number;
  /** Per-route Fastify config (rate limits). */
  config?: Record<string, unknown>;
  handler: (ctx: RouteContext<B, Q, P, Auth extends false ? null : Authenticated>) => Promise<R>;
}

/** Resolves a request's bearer token to its session; installed by the app. */
export type Authenticator = (request: FastifyRequest) => Promise<Authenticated | null>;

/** What a route without a body or query schema accepts: nothing. */
const NOTHING = z.object({}).strict();

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) {
    if (value === undefined || value === null) return undefined as T;
    const empty = NOTHING.safeParse(value);
    if (!empty.success)
      throw new AppError('validation_failed', `this route takes no ${where}`, {
        issues: [{ path: '', message: `unexpected ${where}` }],
      });
    return undefined as T;
  }
  // No body at all is an empty object; a JSON `null` is not an object and is refused as such.
  const result = schema.safeParse(value === undefined ? {} : value);
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}

/** Registers a route whose input is parsed with protocol schemas and whose caller is authenticated. */
export function defineRoute<B = undefined, Q = undefined, P = undefined, R = unknown, Auth extends boolean = true>(
  app: FastifyInstance,
  authenticate: Authenticator,
  spec: RouteSpec<B, Q, P, R, Auth>,
): void {
  app.route({
    method: spec.method,
    url: spec.url,
    ...(spec.config ? { config: spec.config } : {}),
    handler: async (request, reply) => {
      let auth: Authenticated | null = null;
      if (spec.auth !== false) {
        auth = await authenticate(request);
        if (!auth) throw new AppError('unauthenticated', 'a valid bearer token is required');
      }
      const params = parse(spec.params, request.params, 'path');
      const query = parse(spec.query, request.query, 'query');
      const body = parse(spec.body, request.body, 'body');
      const result = await spec.handler({
        body,
        query,
        params,
        auth: auth as Auth extends false ? null : Authenticated,
        request,
        reply,
      });
      reply.code(spec.status ?? 200);
      return result;
    },
  });
}
