import type { QueryConfig } from 'pg';
import { aliasOf, LlmspellError, defineTool, z, type ExecutionContext, type ToolOutput } from '@llmspell/core';
import { classifySql, refuseSqliteFileAccess, type SqlDialect, type SqlKind } from './sql-guard.js';
import { softFailure } from './soft-failure.js';

export interface DatabaseConfig {
  type: 'sqlite' | 'postgresql' | 'postgres' | 'mysql';
  /** SQLite file (inside the allowed roots). */
  path?: string;
  /** Server connection URL, or the name of an environment variable holding it. */
  url?: string;
  url_env?: string;
  allow_write?: boolean;
  allow_ddl?: boolean;
  timeout_seconds?: number;
  max_rows?: number;
}

interface Settings {
  databases?: Record<string, DatabaseConfig>;
  default?: string;
  max_rows?: number;
}

const parameters = z.object({
  operation: z.enum(['query', 'schema', 'execute', 'list_databases']).describe('query runs SQL; schema lists tables and columns; list_databases the configured names (execute is the DOC alias of query)'),
  database: z.string().optional().describe('Configured database name ([tools.database_connector.databases.<name>]); default: the `default` one, or the only one'),
  query: z.string().optional().describe('One SQL statement (required for query); bind values with params'),
  sql: aliasOf('query'),
  params: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).optional().describe('Values bound to ? (SQLite, MySQL) or $1, $2 (PostgreSQL) placeholders'),
  query_type: z.enum(['SELECT', 'INSERT', 'UPDATE', 'DELETE']).optional().describe('The statement kind you expect; a mismatch is refused'),
  max_rows: z.number().int().positive().max(100_000).optional().describe('Rows returned at most (default 1000)'),
});

type Params = z.infer<typeof parameters>;

export interface QueryResult {
  rows: Record<string, unknown>[];
  columns: string[];
  row_count: number;
  truncated: boolean;
  changes?: number;
  last_insert_id?: unknown;
}

function pickDatabase(settings: Settings, name: string | undefined): [string, DatabaseConfig] {
  const dbs = settings.databases ?? {};
  const names = Object.keys(dbs);
  if (names.length === 0) {
    throw new LlmspellError('PROVIDER_NOT_CONFIGURED', 'database_connector: no databases configured; add [tools.database_connector.databases.<name>] with type and path/url');
  }
  const chosen = name ?? settings.default ?? (names.length === 1 ? names[0] : undefined);
  if (!chosen) throw new LlmspellError('INVALID_ARGUMENT', `database_connector: parameter 'database' is required (configured: ${names.join(', ')})`);
  const cfg = dbs[chosen];
  if (!cfg) throw new LlmspellError('NOT_FOUND', `database_connector: database '${chosen}' is not configured (configured: ${names.join(', ')})`);
  return [chosen, cfg];
}

function serverUrl(cfg: DatabaseConfig, name: string, ctx: ExecutionContext): string {
  const url = cfg.url ?? (cfg.url_env ? process.env[cfg.url_env] : undefined);
  if (!url) throw new LlmspellError('PROVIDER_NOT_CONFIGURED', `database_connector: database '${name}' needs url or url_env`);
  try {
    const pw = new URL(url).password;
    if (pw) ctx.policy.secrets.add(decodeURIComponent(pw));
  } catch {
    // not a URL form (e.g. a libpq keyword string): nothing to register
  }
  return url;
}

function normalise(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return { type: 'binary', base64: value.toString('base64') };
  return value;
}

function normaliseRows(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, normalise(v)])));
}

async function sqliteQuery(cfg: DatabaseConfig, name: string, sql: string, kind: SqlKind, params: unknown[], maxRows: number, ctx: ExecutionContext): Promise<QueryResult> {
  if (!cfg.path) throw new LlmspellError('PROVIDER_NOT_CONFIGURED', `database_connector: SQLite database '${name}' needs a path`);
  const file = ctx.policy.resolvePath(cfg.path, `databases.${name}.path`);
  refuseSqliteFileAccess(sql);
  const { default: Database } = await import('better-sqlite3');
  const readOnly = !cfg.allow_write && !cfg.allow_ddl;
  let db;
  try {
    db = new Database(file, { readonly: readOnly, fileMustExist: readOnly, timeout: (cfg.timeout_seconds ?? 10) * 1000 });
  } catch (error) {
    throw new LlmspellError('IO_ERROR', `database_connector: cannot open SQLite database '${name}': ${(error as Error).message}`);
  }
  try {
    const stmt = db.prepare(sql);
    if (stmt.reader) {
      const rows: Record<string, unknown>[] = [];
      let truncated = false;
      for (const row of stmt.iterate(...params) as Iterable<Record<string, unknown>>) {
        if (rows.length >= maxRows) {
          truncated = true;
          break;
        }
        rows.push(row);
      }
      return { rows: normaliseRows(rows), columns: stmt.columns().map((c) => c.name), row_count: rows.length, truncated };
    }
    if (kind === 'read') throw new LlmspellError('OPERATION_NOT_ALLOWED', 'database_connector: statement does not return rows but was classified as a read');
    const info = stmt.run(...params);
    return { rows: [], columns: [], row_count: 0, truncated: false, changes: info.changes, last_insert_id: normalise(info.lastInsertRowid) };
  } catch (error) {
    if (error instanceof LlmspellError) throw error;
    throw new LlmspellError('INVALID_ARGUMENT', `database_connector: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

/** Exported for tests: the server-side guards without the classifier in front. */
export async function postgresQuery(cfg: DatabaseConfig, name: string, sql: string, kind: SqlKind, params: unknown[], maxRows: number, ctx: ExecutionContext): Promise<QueryResult> {
  const pg = await import('pg');
  const Client = (pg.default ?? pg).Client;
  const timeoutMs = (cfg.timeout_seconds ?? 10) * 1000;
  const client = new Client({ connectionString: serverUrl(cfg, name, ctx), connectionTimeoutMillis: timeoutMs, statement_timeout: timeoutMs, query_timeout: timeoutMs + 1000 });
  try {
    await client.connect();
  } catch (error) {
    throw new LlmspellError('IO_ERROR', `database_connector: cannot connect to '${name}': ${ctx.policy.redact((error as Error).message)}`);
  }
  try {
    // The database enforces read-only too, whatever the classifier thought.
    await client.query(kind === 'read' ? 'BEGIN READ ONLY' : 'BEGIN');
    // Always the extended protocol, even without values: it takes one statement only, so an
    // injected `COMMIT; DROP …` cannot end the READ ONLY transaction (the simple protocol runs
    // every statement of the text).
    const query: QueryConfig & { queryMode: 'extended' } = { text: sql, values: params, queryMode: 'extended' };
    const res = await client.query(query);
    await client.query('COMMIT');
    const rows = (res.rows ?? []) as Record<string, unknown>[];
    const truncated = rows.length > maxRows;
    const kept = truncated ? rows.slice(0, maxRows) : rows;
    return {
      rows: normaliseRows(kept),
      columns: (res.fields ?? []).map((f) => f.name),
      row_count: kept.length,
      truncated,
      ...(res.command !== 'SELECT' ? { changes: res.rowCount ?? 0 } : {}),
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    const message = ctx.policy.redact((error as Error).message);
    // statement_timeout (query_canceled) and pg's own query_timeout: the server was slow, not the query wrong.
    if ((error as { code?: unknown }).code === '57014' || /^Query read timeout$/.test((error as Error).message)) {
      throw new LlmspellError('TIMEOUT', `database_connector: query on '${name}' did not finish within ${timeoutMs / 1000} s (timeout_seconds): ${message}`);
    }
    throw new LlmspellError('INVALID_ARGUMENT', `database_connector: ${message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function mysqlQuery(cfg: DatabaseConfig, name: string, sql: string, kind: SqlKind, params: unknown[], maxRows: number, ctx: ExecutionContext): Promise<QueryResult> {
  let mysql: { createConnection(opts: unknown): Promise<{ query(q: string, v?: unknown[]): Promise<[unknown, Array<{ name: string }> | undefined]>; end(): Promise<void> }> };
  try {
    // Optional: MySQL users install the driver themselves.
    mysql = (await import('mysql2/promise' as string)) as typeof mysql;
  } catch {
    throw new LlmspellError('PACKAGE_NOT_INSTALLED', "database_connector: MySQL needs the 'mysql2' package, which is not installed with llmspell: install it next to the CLI (`npm i -g mysql2`), or in the program that uses @llmspell/tools-comm (`npm i mysql2`)");
  }
  // mysql2 lets the URL's `?multipleStatements=true` override a false option, but not `flags`:
  // one statement per call, whatever the URL says, and no client files for LOAD DATA LOCAL.
  const conn = await mysql.createConnection({
    uri: serverUrl(cfg, name, ctx), connectTimeout: (cfg.timeout_seconds ?? 10) * 1000, multipleStatements: false, flags: '-MULTI_STATEMENTS,-LOCAL_FILES',
  });
  try {
    await conn.query(kind === 'read' ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION');
    const [result, fields] = await conn.query(sql, params);
    await conn.query('COMMIT');
    if (Array.isArray(result)) {
      const rows = result as Record<string, unknown>[];
      const truncated = rows.length > maxRows;
      const kept = truncated ? rows.slice(0, maxRows) : rows;
      return { rows: normaliseRows(kept), columns: (fields ?? []).map((f) => f.name), row_count: kept.length, truncated };
    }
    const r = result as { affectedRows?: number; insertId?: unknown };
    return { rows: [], columns: [], row_count: 0, truncated: false, changes: r.affectedRows ?? 0, last_insert_id: r.insertId ?? null };
  } catch (error) {
    await conn.query('ROLLBACK').catch(() => undefined);
    throw new LlmspellError('INVALID_ARGUMENT', `database_connector: ${ctx.policy.redact((error as Error).message)}`);
  } finally {
    await conn.end().catch(() => undefined);
  }
}

const SCHEMA_SQL: Record<string, string> = {
  sqlite: "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type, p.\"notnull\" = 0 AS is_nullable, p.pk > 0 AS primary_key FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid",
  postgresql: "SELECT table_name, column_name, data_type, is_nullable = 'YES' AS is_nullable FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY table_name, ordinal_position",
  mysql: "SELECT table_name, column_name, data_type, is_nullable = 'YES' AS is_nullable FROM information_schema.columns WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position",
};

const DIALECTS: Record<string, SqlDialect | undefined> = { sqlite: 'sqlite', postgresql: 'postgresql', postgres: 'postgresql', mysql: 'mysql' };

function run(cfg: DatabaseConfig, name: string, sql: string, kind: SqlKind, params: unknown[], maxRows: number, ctx: ExecutionContext): Promise<QueryResult> {
  switch (cfg.type) {
    case 'sqlite': return sqliteQuery(cfg, name, sql, kind, params, maxRows, ctx);
    case 'postgresql': case 'postgres': return postgresQuery(cfg, name, sql, kind, params, maxRows, ctx);
    case 'mysql': return mysqlQuery(cfg, name, sql, kind, params, maxRows, ctx);
    default: throw new LlmspellError('PROVIDER_NOT_CONFIGURED', `database_connector: database '${name}' has unknown type '${String((cfg as { type?: unknown }).type)}' (sqlite, postgresql, mysql)`);
  }
}

export const databaseConnector = defineTool({
  name: 'database_connector',
  aliases: ['database-connector'],
  description: 'Runs SQL against the SQLite, PostgreSQL or MySQL databases configured in [tools.database_connector.databases]',
  outputSchema: z.union([
    z.object({
      rows: z.array(z.record(z.string(), z.unknown())).describe('Binary values as {type = "binary", base64}'), columns: z.array(z.string()), row_count: z.number(),
      truncated: z.boolean().describe('Stopped at max_rows'), changes: z.number().optional().describe('Writes: rows changed'), last_insert_id: z.unknown().optional(),
    }).describe('query'),
    z.object({
      database: z.string(),
      tables: z.record(z.string(), z.array(z.object({ name: z.string(), type: z.string(), nullable: z.boolean(), primary_key: z.boolean().optional() }))),
    }).describe('schema'),
    z.array(z.object({ name: z.string(), type: z.string(), allow_write: z.boolean(), allow_ddl: z.boolean() })).describe('list_databases'),
  ]),
  ignoredParameters: ['provider', 'connection_string', 'host', 'port', 'username', 'password', 'use_pool', 'pool_size'],
  category: 'data',
  securityLevel: 'restricted',
  parameters,
  examples: [
    { description: 'The configured databases', params: { operation: 'list_databases' } },
    {
      description: 'Insert a row with bound values', params: { operation: 'query', database: 'main', query: 'INSERT INTO notes (author, body) VALUES (?, ?)', params: ['ada', 'hello'] },
      needs: 'a database "main" with a notes table and allow_write = true in [tools.database_connector.databases.main]',
    },
    {
      description: 'Count rows', params: { operation: 'query', database: 'main', query: 'SELECT count(*) AS n FROM notes WHERE author = ?', params: ['ada'] },
      needs: 'a database "main" with a notes table in [tools.database_connector.databases.main]',
    },
    { description: 'Tables and columns', params: { operation: 'schema', database: 'main' }, needs: 'a database "main" in [tools.database_connector.databases.main]' },
  ],
  execute: async (p: Params, ctx) => {
    const settings = ctx.settings as Settings;
    if (p.operation === 'list_databases') {
      const dbs = settings.databases ?? {};
      return { operation: 'list_databases', result: Object.entries(dbs).map(([name, c]) => ({ name, type: c.type, allow_write: Boolean(c.allow_write), allow_ddl: Boolean(c.allow_ddl) })) };
    }
    if (p.operation !== 'schema' && !(p.query ?? p.sql)) throw new LlmspellError('INVALID_ARGUMENT', "database_connector: parameter 'query' is required for operation 'query'");
    return softFailure(p.operation, p.operation === 'schema' ? 'Failed to get database schema' : 'Database query failed', () => runOperation(p, settings, ctx));
  },
});

async function runOperation(p: Params, settings: Settings, ctx: ExecutionContext): Promise<ToolOutput> {
  const [name, cfg] = pickDatabase(settings, p.database);
  const maxRows = p.max_rows ?? cfg.max_rows ?? settings.max_rows ?? 1000;
  const started = performance.now();
  if (p.operation === 'schema') {
    const type = cfg.type === 'postgres' ? 'postgresql' : cfg.type;
    const r = await run(cfg, name, SCHEMA_SQL[type] ?? SCHEMA_SQL.sqlite, 'read', [], 100_000, ctx);
    const tables: Record<string, Array<Record<string, unknown>>> = {};
    for (const row of r.rows) {
      const t = String(row.table_name);
      (tables[t] ??= []).push({ name: row.column_name, type: row.data_type, nullable: Boolean(row.is_nullable), ...(row.primary_key !== undefined ? { primary_key: Boolean(row.primary_key) } : {}) });
    }
    return { operation: 'schema', result: { database: name, tables }, metadata: { database: name, duration_ms: Math.round(performance.now() - started) } };
  }
  const sql = p.query ?? p.sql;
  if (!sql) throw new LlmspellError('INVALID_ARGUMENT', "database_connector: parameter 'query' is required for operation 'query'");
  // An unknown type is read as every dialect; run() refuses it anyway.
  const kind = classifySql(sql, { write: Boolean(cfg.allow_write), ddl: Boolean(cfg.allow_ddl) }, DIALECTS[cfg.type]);
  if (p.query_type) {
    const first = sql.trim().split(/\s+/)[0].toUpperCase();
    const expected = p.query_type === 'SELECT' ? 'read' : 'write';
    if (kind !== expected || (expected === 'write' && first !== p.query_type)) {
      throw new LlmspellError('INVALID_ARGUMENT', `database_connector: parameter 'query_type' is ${p.query_type} but the query is a ${first} statement`);
    }
  }
  const result = await run(cfg, name, sql, kind, p.params ?? [], maxRows, ctx);
  return {
    operation: 'query',
    result,
    message: result.changes !== undefined ? `${result.changes} row(s) changed` : `${result.row_count} row(s)${result.truncated ? ` (truncated at ${maxRows})` : ''}`,
    metadata: { database: name, type: cfg.type, statement: kind, duration_ms: Math.round((performance.now() - started) * 1000) / 1000 },
  };
}
