import type { Role } from '@parta/protocol';

/** One active role of a person, with where it is held. */
export interface ViewerMembership {
  personId: number;
  role: Role;
  organizationId: number | null;
  classId: number | null;
  municipalityId: number | null;
  regionId: number | null;
}

/** Everything access rules need to know about who is asking. Built once per request. */
export interface Viewer {
  accountId: number;
  sessionId: number;
  personIds: readonly number[];
  memberships: readonly ViewerMembership[];
  /** Classes the viewer teaches. */
  teaching: readonly { personId: number; classId: number; organizationId: number; homeroom: boolean }[];
  /** The viewer's children (for parents). */
  children: readonly { parentPersonId: number; personId: number; classId: number | null; organizationId: number | null }[];
}

/** Where an organization sits in the hierarchy. */
export interface OrgPlace {
  id: number;
  municipalityId: number;
  regionId: number;
}
