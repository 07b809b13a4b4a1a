import type { Role } from '@parta/protocol';

/** A person as the rules see them: their roles, the classes they teach, their children. */
export interface Actor {
  personId: number;
  /** Active roles in organizations (officials have none here). */
  roles: readonly { role: Role; organizationId: number | null; classId: number | null }[];
  /** Classes taught. */
  teaching: readonly { classId: number; organizationId: number }[];
  /** Children (for parents). */
  children: readonly { personId: number; classId: number | null; organizationId: number | null }[];
}
