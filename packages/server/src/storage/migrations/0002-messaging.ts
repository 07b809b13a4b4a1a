import { sql, type Kysely } from 'kysely';
import { type Dialect, idColumn } from '../dialect.js';

/** Chats, members, messages, edits, mentions, reports, and full-text search. */
export function messagingMigration(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const id = idColumn(dialect);
      const ms = dialect === 'postgres' ? 'bigint' : 'integer';
      await db.schema
        .createTable('chats')
        .addColumn('id', id.type, id.build)
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text')
        .addColumn('organization_id', id.ref, (c) => c.notNull().references('organizations.id'))
        .addColumn('class_id', id.ref, (c) => c.references('classes.id'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('allow_comments', 'integer', (c) => c.notNull().defaultTo(0))
        // Direct chats: 'direct:<low person>:<high person>'; roster chats: 'class:<id>', 'staff:<org>', …
        .addColumn('unique_key', 'text', (c) => c.unique())
        .addColumn('created_by_person_id', id.ref, (c) => c.references('persons.id'))
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_version', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_message_at', ms)
        .execute();
      await db.schema.createIndex('chats_organization').on('chats').column('organization_id').execute();
      await db.schema
        .createTable('chat_members')
        .addColumn('chat_id', id.ref, (c) => c.notNull().references('chats.id'))
        .addColumn('person_id', id.ref, (c) => c.notNull().references('persons.id'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('joined_at', ms, (c) => c.notNull())
        .addColumn('read_seq', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('muted_until', ms)
        // 1 when the roster put this member here (and will take them out); 0 when added by hand.
        .addColumn('via_roster', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('chat_members_pk', ['chat_id', 'person_id'])
        .execute();
      await db.schema.createIndex('chat_members_person').on('chat_members').column('person_id').execute();
      await db.schema
        .createTable('messages')
        .addColumn('id', id.type, id.build)
        .addColumn('chat_id', id.ref, (c) => c.notNull().references('chats.id'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('sender_person_id', id.ref, (c) => c.notNull().references('persons.id'))
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('mentions', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('mention_all', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('must_ack', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('reply_to', 'text')
        .addColumn('forward', 'text')
        .addColumn('reactions', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('pinned', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('edited_at', ms)
        .addColumn('deleted_at', ms)
        .addUniqueConstraint('messages_chat_seq', ['chat_id', 'seq'])
        .addUniqueConstraint('messages_chat_client', ['chat_id', 'client_id'])
        .execute();
      await db.schema.createIndex('messages_chat_version').on('messages').columns(['chat_id', 'version']).execute();
      await db.schema
        .createTable('message_edits')
        .addColumn('message_id', id.ref, (c) => c.notNull().references('messages.id'))
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('edited_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('message_edits_message').on('message_edits').column('message_id').execute();
      await db.schema
        .createTable('mentions')
        .addColumn('chat_id', id.ref, (c) => c.notNull())
        .addColumn('person_id', id.ref, (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('mentions_pk', ['person_id', 'chat_id', 'seq'])
        .execute();
      await db.schema
        .createTable('reports')
        .addColumn('id', id.type, id.build)
        .addColumn('organization_id', id.ref, (c) => c.notNull().references('organizations.id'))
        .addColumn('chat_id', id.ref, (c) => c.notNull().references('chats.id'))
        .addColumn('message_id', id.ref, (c) => c.notNull().references('messages.id'))
        .addColumn('reporter_person_id', id.ref, (c) => c.notNull().references('persons.id'))
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('resolved_at', ms)
        .addColumn('resolved_by_person_id', id.ref)
        .addColumn('resolution', 'text')
        .execute();
      await db.schema.createIndex('reports_organization').on('reports').columns(['organization_id', 'resolved_at']).execute();
      if (dialect === 'postgres') {
        await sql`alter table messages add column tsv tsvector generated always as (to_tsvector('russian', text)) stored`.execute(
          db,
        );
        await sql`create index messages_tsv on messages using gin (tsv)`.execute(db);
      } else {
        // Contentless FTS5 over stemmed words (SQLite has no Russian stemmer; the server stems).
        await sql`create virtual table messages_fts using fts5(body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2')`.execute(
          db,
        );
      }
    },
  };
}
