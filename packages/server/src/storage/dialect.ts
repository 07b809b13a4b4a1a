import type { ColumnDefinitionBuilder } from 'kysely';

/** The two SQL engines Parta runs on. */
export type Dialect = 'sqlite' | 'postgres';

/** The column type and builder of an auto-assigned integer primary key, and of a reference to one. */
export function idColumn(dialect: Dialect) {
  if (dialect === 'postgres') {
    return {
      type: 'bigint' as const,
      ref: 'bigint' as const,
      build: (c: ColumnDefinitionBuilder) => c.primaryKey().generatedByDefaultAsIdentity(),
    };
  }
  // `integer primary key` is SQLite's rowid alias: the fastest key it has.
  return {
    type: 'integer' as const,
    ref: 'integer' as const,
    build: (c: ColumnDefinitionBuilder) => c.primaryKey(),
  };
}
