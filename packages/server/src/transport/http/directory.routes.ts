import type { FastifyInstance } from 'fastify';
import {
  type ClassList,
  type ClassMembers,
  IdParam,
  type MeResponse,
  type Organization,
  type OrganizationList,
  PageQuery,
  type PeoplePage,
  PeopleQuery,
} from '@parta/protocol';
import { z } from 'zod';
import { notFound } from '../../domain/errors.js';
import type { DirectoryService } from '../../domain/directory.service.js';
import type { SessionRepo } from '../../storage/session.repo.js';
import { type Authenticator, defineRoute } from './route.js';

const ById = z.object({ id: IdParam });

/** The directory as the caller may see it. */
export function directoryRoutes(
  app: FastifyInstance,
  authenticate: Authenticator,
  directory: DirectoryService,
  sessions: SessionRepo,
): void {
  defineRoute(app, authenticate, {
    method: 'GET',
    url: '/api/v1/me',
    handler: async ({ auth }): Promise<MeResponse> => {
      const account = await sessions.accountById(auth.accountId);
      if (!account) throw notFound('account');
      return directory.me(await directory.viewer(auth.accountId, auth.sessionId), account.login);
    },
  });

  defineRoute(app, authenticate, {
    method: 'GET',
    url: '/api/v1/organizations',
    query: PageQuery,
    handler: async ({ auth, query }): Promise<OrganizationList> =>
      directory.organizations(await directory.viewer(auth.accountId, auth.sessionId), query.after, query.limit),
  });

  defineRoute(app, authenticate, {
    method: 'GET',
    url: '/api/v1/organizations/:id',
    params: ById,
    handler: async ({ auth, params }): Promise<Organization> =>
      directory.organization(await directory.viewer(auth.accountId, auth.sessionId), params.id),
  });

  defineRoute(app, authenticate, {
    method: 'GET',
    url: '/api/v1/organizations/:id/classes',
    params: ById,
    handler: async ({ auth, params }): Promise<ClassList> => ({
      classes: await directory.classes(await directory.viewer(auth.accountId, auth.sessionId), params.id),
    }),
  });

  defineRoute(app, authenticate, {
    method: 'GET',
    url: '/api/v1/organizations/:id/people',
    params: ById,
    query: PeopleQuery,
    handler: async ({ auth, params, query }): Promise<PeoplePage> =>
      directory.people(await directory.viewer(auth.accountId, auth.sessionId), params.id, query),
  });

  defineRoute(app, authenticate, {
    method: 'GET',
    url: '/api/v1/classes/:id/members',
    params: ById,
    handler: async ({ auth, params }): Promise<ClassMembers> =>
      directory.classMembers(await directory.viewer(auth.accountId, auth.sessionId), params.id),
  });
}
