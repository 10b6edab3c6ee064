import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SecurityPolicy, createExecutionContext, executeComponent } from '@llmspell/core';
import { classifySql, databaseConnector, stripSql } from './index.js';
import { postgresQuery } from './database-connector.js';
import { findPgBin, postgresSkipReason, startPostgres, type PgCluster } from '@llmspell/core/testing';

describe('classifySql', () => {
  const all = { write: true, ddl: true };
  test.each([
    ['SELECT 1', 'read'],
    ["select ';' as semi -- DELETE in a comment", 'read'],
    ['WITH x AS (SELECT 1) SELECT * FROM x', 'read'],
    ['WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', 'write'],
    ['SELECT * INTO backup_t FROM t', 'write'],
    ['INSERT INTO t VALUES (1)', 'write'],
    ['DROP TABLE t', 'ddl'],
    ['ATTACH DATABASE "/etc/x" AS x', 'ddl'],
    ['PRAGMA writable_schema = 1', 'ddl'],
  ])('%s → %s', (sql, kind) => expect(classifySql(sql, all)).toBe(kind));

  test('refuses stacked statements and disallowed kinds', () => {
    expect(() => classifySql('SELECT 1; DROP TABLE t', all)).toThrow(/single statement/);
    expect(() => classifySql('DELETE FROM t', { write: false, ddl: false })).toThrow(/OPERATION_NOT_ALLOWED/);
    expect(() => classifySql('CREATE TABLE t(x)', { write: true, ddl: false })).toThrow(/OPERATION_NOT_ALLOWED/);
    expect(() => classifySql('FROBNICATE', all)).toThrow(/unsupported statement/);
  });
});

describe('classifySql reads quoting as the server does', () => {
  const none = { write: false, ddl: false };
  const stacked = /single statement/;

  test.each([
    ['a $ inside an identifier is not a dollar quote', 'SELECT 1 AS foo$a$; COMMIT; DROP TABLE t; SELECT 1 AS bar$a$'],
    ["E'…' has backslash escapes", "SELECT E'\\'' ; COMMIT; DROP TABLE t; SELECT ' '"],
    ["e'…' too", "SELECT e'\\'' ; COMMIT; DROP TABLE t; SELECT ' '"],
    ['comments nest', "SELECT 1 /* /* */ ' */ ; COMMIT; DROP TABLE t; --'"],
    ['a number ends before a dollar quote', "SELECT 1$a$ ' $a$ ; COMMIT; DROP TABLE t; --'"],
    ['standard_conforming_strings = off', "SELECT '\\' ; COMMIT; DROP TABLE t; SELECT '"],
    ['a carriage return ends a comment', 'SELECT 1 --\r; COMMIT; DROP TABLE t;'],
    ["bit strings do not double quotes", "SELECT B'0''\\'' ; COMMIT; DROP TABLE t; --'"],
  ])('PostgreSQL: %s', (_why, sql) => {
    expect(() => classifySql(sql, none, 'postgresql')).toThrow(stacked);
    expect(() => classifySql(sql, none)).toThrow(stacked);
  });

  test.each([
    ['backslash escapes', "SELECT '\\' ; DROP TABLE t; SELECT '"],
    ['backslash escapes in double quotes', 'SELECT "\\" ; DROP TABLE t; SELECT "'],
    ['NO_BACKSLASH_ESCAPES', "SELECT 'a\\'; DROP TABLE t; SELECT '\\''"],
    ['# comments', "SELECT 1 # '\n; DROP TABLE t; -- '"],
  ])('MySQL: %s', (_why, sql) => {
    expect(() => classifySql(sql, none, 'mysql')).toThrow(stacked);
    expect(() => classifySql(sql, none)).toThrow(stacked);
  });

  test('MySQL: `--x` is not a comment and `/*! … */` is code', () => {
    expect(() => classifySql("SELECT 1 --x\n INTO OUTFILE '/tmp/x'", none, 'mysql')).toThrow(/OPERATION_NOT_ALLOWED/);
    expect(() => classifySql("SELECT 1 /*!50000 INTO OUTFILE '/tmp/x' */", none, 'mysql')).toThrow(/OPERATION_NOT_ALLOWED/);
    expect(() => classifySql("SELECT $$ FROM t INTO OUTFILE '/tmp/x' -- $$", none, 'mysql')).toThrow(/OPERATION_NOT_ALLOWED/);
    // A versioned one is a comment on older servers, so a quote inside it hides nothing.
    expect(() => classifySql("SELECT 1 /*!99999 ' */ INTO OUTFILE '/tmp/x' -- '", none, 'mysql')).toThrow(/OPERATION_NOT_ALLOWED/);
  });

  test('SQLite: [brackets] quote identifiers', () => {
    expect(stripSql("SELECT [a'] , load_extension('x') , ['b]", 'sqlite')).toMatch(/load_extension/);
  });

  test.each([
    ['SELECT $$a; b$$', 'postgresql'],
    ['SELECT $tag1$ it\'s; fine $tag1$', 'postgresql'],
    ["SELECT E'it\\'s; fine'", 'postgresql'],
    ["SELECT 'a''b; c' AS \"x;y\"", 'postgresql'],
    ['SELECT $1::text AS a', 'postgresql'],
    ["SELECT 'it''s; fine' -- DROP", 'mysql'],
    ["SELECT [x;y] FROM t", 'sqlite'],
  ] as const)('%s is still one %s read', (sql, dialect) => {
    expect(classifySql(sql, none, dialect)).toBe('read');
  });
});

describe('database_connector on a real SQLite file', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-db-'));
    file = path.join(dir, 'notes.db');
    const db = new Database(file);
    db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, author TEXT NOT NULL, body TEXT); INSERT INTO notes (author, body) VALUES ('ada', 'one'), ('ada', 'two'), ('bob', 'three');");
    db.close();
  });
  const ctx = (cfg: Record<string, unknown> = {}) => createExecutionContext({
    policy: new SecurityPolicy({ allowedPaths: [dir] }),
    settings: { databases: { main: { type: 'sqlite', path: file, ...cfg } } },
  });

  test('queries with bound parameters, row caps and schema', async () => {
    const r = await executeComponent(databaseConnector, { operation: 'query', query: 'SELECT author, count(*) AS n FROM notes WHERE author = ? GROUP BY author', params: ['ada'] }, ctx());
    expect(r.result).toEqual({ rows: [{ author: 'ada', n: 2 }], columns: ['author', 'n'], row_count: 1, truncated: false });
    const capped = await executeComponent(databaseConnector, { operation: 'query', query: 'SELECT * FROM notes ORDER BY id', max_rows: 2 }, ctx());
    expect(capped.result).toMatchObject({ row_count: 2, truncated: true });
    const schema = await executeComponent(databaseConnector, { operation: 'schema' }, ctx());
    expect((schema.result as any).tables.notes.map((c: any) => c.name)).toEqual(['id', 'author', 'body']);
    const dbs = await executeComponent(databaseConnector, { operation: 'list_databases' }, ctx());
    expect(dbs.result).toEqual([{ name: 'main', type: 'sqlite', allow_write: false, allow_ddl: false }]);
  });

  test('writes only when allowed, and the read-only connection backs that up', async () => {
    await expect(executeComponent(databaseConnector, { operation: 'query', query: "INSERT INTO notes (author) VALUES ('eve')" }, ctx())).rejects.toMatchObject({ code: 'OPERATION_NOT_ALLOWED' });
    const w = await executeComponent(databaseConnector, { operation: 'execute', sql: "INSERT INTO notes (author, body) VALUES (?, ?)", params: ['eve', 'four'], query_type: 'INSERT' }, ctx({ allow_write: true }));
    expect(w.result).toMatchObject({ changes: 1, last_insert_id: 4 });
    await expect(executeComponent(databaseConnector, { operation: 'query', query: 'DELETE FROM notes', query_type: 'SELECT' }, ctx({ allow_write: true }))).rejects.toThrow(/query_type/);
  });

  test('allow_ddl cannot open files by name: ATTACH, VACUUM INTO, load_extension, directory pragmas', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-db-outside-'));
    try {
      const ddl = ctx({ allow_write: true, allow_ddl: true });
      const target = path.join(outside, 'stolen.db');
      for (const query of [
        `ATTACH DATABASE '${target}' AS x`,
        `ATTACH '${target}' AS x`,
        `ATTACH "${target}" AS x`,
        `ATTACH 'file:${target}?mode=rwc' AS x`,
        `ATTACH '' || '${target}' AS x`,
        `VACUUM INTO '${target}'`,
        `VACUUM main INTO '${target}'`,
        `SELECT load_extension('${path.join(outside, 'evil.so')}')`,
        `PRAGMA temp_store_directory = '${outside}'`,
      ]) {
        await expect(executeComponent(databaseConnector, { operation: 'query', query }, ddl)).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED' });
      }
      expect(fs.readdirSync(outside)).toEqual([]);
      // An in-memory attachment touches no file and still works.
      const mem = await executeComponent(databaseConnector, { operation: 'query', query: "ATTACH ':memory:' AS scratch" }, ddl);
      expect(mem.success).toBe(true);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  test('a database outside the allowed roots is refused, and bad input is clear', async () => {
    const outside = createExecutionContext({ policy: new SecurityPolicy({ allowedPaths: [os.homedir() + '/nowhere'] }), settings: { databases: { main: { type: 'sqlite', path: file } } } });
    await expect(executeComponent(databaseConnector, { operation: 'query', query: 'SELECT 1' }, outside)).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED' });
    await expect(executeComponent(databaseConnector, { operation: 'query' }, ctx())).rejects.toThrow(/parameter 'query' is required/);
    await expect(executeComponent(databaseConnector, { operation: 'query', query: 'SELECT nope FROM notes' }, ctx())).rejects.toThrow(/no such column/);
    // Configuration failures are data, as in the reference ({success = false, error}); parameter errors still raise.
    const other = await executeComponent(databaseConnector, { operation: 'query', query: 'SELECT 1', database: 'other' }, ctx());
    expect(other).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
    expect(other.error?.message).toMatch(/'other' is not configured/);
    const none = await executeComponent(databaseConnector, { operation: 'query', query: 'SELECT 1' }, createExecutionContext());
    expect(none).toMatchObject({ success: false, error: { code: 'PROVIDER_NOT_CONFIGURED' }, message: expect.stringMatching(/^Database query failed: /) });
    expect(JSON.parse(none.text)).toMatchObject({ operation: 'query', success: false, error: { code: 'PROVIDER_NOT_CONFIGURED' } });
    await expect(executeComponent(databaseConnector, { operation: 'query' }, createExecutionContext())).rejects.toThrow(/parameter 'query' is required/);
  });
});

const pgBin = findPgBin();
(pgBin ? describe : describe.skip)(`database_connector on a real PostgreSQL server${pgBin ? '' : ` (skipped: ${postgresSkipReason()})`}`, () => {
  let pg: PgCluster;
  beforeAll(async () => {
    pg = await startPostgres(pgBin!);
    const setup = createExecutionContext({ settings: { databases: { pg: { type: 'postgresql', url: pg.url, allow_write: true, allow_ddl: true } } } });
    await executeComponent(databaseConnector, { operation: 'query', query: 'CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, price numeric)' }, setup);
    await executeComponent(databaseConnector, { operation: 'query', query: "INSERT INTO items (name, price) VALUES ('pen', 1.5), ('book', 12)" }, setup);
  }, 60_000);
  afterAll(() => pg?.stop());
  const ctx = (extra: Record<string, unknown> = {}) => createExecutionContext({ settings: { databases: { pg: { type: 'postgresql', url: pg.url, ...extra } } } });

  test('selects with $1 parameters and lists the schema', async () => {
    const r = await executeComponent(databaseConnector, { operation: 'query', query: 'SELECT name FROM items WHERE price > $1 ORDER BY name', params: [1] }, ctx());
    expect(r.result).toMatchObject({ rows: [{ name: 'book' }, { name: 'pen' }], columns: ['name'], row_count: 2 });
    const schema = await executeComponent(databaseConnector, { operation: 'schema' }, ctx());
    expect((schema.result as any).tables.items.map((c: any) => c.name)).toEqual(['id', 'name', 'price']);
  });

  test('the server itself keeps reads read-only', async () => {
    // Even a write that slipped past the classifier fails inside BEGIN READ ONLY.
    await expect(executeComponent(databaseConnector, { operation: 'query', query: "SELECT nextval('items_id_seq')" }, ctx())).rejects.toThrow(/read-only transaction/);
    await expect(executeComponent(databaseConnector, { operation: 'query', query: 'DELETE FROM items' }, ctx())).rejects.toMatchObject({ code: 'OPERATION_NOT_ALLOWED' });
    const w = await executeComponent(databaseConnector, { operation: 'query', query: "UPDATE items SET price = price + 1 WHERE name = 'pen'" }, ctx({ allow_write: true }));
    expect(w.result).toMatchObject({ changes: 1 });
  });

  test('stacked statements cannot end the READ ONLY transaction', async () => {
    await executeComponent(databaseConnector, { operation: 'query', query: 'CREATE TABLE victim (x int)' }, ctx({ allow_ddl: true }));
    for (const query of ['SELECT 1 AS foo$a$; COMMIT; DROP TABLE victim; SELECT 1 AS bar$a$', "SELECT E'\\'' ; COMMIT; DROP TABLE victim; SELECT ' '"]) {
      await expect(executeComponent(databaseConnector, { operation: 'query', query }, ctx())).rejects.toThrow(/single statement/);
    }
    // Past the classifier, the server takes one statement per call: the extended protocol, even without values.
    const cfg = { type: 'postgresql' as const, url: pg.url };
    await expect(postgresQuery(cfg, 'pg', 'SELECT 1; COMMIT; DROP TABLE victim', 'read', [], 10, createExecutionContext())).rejects.toThrow(/multiple commands/);
    const still = await executeComponent(databaseConnector, { operation: 'query', query: "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'victim'" }, ctx());
    expect(still.result).toMatchObject({ rows: [{ n: 1 }] });
  });

  test('a statement timeout is a TIMEOUT failure, reported as data', async () => {
    const r = await executeComponent(databaseConnector, { operation: 'query', query: 'SELECT pg_sleep(5)' }, ctx({ timeout_seconds: 0.3 }));
    expect(r).toMatchObject({ success: false, error: { code: 'TIMEOUT' } });
    expect(r.message).toMatch(/^Database query failed: .*did not finish within 0.3 s/);
  });
});
