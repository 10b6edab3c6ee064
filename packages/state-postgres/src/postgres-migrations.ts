import { LlmspellError } from '@llmspell/core';
import type pg from 'pg';

/**
 * The store's own schema, versioned. Each migration runs once per database, in order, in one
 * transaction with the version it records; processes starting together take an advisory lock
 * first, so exactly one applies them and the others then see them done.
 */
export interface SchemaMigration {
  version: number;
  name: string;
  sql: (table: string) => string;
}

export const SCHEMA_MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: 'key-value table',
    // COLLATE "C": keys compare byte by byte, which in UTF-8 is code point order, the order
    // every StateStore lists keys in (and what makes a prefix a key range).
    sql: (t) => `CREATE TABLE IF NOT EXISTS ${t} (key text COLLATE "C" NOT NULL PRIMARY KEY, value text NOT NULL)`,
  },
];

export const SCHEMA_VERSION = SCHEMA_MIGRATIONS[SCHEMA_MIGRATIONS.length - 1].version;

/** `"schema"."table"` from validated identifiers. */
export function qualified(schema: string | undefined, name: string): string {
  return schema ? `"${schema}"."${name}"` : `"${name}"`;
}

/** Brings the store's tables to SCHEMA_VERSION; resolves the versions it applied. */
export async function migrate(client: pg.PoolClient, schema: string | undefined, table: string, migrations: readonly SchemaMigration[] = SCHEMA_MIGRATIONS): Promise<number[]> {
  const data = qualified(schema, table);
  const versions = qualified(schema, `${table}_migrations`);
  const applied: number[] = [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`llmspell-migrate:${data}`]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${versions} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${versions}`);
    const current = rows[0]?.v ?? 0;
    const newest = migrations[migrations.length - 1]?.version ?? 0;
    if (current > newest) {
      throw new LlmspellError('STATE_ERROR', `the state table ${data} has schema version ${current}, newer than this @llmspell/state-postgres knows (${newest}): upgrade llmspell on this machine`, {
        details: { schema_version: current, supported: newest },
      });
    }
    for (const m of migrations) {
      if (m.version <= current) continue;
      await client.query(m.sql(data));
      await client.query(`INSERT INTO ${versions} (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return applied;
}
