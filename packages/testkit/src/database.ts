import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { StoreOptions } from '@parta/server';

/** The dialect the suite runs on: `PARTA_TEST_DIALECT=postgres` or SQLite by default. */
export function testDialect(): 'sqlite' | 'postgres' {
  const d = process.env.PARTA_TEST_DIALECT ?? 'sqlite';
  if (d !== 'sqlite' && d !== 'postgres') throw new Error(`PARTA_TEST_DIALECT must be sqlite or postgres, not "${d}"`);
  return d;
}

/** The administrative PostgreSQL URL tests create their databases through. */
export function adminPostgresUrl(): string {
  return process.env.PARTA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** A fresh, empty database for one test file, and how to throw it away. */
export interface TestDatabase {
  options: StoreOptions;
  /** `DATABASE_URL` / `PARTA_DATA_DIR` to give a server process. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** Creates a fresh database: a SQLite file in a temp dir, or a new PostgreSQL database. */
export async function createTestDatabase(dialect = testDialect()): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'parta-test-'));
    return {
      options: { dialect: 'sqlite', file: path.join(dir, 'parta.sqlite') },
      env: { PARTA_DATA_DIR: dir },
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const admin = adminPostgresUrl();
  const name = `parta_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    options: { dialect: 'postgres', url: url.toString(), poolSize: 5 },
    env: { DATABASE_URL: url.toString() },
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
