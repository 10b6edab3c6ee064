import pg from 'pg';
import { LlmspellError, prefixUpperBound, z, type StateBatchOperation, type StateStore, checkStoreKey, checkStoreValue } from '@llmspell/core';
import { describePostgresUrl, isRetryable, passwordsIn, toStateError } from './postgres-errors.js';
import { migrate, qualified } from './postgres-migrations.js';

const identifier = z.string().regex(/^[a-z_][a-z0-9_]{0,50}$/, 'use lower-case letters, digits and _ (a PostgreSQL identifier)');

export const PostgresStateStoreOptionsSchema = z.object({
  /** `postgres://user:password@host:5432/database` (the password may also come from PGPASSWORD). */
  url: z.string().min(1).refine((v) => /^postgres(ql)?:\/\//.test(v), 'must start with postgres:// or postgresql://'),
  /** Connections kept open to the server (default 10). */
  poolSize: z.number().int().min(1).max(1000).default(10),
  /** PostgreSQL cancels any statement running longer (default 30000 ms; 0 = never). */
  statementTimeoutMs: z.number().int().min(0).default(30_000),
  /** How long to wait for a connection, new or from the pool (default 10000 ms). */
  connectTimeoutMs: z.number().int().min(1).default(10_000),
  /** The table (default `llmspell_state`); its schema versions live in `<table>_migrations`. */
  table: identifier.default('llmspell_state'),
  /** The schema holding the tables (default: the connection's search_path, usually `public`). */
  schema: identifier.optional(),
  /** Shown in `pg_stat_activity` (default `llmspell`). */
  applicationName: z.string().max(63).default('llmspell'),
}).strict();

export type PostgresStateStoreOptions = z.input<typeof PostgresStateStoreOptionsSchema>;
type Settings = z.output<typeof PostgresStateStoreOptionsSchema>;

/** Operations per statement in a batch (arrays travel as one parameter each). */
const BATCH_CHUNK = 5000;
/** Times a transaction is run again after a deadlock or serialization failure. */
const MAX_TX_RETRIES = 5;
/** Times `update` re-reads a key that another writer created between its read and its insert. */
const MAX_UPDATE_RACES = 100;

function checkKey(key: unknown, where: string): asserts key is string {
  checkStoreKey(key, where);
  if (key.includes('\0')) throw new LlmspellError('INVALID_ARGUMENT', `${where}: key must not contain NUL (PostgreSQL text cannot hold it)`);
}

function checkValue(value: unknown, where: string): asserts value is string {
  checkStoreValue(value, where);
  if (value.includes('\0')) throw new LlmspellError('INVALID_ARGUMENT', `${where}: value must not contain NUL (PostgreSQL text cannot hold it)`);
}

/** A socket-level failure (no SQLSTATE from the server): the connection cannot be trusted again. */
function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

function badOptions(error: z.ZodError): LlmspellError {
  const issue = error.issues[0];
  const field = issue?.path.join('.') || 'options';
  return new LlmspellError('CONFIG_INVALID', `postgres state store: ${field}: ${issue?.message ?? 'invalid'}`, { details: { parameter: field } });
}

/**
 * A StateStore in one PostgreSQL table, shared by every process and machine that points at
 * the same database. Reads and writes are single statements; batches run in one transaction;
 * `update` locks the row (`SELECT … FOR UPDATE`) so a read-modify-write is atomic against
 * every other writer, and a key created meanwhile by another writer makes it read again.
 */
export class PostgresStateStore implements StateStore {
  readonly name = 'postgres';
  readonly persistent = true;
  /** The connection string as it may be shown (no password). */
  readonly target: string;
  readonly settings: Readonly<Omit<Settings, 'url'>>;
  // Private fields: neither JSON.stringify nor util.inspect shows them, so the password in
  // the connection string and the pool's options never reach a log through this object.
  readonly #pool: pg.Pool;
  readonly #secrets: string[];
  readonly #table: string;
  #closed = false;

  private constructor(settings: Settings) {
    const { url, ...rest } = settings;
    this.settings = Object.freeze(rest);
    this.target = describePostgresUrl(url);
    this.#secrets = passwordsIn(url);
    if (process.env.PGPASSWORD) this.#secrets.push(process.env.PGPASSWORD);
    this.#table = qualified(settings.schema, settings.table);
    this.#pool = new pg.Pool({
      connectionString: url,
      max: settings.poolSize,
      connectionTimeoutMillis: settings.connectTimeoutMs,
      statement_timeout: settings.statementTimeoutMs === 0 ? false : settings.statementTimeoutMs,
      application_name: settings.applicationName,
      idleTimeoutMillis: 30_000,
      // An idle pool never keeps a finished CLI command alive.
      allowExitOnIdle: true,
    });
    // A pooled connection the server drops while idle (restart, failover) must not crash the
    // process; the next query opens a new one.
    this.#pool.on('error', () => undefined);
  }

  /** Connects, brings the tables to the current schema version, and resolves the store. */
  static async open(options: PostgresStateStoreOptions): Promise<PostgresStateStore> {
    const parsed = PostgresStateStoreOptionsSchema.safeParse(options);
    if (!parsed.success) throw badOptions(parsed.error);
    const store = new PostgresStateStore(parsed.data);
    try {
      await store.withClient('cannot open the state store', async (client) => {
        await migrate(client, parsed.data.schema, parsed.data.table);
      });
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** Connections open, idle and requests waiting for one (the pool's counters). */
  poolStats(): { total: number; idle: number; waiting: number } {
    return { total: this.#pool.totalCount, idle: this.#pool.idleCount, waiting: this.#pool.waitingCount };
  }

  private ensureOpen(): void {
    if (this.#closed) throw new LlmspellError('STATE_ERROR', `postgres state store ${this.target} is closed`);
  }

  private fail(error: unknown, action: string): LlmspellError {
    return toStateError(error, this.target, action, this.#secrets, this.settings.statementTimeoutMs);
  }

  private async query<R extends pg.QueryResultRow>(action: string, text: string, values: unknown[], rowMode?: 'array'): Promise<pg.QueryResult<R>> {
    this.ensureOpen();
    try {
      const config = rowMode ? ({ text, values, rowMode } as pg.QueryArrayConfig) : ({ text, values } as pg.QueryConfig);
      return (await this.#pool.query(config as pg.QueryConfig)) as unknown as pg.QueryResult<R>;
    } catch (error) {
      throw this.fail(error, `${action} failed`);
    }
  }

  /**
   * Runs `fn` on one pooled connection. A connection whose state is unknown after a failure
   * (a socket error, a ROLLBACK that failed) is destroyed rather than handed to the next caller.
   */
  private async withClient<T>(action: string, fn: (client: pg.PoolClient, discard: () => void) => Promise<T>): Promise<T> {
    this.ensureOpen();
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw this.fail(error, action);
    }
    let broken = false;
    try {
      return await fn(client, () => (broken = true));
    } catch (error) {
      if (isConnectionFailure(error)) broken = true;
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Runs `fn` in a transaction, again after a deadlock or serialization failure. */
  private async transaction<T>(action: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.withClient(action, async (client, discard) => {
          await client.query('BEGIN');
          try {
            const result = await fn(client);
            await client.query('COMMIT');
            return result;
          } catch (error) {
            await client.query('ROLLBACK').catch(discard);
            throw error;
          }
        });
      } catch (error) {
        if (attempt < MAX_TX_RETRIES && isRetryable(error)) continue;
        throw error;
      }
    }
  }

  async get(key: string): Promise<string | undefined> {
    this.ensureOpen();
    checkKey(key, 'get');
    const r = await this.query<{ value: string }>('get', `SELECT value FROM ${this.#table} WHERE key = $1`, [key]);
    return r.rows[0]?.value;
  }

  async put(key: string, value: string): Promise<void> {
    this.ensureOpen();
    checkKey(key, 'put');
    checkValue(value, 'put');
    await this.query('put', `INSERT INTO ${this.#table} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [key, value]);
  }

  async delete(key: string): Promise<boolean> {
    this.ensureOpen();
    checkKey(key, 'delete');
    const r = await this.query('delete', `DELETE FROM ${this.#table} WHERE key = $1`, [key]);
    return (r.rowCount ?? 0) > 0;
  }

  private range(prefix: string, columns: string): { text: string; values: string[] } {
    if (prefix === '') return { text: `SELECT ${columns} FROM ${this.#table} ORDER BY key`, values: [] };
    const upper = prefixUpperBound(prefix);
    return upper === undefined
      ? { text: `SELECT ${columns} FROM ${this.#table} WHERE key >= $1 ORDER BY key`, values: [prefix] }
      : { text: `SELECT ${columns} FROM ${this.#table} WHERE key >= $1 AND key < $2 ORDER BY key`, values: [prefix, upper] };
  }

  async keys(prefix: string): Promise<string[]> {
    this.ensureOpen();
    checkKey(prefix, 'keys');
    const { text, values } = this.range(prefix, 'key');
    const r = await this.query<string[]>('keys', text, values, 'array');
    return (r.rows as unknown as string[][]).map((row) => row[0]);
  }

  async entries(prefix: string): Promise<Array<[string, string]>> {
    this.ensureOpen();
    checkKey(prefix, 'entries');
    const { text, values } = this.range(prefix, 'key, value');
    const r = await this.query<string[]>('entries', text, values, 'array');
    return r.rows as unknown as Array<[string, string]>;
  }

  async batch(operations: StateBatchOperation[]): Promise<void> {
    this.ensureOpen();
    if (!Array.isArray(operations)) throw new LlmspellError('INVALID_ARGUMENT', 'batch: operations must be an array');
    operations.forEach((op, i) => {
      if (!op || (op.type !== 'put' && op.type !== 'delete')) throw new LlmspellError('INVALID_ARGUMENT', `batch: operations[${i}].type must be "put" or "delete"`);
      checkKey(op.key, `batch: operations[${i}]`);
      if (op.type === 'put') checkValue(op.value, `batch: operations[${i}]`);
    });
    if (operations.length === 0) return;
    // Runs of puts (or deletes) each become a few array statements. Inside one run the last
    // write of a key wins, as applying them one by one would; keys go in sorted so that
    // concurrent batches lock rows in the same order (fewer deadlocks to retry).
    const runs: Array<{ type: 'put'; rows: Map<string, string> } | { type: 'delete'; keys: Set<string> }> = [];
    for (const op of operations) {
      const last = runs[runs.length - 1];
      if (op.type === 'put') {
        if (last?.type === 'put') last.rows.set(op.key, op.value);
        else runs.push({ type: 'put', rows: new Map([[op.key, op.value]]) });
      } else if (last?.type === 'delete') last.keys.add(op.key);
      else runs.push({ type: 'delete', keys: new Set([op.key]) });
    }
    try {
      await this.transaction('batch failed', async (client) => {
        for (const run of runs) {
          if (run.type === 'put') {
            const keys = [...run.rows.keys()].sort();
            for (let i = 0; i < keys.length; i += BATCH_CHUNK) {
              const chunk = keys.slice(i, i + BATCH_CHUNK);
              await client.query(
                `INSERT INTO ${this.#table} (key, value) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
                [chunk, chunk.map((k) => run.rows.get(k)!)],
              );
            }
          } else {
            const keys = [...run.keys].sort();
            for (let i = 0; i < keys.length; i += BATCH_CHUNK) {
              await client.query(`DELETE FROM ${this.#table} WHERE key = ANY($1::text[])`, [keys.slice(i, i + BATCH_CHUNK)]);
            }
          }
        }
      });
    } catch (error) {
      throw this.fail(error, 'batch failed');
    }
  }

  async update(key: string, fn: (current: string | undefined) => string | undefined): Promise<string | undefined> {
    this.ensureOpen();
    checkKey(key, 'update');
    // An error thrown by `fn` itself reaches the caller unchanged (the transaction is rolled back).
    let own: { error: unknown } | undefined;
    const RACED = Symbol('raced');
    for (let race = 0; race < MAX_UPDATE_RACES; race++) {
      try {
        const outcome = await this.transaction('update failed', async (client) => {
          const r = await client.query<{ value: string }>(`SELECT value FROM ${this.#table} WHERE key = $1 FOR UPDATE`, [key]);
          const exists = r.rows.length > 0;
          let next: string | undefined;
          try {
            next = fn(exists ? r.rows[0].value : undefined);
            if (next !== undefined) checkValue(next, 'update');
          } catch (error) {
            own = { error };
            throw error;
          }
          if (next === undefined) {
            if (exists) await client.query(`DELETE FROM ${this.#table} WHERE key = $1`, [key]);
          } else if (exists) {
            await client.query(`UPDATE ${this.#table} SET value = $2 WHERE key = $1`, [key, next]);
          } else {
            // The key was missing, so no row lock held it: insert only if it is still missing;
            // another writer creating it meanwhile means reading it again.
            const ins = await client.query(`INSERT INTO ${this.#table} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, [key, next]);
            if ((ins.rowCount ?? 0) === 0) return RACED;
          }
          return { value: next };
        });
        if (outcome === RACED) continue;
        return outcome.value;
      } catch (error) {
        if (own && own.error === error) throw error;
        throw this.fail(error, 'update failed');
      }
    }
    throw new LlmspellError('STATE_ERROR', `update of a key failed (${this.target}): other writers kept creating it`);
  }

  async size(): Promise<number> {
    this.ensureOpen();
    const r = await this.query<{ size: string }>('size', 'SELECT pg_total_relation_size($1::regclass) AS size', [this.#table]);
    return Number(r.rows[0]?.size ?? 0);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end().catch(() => undefined);
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, target: this.target, ...this.settings };
  }
}

/** Options under their `[runtime.state_persistence]` names (snake_case) or as in PostgresStateStoreOptions. */
export interface PostgresStoreConfig {
  url?: string;
  pool_size?: number;
  statement_timeout_ms?: number;
  connect_timeout_ms?: number;
  table?: string;
  schema?: string;
  application_name?: string;
  [key: string]: unknown;
}

/**
 * The factory every adapter package exports, so `openStateStore` can load any backend alike.
 * Takes the `[runtime.state_persistence]` keys: `url` (or `LLMSPELL_STATE_URL`), `pool_size`,
 * `statement_timeout_ms`, `connect_timeout_ms`, `table`, `schema`.
 */
export async function createStateStore(config: PostgresStoreConfig & Partial<PostgresStateStoreOptions> = {}): Promise<StateStore> {
  const url = config.url;
  if (typeof url !== 'string' || url.trim() === '') {
    throw new LlmspellError('CONFIG_INVALID', 'the postgres state backend needs a connection string: set runtime.state_persistence.url = "postgres://user@host:5432/db" or LLMSPELL_STATE_URL', { details: { parameter: 'url' } });
  }
  const pick = <T>(...values: T[]) => values.find((v) => v !== undefined);
  const options: PostgresStateStoreOptions = { url: url.trim() };
  const poolSize = pick(config.pool_size, config.poolSize);
  const statementTimeoutMs = pick(config.statement_timeout_ms, config.statementTimeoutMs);
  const connectTimeoutMs = pick(config.connect_timeout_ms, config.connectTimeoutMs);
  const applicationName = pick(config.application_name, config.applicationName);
  if (poolSize !== undefined) options.poolSize = poolSize;
  if (statementTimeoutMs !== undefined) options.statementTimeoutMs = statementTimeoutMs;
  if (connectTimeoutMs !== undefined) options.connectTimeoutMs = connectTimeoutMs;
  if (config.table !== undefined) options.table = config.table;
  if (config.schema !== undefined) options.schema = config.schema;
  if (applicationName !== undefined) options.applicationName = applicationName;
  const parsed = PostgresStateStoreOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const names: Record<string, string> = { poolSize: 'pool_size', statementTimeoutMs: 'statement_timeout_ms', connectTimeoutMs: 'connect_timeout_ms', applicationName: 'application_name' };
    const field = names[String(issue?.path[0])] ?? issue?.path.join('.') ?? 'url';
    throw new LlmspellError('CONFIG_INVALID', `runtime.state_persistence.${field}: ${issue?.message ?? 'invalid'}`, { details: { parameter: field } });
  }
  return PostgresStateStore.open(parsed.data);
}
