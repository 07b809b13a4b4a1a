import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { CamelCasePlugin, Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration } from 'kysely';
import type { Database } from './schema.js';
import type { Dialect } from './dialect.js';
import { directoryMigration } from './migrations/0001-directory.js';
import { messagingMigration } from './migrations/0002-messaging.js';
import { reportOnceMigration } from './migrations/0003-report-once.js';
import { openSearchIndex, searchIndexFile } from './search-index.js';

// int8 (bigint) and numeric counts come back as strings by default; our ids and
// millisecond timestamps fit in a double, so read them as numbers.
pg.types.setTypeParser(20, (v) => Number(v));

/** Where the data lives: a SQLite file or a PostgreSQL URL. */
export type StoreOptions = { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string; poolSize?: number };

/** A column of a bulk insert: its snake_case name and its PostgreSQL array element type. */
export interface BulkColumn {
  name: string;
  pgType: 'bigint' | 'integer' | 'text';
}

/** The driver under Kysely, for the hot paths that bypass the query builder. */
export type RawDriver = { dialect: 'sqlite'; db: BetterSqlite3.Database; file: string } | { dialect: 'postgres'; pool: pg.Pool };

/** The SQL port: a Kysely instance plus the few things Kysely does not do fast enough. */
export interface Store {
  readonly dialect: Dialect;
  readonly db: Kysely<Database>;
  /** The driver itself (message commits, bulk inserts). */
  readonly raw: RawDriver;
  /** Inserts many rows at once, bypassing the query builder (seeding, imports). */
  bulkInsert(table: string, columns: readonly BulkColumn[], rows: readonly (readonly unknown[])[]): Promise<void>;
  /** Moves PostgreSQL identity sequences past explicitly inserted ids; a no-op on SQLite. */
  syncIdSequences(tables: readonly string[]): Promise<void>;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  /** Applies pending migrations. */
  migrate(): Promise<string[]>;
  /** Closes every connection. */
  close(): Promise<void>;
}

function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-directory': directoryMigration(dialect),
    '0002-messaging': messagingMigration(dialect),
    '0003-report-once': reportOnceMigration(dialect),
  };
}

/** Opens the database (creating the SQLite file and its directory if needed). Does not migrate. */
export function openStore(options: StoreOptions): Store {
  if (options.dialect === 'sqlite') return openSqlite(options.file);
  return openPostgres(options.url, options.poolSize ?? 10);
}

function openSqlite(file: string): Store {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const raw = new BetterSqlite3(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  if (file !== ':memory:') {
    // The search index lives in its own file, written by its own thread (see search-index.ts).
    const searchFile = searchIndexFile(file);
    openSearchIndex(searchFile).close();
    raw.prepare('attach database ? as search').run(searchFile);
  }
  // Kysely prepares every query it runs; compiling SQL costs more than running it. Reuse statements
  // per SQL text (better-sqlite3 statements are reusable and the driver is synchronous).
  const prepared = new Map<string, BetterSqlite3.Statement>();
  const cachingDatabase = {
    close: () => raw.close(),
    prepare(sqlText: string) {
      let st = prepared.get(sqlText);
      if (!st) {
        if (prepared.size >= 1000) prepared.clear();
        st = raw.prepare(sqlText);
        prepared.set(sqlText, st);
      }
      return st;
    },
  };
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: cachingDatabase }),
    plugins: [new CamelCasePlugin()],
  });
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    dialect: 'sqlite',
    db,
    raw: { dialect: 'sqlite', db: raw, file },
    async bulkInsert(table, columns, rows) {
      if (rows.length === 0) return;
      const perStatement = Math.max(1, Math.floor(999 / columns.length));
      const tuple = `(${columns.map(() => '?').join(',')})`;
      const prefix = `insert into ${table} (${columns.map((c) => c.name).join(',')}) values `;
      const prepare = (n: number) => {
        const key = `${table}:${columns.length}:${n}`;
        let st = statements.get(key);
        if (!st) {
          st = raw.prepare(prefix + Array.from({ length: n }, () => tuple).join(','));
          statements.set(key, st);
        }
        return st;
      };
      raw.transaction(() => {
        for (let i = 0; i < rows.length; i += perStatement) {
          const chunk = rows.slice(i, i + perStatement);
          prepare(chunk.length).run(chunk.flat());
        }
      })();
    },
    async syncIdSequences() {},
    async ping() {
      try {
        raw.prepare('select 1').get();
        return true;
      } catch {
        return false;
      }
    },
    migrate: () => runMigrations(db, 'sqlite'),
    async close() {
      await db.destroy();
    },
  };
}

function openPostgres(url: string, poolSize: number): Store {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client that loses its connection emits 'error'; without a listener that would crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new CamelCasePlugin()],
  });
  return {
    dialect: 'postgres',
    db,
    raw: { dialect: 'postgres', pool },
    async bulkInsert(table, columns, rows) {
      if (rows.length === 0) return;
      // One parameter per column (an array), however many rows: unnest builds the rows server-side.
      const arrays = columns.map((_, ci) => rows.map((r) => r[ci] ?? null));
      const text =
        `insert into ${table} (${columns.map((c) => c.name).join(',')}) ` +
        `select * from unnest(${columns.map((c, i) => `$${i + 1}::${c.pgType}[]`).join(',')})`;
      await pool.query(text, arrays);
    },
    async syncIdSequences(tables) {
      for (const t of tables) {
        await pool.query(`select setval(pg_get_serial_sequence($1, 'id'), coalesce((select max(id) from ${t}), 0) + 1, false)`, [
          t,
        ]);
      }
    },
    async ping() {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    migrate: () => runMigrations(db, 'postgres'),
    async close() {
      await db.destroy();
    },
  };
}

async function runMigrations(db: Kysely<Database>, dialect: Dialect): Promise<string[]> {
  // Migrations are written in snake_case; run them without the camelCase plugin.
  const plain = db.withoutPlugins();
  const migrator = new Migrator({
    db: plain,
    provider: { getMigrations: async () => migrations(dialect) },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${JSON.stringify(error)}`);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
