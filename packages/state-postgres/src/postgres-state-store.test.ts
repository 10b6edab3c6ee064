import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import pg from 'pg';
import { findPgBin, postgresSkipReason, startPostgres, type PgCluster } from '@llmspell/core/testing';
import { PostgresStateStore, SCHEMA_VERSION, createStateStore, describePostgresUrl } from './index.js';

const pgBin = findPgBin();
const suite = pgBin ? describe : describe.skip;
const skipped = pgBin ? '' : ` (skipped: ${postgresSkipReason()})`;

let tables = 0;
const freshTable = () => `t_${process.pid}_${++tables}`;

/** Polls `check` until it holds, failing after `ms` (no fixed sleeps). */
async function until(check: () => Promise<boolean> | boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A second connection that holds a row lock on `key` until released. */
async function lockRow(url: string, table: string, key: string): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`INSERT INTO "${table}" (key, value) VALUES ($1, '"locked"') ON CONFLICT (key) DO NOTHING`, [key]);
  await client.query('COMMIT');
  await client.query('BEGIN');
  await client.query(`SELECT value FROM "${table}" WHERE key = $1 FOR UPDATE`, [key]);
  return {
    async release() {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

/** Whether a backend of `application` waits on a lock right now. */
async function waitsOnLock(url: string, application: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [application]);
    return r.rows[0].n > 0;
  } finally {
    await client.end();
  }
}

suite(`PostgresStateStore${skipped}`, () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await startPostgres({ bin: pgBin });
  }, 60_000);
  afterAll(() => cluster?.stop());

  it('creates its table once, records the schema version, and keeps data across reopen', async () => {
    const table = freshTable();
    // Several processes starting at once: the advisory lock lets exactly one migrate.
    const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresStateStore.open({ url: cluster.url, table })));
    await stores[0].put('k', 'v');
    for (const s of stores) await expect(s.get('k')).resolves.toBe('v');
    await Promise.all(stores.map((s) => s.close()));
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    const versions = await client.query(`SELECT version FROM "${table}_migrations" ORDER BY version`);
    expect(versions.rows.map((r) => r.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
    const collation = await client.query("SELECT collation_name FROM information_schema.columns WHERE table_name = $1 AND column_name = 'key'", [table]);
    expect(collation.rows[0].collation_name).toBe('C');
    await client.end();
    const again = await createStateStore({ url: cluster.url, table });
    await expect(again.get('k')).resolves.toBe('v');
    expect(again.persistent).toBe(true);
    await again.close();
  });

  it('refuses a table migrated by a newer version, naming both versions', async () => {
    const table = freshTable();
    await (await PostgresStateStore.open({ url: cluster.url, table })).close();
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    await client.query(`INSERT INTO "${table}_migrations" (version, name) VALUES (99, 'from the future')`);
    await client.end();
    await expect(PostgresStateStore.open({ url: cluster.url, table })).rejects.toMatchObject({
      code: 'STATE_ERROR', message: expect.stringMatching(/schema version 99, newer than .* knows \(1\)/),
    });
  });

  it('statement_timeout_ms makes PostgreSQL cancel a statement that waits too long; without it the write waits and lands', async () => {
    const table = freshTable();
    const quick = (await createStateStore({ url: cluster.url, table, statement_timeout_ms: 200 })) as PostgresStateStore;
    const patient = (await createStateStore({ url: cluster.url, table, application_name: 'patient' })) as PostgresStateStore;
    const lock = await lockRow(cluster.url, table, 'busy');
    try {
      await expect(quick.update('busy', () => '"mine"')).rejects.toMatchObject({
        code: 'TIMEOUT', message: expect.stringMatching(/statement_timeout_ms = 200/),
      });
      await expect(quick.get('busy')).resolves.toBe('"locked"');
      const waiting = patient.update('busy', (c) => `${c}+1`);
      await until(() => waitsOnLock(cluster.url, 'patient'), 'the patient store to wait on the row lock');
      await lock.release();
      await expect(waiting).resolves.toBe('"locked"+1');
    } finally {
      await lock.release().catch(() => undefined);
      await quick.close();
      await patient.close();
    }
  });

  it('pool_size bounds the connections: with one, a second call waits for it; with two, it runs meanwhile', async () => {
    const table = freshTable();
    for (const size of [1, 2]) {
      const store = (await createStateStore({ url: cluster.url, table, pool_size: size, application_name: `pool-${size}` })) as PostgresStateStore;
      await store.put('free', 'yes');
      const lock = await lockRow(cluster.url, table, 'busy');
      const blocked = store.update('busy', () => '"done"');
      await until(() => waitsOnLock(cluster.url, `pool-${size}`), 'the update to wait on the row lock');
      const read = store.get('free');
      if (size === 1) {
        await until(() => store.poolStats().waiting === 1, 'the read to queue for the only connection');
        expect(store.poolStats().total).toBe(1);
        await lock.release();
        await expect(blocked).resolves.toBe('"done"');
        await expect(read).resolves.toBe('yes');
      } else {
        await expect(read).resolves.toBe('yes');
        expect(store.poolStats().total).toBe(2);
        await lock.release();
        await expect(blocked).resolves.toBe('"done"');
      }
      await store.close();
    }
  });

  it('a batch that PostgreSQL rejects part-way applies nothing', async () => {
    const store = await PostgresStateStore.open({ url: cluster.url, table: freshTable() });
    await store.put('keep', 'old');
    const ops = Array.from({ length: 400 }, (_, i) => ({ type: 'put' as const, key: `k${i}`, value: 'v' }));
    // A key beyond what a btree index entry can hold (random, so it does not compress): the server refuses the statement.
    ops[300] = { type: 'put', key: randomBytes(8000).toString('base64'), value: 'v' };
    await expect(store.batch([{ type: 'put', key: 'keep', value: 'new' }, ...ops])).rejects.toMatchObject({ code: 'STATE_ERROR' });
    await expect(store.entries('')).resolves.toEqual([['keep', 'old']]);
    await store.close();
  });

  it('update re-reads a key another writer created between its read and its insert', async () => {
    const table = freshTable();
    const a = await PostgresStateStore.open({ url: cluster.url, table });
    const b = await PostgresStateStore.open({ url: cluster.url, table });
    const seen: Array<string | undefined> = [];
    let raced = false;
    const result = await a.update('fresh', (current) => {
      seen.push(current);
      if (!raced) {
        raced = true;
        // Another process creates the key while this update holds no row lock on it.
        void b.put('fresh', 'theirs');
      }
      return `${current ?? 'none'}+mine`;
    });
    // Either the other put landed before the insert (then update ran again on it) or after it
    // (then it replaced the value): never a lost write that the update reported as stored.
    const final = await a.get('fresh');
    if (seen.length === 2) {
      expect(seen).toEqual([undefined, 'theirs']);
      expect(result).toBe('theirs+mine');
      expect(final).toBe('theirs+mine');
    } else {
      await until(async () => (await a.get('fresh')) === 'theirs', 'the other put');
    }
    await a.close();
    await b.close();
  });

  it('refuses NUL in keys and values with INVALID_ARGUMENT, and bad options with CONFIG_INVALID naming the key', async () => {
    const store = await PostgresStateStore.open({ url: cluster.url, table: freshTable() });
    await expect(store.put('a\0b', 'v')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/key must not contain NUL/) });
    await expect(store.put('k', 'a\0b')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/value must not contain NUL/) });
    await store.close();
    await expect(createStateStore({})).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/runtime\.state_persistence\.url .*LLMSPELL_STATE_URL/) });
    await expect(createStateStore({ url: cluster.url, pool_size: 0 })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/runtime\.state_persistence\.pool_size/) });
    await expect(createStateStore({ url: cluster.url, statement_timeout_ms: -1 })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/statement_timeout_ms/) });
    await expect(createStateStore({ url: 'mysql://x@y/z' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/url: must start with postgres/) });
    await expect(createStateStore({ url: cluster.url, table: 'x; DROP TABLE y' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/table/) });
  });
});

suite(`PostgresStateStore with a password${skipped}`, () => {
  const password = 'Sup3r-secret pw/#%';
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await startPostgres({ bin: pgBin, password });
  }, 60_000);
  afterAll(() => cluster?.stop());

  const leaks = (text: string) => text.includes(password) || text.includes(encodeURIComponent(password));
  const everything = (error: unknown) => {
    const e = error as Error & { cause?: unknown; details?: unknown };
    return [e.message, String(e.stack), inspect(e, { depth: 8 }), JSON.stringify(e), JSON.stringify(e.details), String((e.cause as Error)?.message), inspect(e.cause, { depth: 8 })].join('\n');
  };

  it('connects with it, and neither the store nor its description shows it', async () => {
    const store = (await createStateStore({ url: cluster.url, table: 'secret_ok' })) as PostgresStateStore;
    await store.put('k', 'v');
    await expect(store.get('k')).resolves.toBe('v');
    expect(store.target).toBe(`postgres://postgres@127.0.0.1:${cluster.port}/postgres`);
    expect(leaks(JSON.stringify(store))).toBe(false);
    expect(leaks(inspect(store, { depth: 8, showHidden: true }))).toBe(false);
    await store.close();
  });

  it('a wrong password, an unreachable server and a missing database fail without showing the password', async () => {
    const wrong = cluster.url.replace(encodeURIComponent(password), encodeURIComponent(`${password}-wrong`));
    const wrongError = await createStateStore({ url: wrong }).catch((e: unknown) => e);
    expect(wrongError).toMatchObject({ code: 'STATE_ERROR', message: expect.stringMatching(/refused the login .*password authentication failed/) });
    expect(leaks(everything(wrongError)) || everything(wrongError).includes(`${password}-wrong`)).toBe(false);

    const closedPort = cluster.url.replace(`:${cluster.port}/`, ':1/');
    const unreachable = await createStateStore({ url: closedPort, connect_timeout_ms: 2000 }).catch((e: unknown) => e);
    expect(unreachable).toMatchObject({ code: 'STATE_ERROR', message: expect.stringMatching(/cannot reach PostgreSQL \(ECONNREFUSED\)/) });
    expect((unreachable as Error).message).toContain('postgres://postgres@127.0.0.1:1/postgres');
    expect(leaks(everything(unreachable))).toBe(false);

    const missing = await createStateStore({ url: cluster.url.replace(/\/postgres$/, '/nosuchdb') }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'STATE_ERROR', message: expect.stringMatching(/database does not exist/) });
    expect(leaks(everything(missing))).toBe(false);
  });

  it('describePostgresUrl drops the password and query parameters', () => {
    expect(describePostgresUrl(`postgres://app:${encodeURIComponent(password)}@db:5432/x?sslpassword=zzz&password=qq`)).toBe('postgres://app@db:5432/x');
  });
});
