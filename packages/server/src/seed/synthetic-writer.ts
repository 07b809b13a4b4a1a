import { sql } from 'kysely';
import type { BulkColumn, Store } from '../storage/store.js';

/** Rows of persons buffered before the buffers are written. */
const CHUNK = 10_000;

/** Columns of the bulk-written tables, in row order. */
const PERSON_COLUMNS: readonly BulkColumn[] = [
  { name: 'id', pgType: 'bigint' },
  { name: 'last_name', pgType: 'text' },
  { name: 'first_name', pgType: 'text' },
  { name: 'middle_name', pgType: 'text' },
  { name: 'birth_date', pgType: 'text' },
  { name: 'snils', pgType: 'text' },
];
const MEMBERSHIP_COLUMNS: readonly BulkColumn[] = [
  { name: 'id', pgType: 'bigint' },
  { name: 'person_id', pgType: 'bigint' },
  { name: 'role', pgType: 'text' },
  { name: 'organization_id', pgType: 'bigint' },
  { name: 'class_id', pgType: 'bigint' },
  { name: 'municipality_id', pgType: 'bigint' },
  { name: 'region_id', pgType: 'bigint' },
  { name: 'created_at', pgType: 'bigint' },
];
const REGION_COLUMNS: readonly BulkColumn[] = [
  { name: 'id', pgType: 'bigint' },
  { name: 'code', pgType: 'text' },
  { name: 'name', pgType: 'text' },
];
const MUNICIPALITY_COLUMNS: readonly BulkColumn[] = [
  { name: 'id', pgType: 'bigint' },
  { name: 'region_id', pgType: 'bigint' },
  { name: 'name', pgType: 'text' },
];
const ORGANIZATION_COLUMNS: readonly BulkColumn[] = [
  { name: 'id', pgType: 'bigint' },
  { name: 'municipality_id', pgType: 'bigint' },
  { name: 'kind', pgType: 'text' },
  { name: 'name', pgType: 'text' },
  { name: 'short_name', pgType: 'text' },
  { name: 'time_zone', pgType: 'text' },
];
const CLASS_COLUMNS: readonly BulkColumn[] = [
  { name: 'id', pgType: 'bigint' },
  { name: 'organization_id', pgType: 'bigint' },
  { name: 'academic_year', pgType: 'integer' },
  { name: 'grade', pgType: 'integer' },
  { name: 'letter', pgType: 'text' },
];
const CLASS_TEACHER_COLUMNS: readonly BulkColumn[] = [
  { name: 'class_id', pgType: 'bigint' },
  { name: 'person_id', pgType: 'bigint' },
  { name: 'homeroom', pgType: 'integer' },
  { name: 'subject', pgType: 'text' },
];
const GUARDIANSHIP_COLUMNS: readonly BulkColumn[] = [
  { name: 'parent_person_id', pgType: 'bigint' },
  { name: 'student_person_id', pgType: 'bigint' },
];

/** One chunk of synthetic rows, each row in its table's column order above. */
export interface SyntheticBatch {
  regions: unknown[][];
  municipalities: unknown[][];
  organizations: unknown[][];
  classes: unknown[][];
  persons: unknown[][];
  memberships: unknown[][];
  classTeachers: unknown[][];
  guardianships: unknown[][];
}

function emptyBatch(): SyntheticBatch {
  return {
    regions: [],
    municipalities: [],
    organizations: [],
    classes: [],
    persons: [],
    memberships: [],
    classTeachers: [],
    guardianships: [],
  };
}

/**
 * Buffers synthetic rows and bulk-writes them a chunk at a time. Writing a chunk overlaps with
 * generating the next one; on PostgreSQL the tables that only reference already written rows go
 * in parallel over several connections.
 */
export class SyntheticWriter {
  /** The rows being generated; an empty batch replaces it at every flush. */
  batch: SyntheticBatch = emptyBatch();
  /** Persons written so far. */
  written = 0;
  private pending: Promise<void> = Promise.resolve();
  private readonly lanes: number;

  constructor(
    private readonly store: Store,
    private readonly total: number,
    private readonly onProgress: ((done: number, total: number) => void) | undefined,
  ) {
    this.lanes = store.dialect === 'postgres' ? 3 : 1;
  }

  private split(rows: unknown[][]): unknown[][][] {
    if (this.lanes === 1 || rows.length < 2_000) return [rows];
    const per = Math.ceil(rows.length / this.lanes);
    const parts: unknown[][][] = [];
    for (let i = 0; i < rows.length; i += per) parts.push(rows.slice(i, i + per));
    return parts;
  }

  private async write(b: SyntheticBatch): Promise<void> {
    const store = this.store;
    // Referenced rows first: foreign keys are checked row by row.
    await store.bulkInsert('regions', REGION_COLUMNS, b.regions);
    await store.bulkInsert('municipalities', MUNICIPALITY_COLUMNS, b.municipalities);
    await store.bulkInsert('organizations', ORGANIZATION_COLUMNS, b.organizations);
    await store.bulkInsert('classes', CLASS_COLUMNS, b.classes);
    await Promise.all(this.split(b.persons).map((part) => store.bulkInsert('persons', PERSON_COLUMNS, part)));
    await Promise.all([
      ...this.split(b.memberships).map((part) => store.bulkInsert('memberships', MEMBERSHIP_COLUMNS, part)),
      store.bulkInsert('class_teachers', CLASS_TEACHER_COLUMNS, b.classTeachers),
      store.bulkInsert('guardianships', GUARDIANSHIP_COLUMNS, b.guardianships),
    ]);
    this.written += b.persons.length;
    this.onProgress?.(this.written, this.total);
  }

  /** Flushes once the batch holds a chunk of persons. */
  async flushIfFull(): Promise<void> {
    if (this.batch.persons.length >= CHUNK) await this.flush();
  }

  /** Hands the batch to the writer (after the previous one is written) and starts a new one. */
  async flush(): Promise<void> {
    const batch = this.batch;
    this.batch = emptyBatch();
    await this.pending;
    this.pending = this.write(batch);
    // Rejections surface at the next await of `pending`; until then they are not unhandled.
    this.pending.catch(() => {});
    // Let the driver send the first statements before generating more.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Waits until everything flushed is written. */
  async done(): Promise<void> {
    await this.pending;
  }
}

/** The first free id of a table: synthetic rows continue after what is there. */
export async function nextId(store: Store, table: string): Promise<number> {
  const r = await sql<{ m: number | string | null }>`select max(id) as m from ${sql.table(table)}`.execute(store.db);
  return Number(r.rows[0]?.m ?? 0) + 1;
}
