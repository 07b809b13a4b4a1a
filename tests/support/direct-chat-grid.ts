/**
 * The closed contour for direct chats as one table, shared by the pure rules' test
 * (packages/server/src/domain/chat-access.test.ts) and the same matrix through the API (tests/api/chat-matrix-*.test.ts).
 */

/**
 * mayStartDirect: row = initiator, column = target, 1 = may start a direct chat.
 * Rules read off DESIGN.md and the JSDoc:
 * - nobody starts a chat with themselves; nobody reaches across schools; officials reach nobody;
 * - a student reaches anyone working in their school, any student of it, and only their own parents;
 * - an adult reaches a student only as a teacher of the student's class, their parent, or their school's admin
 *   (so staff and teachers of other classes do not);
 * - a parent reaches their children's teachers, the school's admins and staff, and parents whose children share a class;
 * - teachers, admins and staff reach everyone working in the same school, and the parents they serve
 *   (a teacher serves parents of the classes they teach; admins and staff serve all parents of the school).
 * TP is both a 5А teacher and a 6Б parent, so P3 (6Б parent) reaches TP as a fellow parent, and P1/P2 as their teacher.
 */
export const DIRECT_GRID = `
       S1 S2 S3 SB T1 T2 TB P1 P2 P3 A1 ST1 AB MO RO TP
  S1    0  1  1  0  1  1  0  1  0  0  1  1   0  0  0  1
  S2    1  0  1  0  1  1  0  0  1  0  1  1   0  0  0  1
  S3    1  1  0  0  1  1  0  0  0  1  1  1   0  0  0  1
  SB    0  0  0  0  0  0  1  0  0  0  0  0   1  0  0  0
  T1    1  1  0  0  0  1  0  1  1  0  1  1   0  0  0  1
  T2    0  0  1  0  1  0  0  0  0  1  1  1   0  0  0  1
  TB    0  0  0  1  0  0  0  0  0  0  0  0   1  0  0  0
  P1    1  0  0  0  1  0  0  0  1  0  1  1   0  0  0  1
  P2    0  1  0  0  1  0  0  1  0  0  1  1   0  0  0  1
  P3    0  0  1  0  0  1  0  0  0  0  1  1   0  0  0  1
  A1    1  1  1  0  1  1  0  1  1  1  0  1   0  0  0  1
  ST1   0  0  0  0  1  1  0  1  1  1  1  0   0  0  0  1
  AB    0  0  0  1  0  0  1  0  0  0  0  0   0  0  0  0
  MO    0  0  0  0  0  0  0  0  0  0  0  0   0  0  0  0
  RO    0  0  0  0  0  0  0  0  0  0  0  0   0  0  0  0
  TP    1  1  1  0  1  1  0  1  1  1  1  1   0  0  0  0
`;
