import type { Kysely } from 'kysely';
import { type Dialect, idColumn } from '../dialect.js';

/** Directory, accounts and sessions. */
export function directoryMigration(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const id = idColumn(dialect);
      const ms = dialect === 'postgres' ? 'bigint' : 'integer';
      await db.schema
        .createTable('regions')
        .addColumn('id', id.type, id.build)
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('municipalities')
        .addColumn('id', id.type, id.build)
        .addColumn('region_id', id.ref, (c) => c.notNull().references('regions.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('municipalities_region').on('municipalities').column('region_id').execute();
      await db.schema
        .createTable('organizations')
        .addColumn('id', id.type, id.build)
        .addColumn('municipality_id', id.ref, (c) => c.notNull().references('municipalities.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('short_name', 'text', (c) => c.notNull())
        .addColumn('time_zone', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text', (c) => c.unique())
        .execute();
      await db.schema.createIndex('organizations_municipality').on('organizations').column('municipality_id').execute();
      await db.schema
        .createTable('classes')
        .addColumn('id', id.type, id.build)
        .addColumn('organization_id', id.ref, (c) => c.notNull().references('organizations.id'))
        .addColumn('academic_year', 'integer', (c) => c.notNull())
        .addColumn('grade', 'integer', (c) => c.notNull())
        .addColumn('letter', 'text', (c) => c.notNull())
        .addUniqueConstraint('classes_unique', ['organization_id', 'academic_year', 'grade', 'letter'])
        .execute();
      await db.schema
        .createTable('accounts')
        .addColumn('id', id.type, id.build)
        .addColumn('login', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('disabled_at', ms)
        .execute();
      await db.schema
        .createTable('persons')
        .addColumn('id', id.type, id.build)
        .addColumn('last_name', 'text', (c) => c.notNull())
        .addColumn('first_name', 'text', (c) => c.notNull())
        .addColumn('middle_name', 'text')
        .addColumn('birth_date', 'text')
        .addColumn('snils', 'text', (c) => c.unique())
        .addColumn('account_id', id.ref, (c) => c.references('accounts.id'))
        .addColumn('external_id', 'text', (c) => c.unique())
        .execute();
      await db.schema.createIndex('persons_account').on('persons').column('account_id').execute();
      await db.schema
        .createTable('memberships')
        .addColumn('id', id.type, id.build)
        .addColumn('person_id', id.ref, (c) => c.notNull().references('persons.id'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('organization_id', id.ref, (c) => c.references('organizations.id'))
        .addColumn('class_id', id.ref, (c) => c.references('classes.id'))
        .addColumn('municipality_id', id.ref, (c) => c.references('municipalities.id'))
        .addColumn('region_id', id.ref, (c) => c.references('regions.id'))
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('ended_at', ms)
        .execute();
      await db.schema.createIndex('memberships_person').on('memberships').column('person_id').execute();
      await db.schema
        .createIndex('memberships_org_role')
        .on('memberships')
        .columns(['organization_id', 'role', 'person_id'])
        .execute();
      await db.schema.createIndex('memberships_class').on('memberships').column('class_id').execute();
      await db.schema
        .createTable('class_teachers')
        .addColumn('class_id', id.ref, (c) => c.notNull().references('classes.id'))
        .addColumn('person_id', id.ref, (c) => c.notNull().references('persons.id'))
        .addColumn('homeroom', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('subject', 'text')
        .addPrimaryKeyConstraint('class_teachers_pk', ['class_id', 'person_id'])
        .execute();
      await db.schema.createIndex('class_teachers_person').on('class_teachers').column('person_id').execute();
      await db.schema
        .createTable('guardianships')
        .addColumn('parent_person_id', id.ref, (c) => c.notNull().references('persons.id'))
        .addColumn('student_person_id', id.ref, (c) => c.notNull().references('persons.id'))
        .addPrimaryKeyConstraint('guardianships_pk', ['parent_person_id', 'student_person_id'])
        .execute();
      await db.schema.createIndex('guardianships_student').on('guardianships').column('student_person_id').execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id', id.type, id.build)
        .addColumn('account_id', id.ref, (c) => c.notNull().references('accounts.id'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('device_name', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('last_seen_at', ms, (c) => c.notNull())
        .addColumn('revoked_at', ms)
        .execute();
      await db.schema.createIndex('sessions_account').on('sessions').column('account_id').execute();
      await db.schema
        .createTable('meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
