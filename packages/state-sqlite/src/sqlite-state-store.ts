import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { LlmspellError, prefixUpperBound, type StateBatchOperation, type StateStore, checkStoreKey, checkStoreValue } from '@llmspell/core';
import { toStateError } from './sqlite-errors.js';

// required, not imported: an ES import of a CommonJS package makes Node parse its source for
// export names on every start (better-sqlite3 is CommonJS)
const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

export interface SqliteStateStoreOptions {
  /** Database file; `:memory:` for a private in-memory database. */
  path: string;
  /**
   * Open without write access; every write then fails with STATE_READ_ONLY. Nothing is
   * written beside the file: unless another process has the database open (its -wal and -shm
   * exist), what is read is a copy in memory as of the open.
   */
  readonly?: boolean;
  /** Why the store was opened read-only, added to the STATE_READ_ONLY error of every write. */
  readonlyReason?: string;
  /** How long a write waits for another process's lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * `normal` (default) keeps every committed write across a process crash or kill (WAL);
   * `full` also across a power loss, at the cost of an fsync per commit.
   */
  synchronous?: 'off' | 'normal' | 'full';
}

type Statement = BetterSqlite3.Statement;

/** Rows per multi-row statement in a batch (2 parameters each; SQLite allows 32,766). */
const BATCH_ROWS = 32;

/**
 * Creates the database's own directory owner-only (it holds the -wal and -shm files beside
 * agent conversations and captured prompts); its parents, and a directory that already
 * exists, keep the modes they have: they may be the user's own.
 */
function makePrivateDirectory(dir: string): void {
  if (existsSync(dir)) return;
  mkdirSync(dirname(dir), { recursive: true });
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error; // made by another process meanwhile
  }
}

function checkWritableLocation(path: string): void {
  const dir = dirname(path);
  try {
    makePrivateDirectory(dir);
  } catch (error) {
    throw toStateError(error, path, 'cannot create the directory for');
  }
  if (!statSync(dir).isDirectory()) throw new LlmspellError('IO_ERROR', `cannot open ${path}: ${dir} is not a directory`, { details: { path } });
  if (existsSync(path)) {
    try {
      accessSync(path, constants.R_OK | constants.W_OK);
    } catch (error) {
      throw new LlmspellError('STATE_READ_ONLY', `cannot open ${path} for writing: the state database file is read-only (${(error as Error).message})`, { cause: error, details: { path } });
    }
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new LlmspellError('STATE_READ_ONLY', `cannot open ${path}: its directory ${dir} is not writable (SQLite needs to create its -wal and -shm files there)`, { cause: error, details: { path } });
  }
  // better-sqlite3 has no mode option, and SQLite would create the file 0644. Made here
  // first, owner-only: SQLite gives the -wal and -shm files the database file's mode.
  // ('a' never truncates: a file another process created meanwhile is left as it is.)
  if (!existsSync(path)) {
    try {
      closeSync(openSync(path, 'a', 0o600));
    } catch (error) {
      throw toStateError(error, path, 'cannot create');
    }
  }
}

/**
 * Opens an existing database without writing anything beside it. SQLite reading a WAL-mode
 * file needs its -wal and -shm files: when another process has them (it has the database
 * open), they are read in place, live. Otherwise SQLite would create them — impossible in a
 * read-only directory, and in a writable one they would get the read-only file's mode and
 * stay after close, so that a later writable open fails on the read-only -shm. Then the
 * database is read into memory instead: a snapshot as of the open.
 */
function openReadOnly(path: string, timeout: number): BetterSqlite3.Database {
  const wal = `${path}-wal`;
  if (existsSync(wal) || existsSync(`${path}-shm`)) {
    try {
      return new Database(path, { readonly: true, fileMustExist: true, timeout });
    } catch (error) {
      // A -shm missing in a read-only directory: an empty -wal holds nothing the file lacks.
      if (!existsSync(wal) || statSync(wal).size > 0) throw error;
    }
  }
  const bytes = readFileSync(path);
  // Bytes 18-19 say WAL (2) or rollback (1); the in-memory copy has no -wal to read.
  if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) {
    bytes[18] = 1;
    bytes[19] = 1;
  }
  return new Database(bytes, { readonly: true });
}

const CREATE_TABLE = (name: string) => `CREATE TABLE IF NOT EXISTS ${name} (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)`;

/**
 * Creates the table, or rebuilds one made by an earlier version as WITHOUT ROWID. In such a
 * table each row is a cell of the key's B-tree, and SQLite compares a sought key against a
 * cell that spills to overflow pages by reading the whole cell: one large value (a run's span
 * tree, a big JSON document) made every lookup of every other key read its megabytes, so a
 * State.save+load pair cost milliseconds. In a rowid table the key index holds keys only and
 * a value is read when its own row is. The rebuild is one IMMEDIATE transaction: another
 * process sees the old table or the new one, never a half-copied one.
 */
function createOrMigrateTable(db: BetterSqlite3.Database): void {
  const tableSql = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").pluck();
  const withoutRowid = () => /\bWITHOUT\s+ROWID\b/i.test((tableSql.get('llmspell_state') as string | undefined) ?? '');
  if (!withoutRowid()) {
    db.exec(CREATE_TABLE('llmspell_state'));
    return;
  }
  db.transaction(() => {
    if (!withoutRowid()) return; // another process rebuilt it while this one waited for the lock
    db.exec('DROP TABLE IF EXISTS llmspell_state_rebuild');
    db.exec(CREATE_TABLE('llmspell_state_rebuild'));
    db.exec('INSERT INTO llmspell_state_rebuild (key, value) SELECT key, value FROM llmspell_state ORDER BY key');
    db.exec('DROP TABLE llmspell_state');
    db.exec('ALTER TABLE llmspell_state_rebuild RENAME TO llmspell_state');
  }).immediate();
}

/**
 * A StateStore in one SQLite table (WAL mode, prepared statements). Several processes may
 * share the file: writes take SQLite's write lock (BEGIN IMMEDIATE) and wait up to the busy
 * timeout for it, so `update` is an atomic read-modify-write across processes.
 */
export class SqliteStateStore implements StateStore {
  readonly name = 'sqlite';
  readonly persistent: boolean;
  readonly path: string;
  readonly readonly: boolean;
  private readonly readonlyReason?: string;
  private readonly db: BetterSqlite3.Database;
  private readonly stmt: {
    get: Statement; put: Statement; del: Statement;
    keysAll: Statement; keysFrom: Statement; keysRange: Statement;
    entriesAll: Statement; entriesFrom: Statement; entriesRange: Statement;
  };
  private readonly batchTx: (ops: StateBatchOperation[]) => void;
  private readonly updateTx: (key: string, fn: (c: string | undefined) => string | undefined) => string | undefined;
  private closed = false;

  constructor(options: SqliteStateStoreOptions) {
    if (!options || typeof options.path !== 'string' || options.path === '') {
      throw new LlmspellError('INVALID_ARGUMENT', 'SqliteStateStore: options.path must be a non-empty string');
    }
    const memory = options.path === ':memory:';
    this.path = memory ? options.path : resolve(options.path);
    this.persistent = !memory;
    this.readonly = options.readonly === true;
    this.readonlyReason = options.readonlyReason;
    if (!memory) {
      if (this.readonly) {
        if (!existsSync(this.path)) throw new LlmspellError('IO_ERROR', `cannot open ${this.path} read-only: the file does not exist`, { details: { path: this.path } });
      } else {
        checkWritableLocation(this.path);
      }
    }
    const busy = options.busyTimeoutMs ?? 5000;
    if (!Number.isInteger(busy) || busy < 0) throw new LlmspellError('INVALID_ARGUMENT', 'SqliteStateStore: options.busyTimeoutMs must be a non-negative integer');
    const sync = options.synchronous ?? 'normal';
    if (!['off', 'normal', 'full'].includes(sync)) throw new LlmspellError('INVALID_ARGUMENT', 'SqliteStateStore: options.synchronous must be "off", "normal" or "full"');
    try {
      this.db = this.readonly && !memory ? openReadOnly(this.path, busy) : new Database(this.path, { readonly: this.readonly, fileMustExist: this.readonly, timeout: busy });
    } catch (error) {
      throw toStateError(error, this.path, 'cannot open');
    }
    try {
      if (!this.readonly) {
        this.db.pragma('journal_mode = WAL');
        this.db.pragma(`synchronous = ${sync.toUpperCase()}`);
        createOrMigrateTable(this.db);
      }
      const cols = 'key, value';
      this.stmt = {
        get: this.db.prepare('SELECT value FROM llmspell_state WHERE key = ?').pluck(),
        put: this.readonly ? (undefined as unknown as Statement) : this.db.prepare('INSERT INTO llmspell_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
        del: this.readonly ? (undefined as unknown as Statement) : this.db.prepare('DELETE FROM llmspell_state WHERE key = ?'),
        keysAll: this.db.prepare('SELECT key FROM llmspell_state ORDER BY key').pluck(),
        keysFrom: this.db.prepare('SELECT key FROM llmspell_state WHERE key >= ? ORDER BY key').pluck(),
        keysRange: this.db.prepare('SELECT key FROM llmspell_state WHERE key >= ? AND key < ? ORDER BY key').pluck(),
        entriesAll: this.db.prepare(`SELECT ${cols} FROM llmspell_state ORDER BY key`).raw(),
        entriesFrom: this.db.prepare(`SELECT ${cols} FROM llmspell_state WHERE key >= ? ORDER BY key`).raw(),
        entriesRange: this.db.prepare(`SELECT ${cols} FROM llmspell_state WHERE key >= ? AND key < ? ORDER BY key`).raw(),
      };
    } catch (error) {
      this.db.close();
      throw toStateError(error, this.path, 'cannot initialise');
    }
    // IMMEDIATE takes the write lock up front: two processes never both read and then
    // fail to upgrade (which SQLite would report as SQLITE_BUSY without waiting).
    // Runs of puts (and of deletes) go through one multi-row statement per BATCH_ROWS
    // operations: a 100K-key batch makes ~800 statement calls instead of 100K. Rows of one
    // statement apply in order, so a key written twice keeps its last value, as one by one.
    const putMany = this.readonly ? undefined : this.db.prepare(
      `INSERT INTO llmspell_state (key, value) VALUES ${Array(BATCH_ROWS).fill('(?, ?)').join(', ')} ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
    );
    const deleteMany = this.readonly ? undefined : this.db.prepare(`DELETE FROM llmspell_state WHERE key IN (${Array(BATCH_ROWS).fill('?').join(', ')})`);
    const batch = this.db.transaction((ops: StateBatchOperation[]) => {
      const n = ops.length;
      for (let i = 0; i < n;) {
        const type = ops[i].type;
        let end = i;
        while (end < n && ops[end].type === type) end++;
        if (type === 'put') {
          for (; i + BATCH_ROWS <= end; i += BATCH_ROWS) {
            const params = new Array<string>(2 * BATCH_ROWS);
            for (let j = 0; j < BATCH_ROWS; j++) {
              const op = ops[i + j] as { key: string; value: string };
              params[2 * j] = op.key;
              params[2 * j + 1] = op.value;
            }
            putMany!.run(params);
          }
          for (; i < end; i++) this.stmt.put.run(ops[i].key, (ops[i] as { value: string }).value);
        } else {
          for (; i + BATCH_ROWS <= end; i += BATCH_ROWS) {
            const params = new Array<string>(BATCH_ROWS);
            for (let j = 0; j < BATCH_ROWS; j++) params[j] = ops[i + j].key;
            deleteMany!.run(params);
          }
          for (; i < end; i++) this.stmt.del.run(ops[i].key);
        }
      }
    });
    this.batchTx = (ops) => batch.immediate(ops);
    const update = this.db.transaction((key: string, fn: (c: string | undefined) => string | undefined) => {
      const current = this.stmt.get.get(key) as string | undefined;
      const next = fn(current);
      if (next === undefined) this.stmt.del.run(key);
      else {
        checkStoreValue(next, 'update');
        this.stmt.put.run(key, next);
      }
      return next;
    });
    this.updateTx = (key, fn) => update.immediate(key, fn);
  }

  private ensureOpen(): void {
    if (this.closed) throw new LlmspellError('STATE_ERROR', `sqlite state store ${this.path} is closed`);
  }

  private ensureWritable(action: string): void {
    this.ensureOpen();
    if (this.readonly) {
      const why = this.readonlyReason ? ` (${this.readonlyReason})` : '';
      throw new LlmspellError('STATE_READ_ONLY', `cannot ${action}: ${this.path} was opened read-only${why}`, { details: { path: this.path } });
    }
  }

  private run<T>(action: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw toStateError(error, this.path, `${action} failed on`);
    }
  }

  async get(key: string): Promise<string | undefined> {
    return this.getSync(key);
  }

  async put(key: string, value: string): Promise<void> {
    this.putSync(key, value);
  }

  getSync(key: string): string | undefined {
    this.ensureOpen();
    checkStoreKey(key, 'get');
    return this.run('get', () => this.stmt.get.get(key) as string | undefined);
  }

  putSync(key: string, value: string): void {
    this.ensureWritable('put');
    checkStoreKey(key, 'put');
    checkStoreValue(value, 'put');
    this.run('put', () => this.stmt.put.run(key, value));
  }

  async delete(key: string): Promise<boolean> {
    this.ensureWritable('delete');
    checkStoreKey(key, 'delete');
    return this.run('delete', () => this.stmt.del.run(key).changes > 0);
  }

  async keys(prefix: string): Promise<string[]> {
    this.ensureOpen();
    checkStoreKey(prefix, 'keys');
    if (prefix === '') return this.run('keys', () => this.stmt.keysAll.all() as string[]);
    const upper = prefixUpperBound(prefix);
    return this.run('keys', () => (upper === undefined ? this.stmt.keysFrom.all(prefix) : this.stmt.keysRange.all(prefix, upper)) as string[]);
  }

  async entries(prefix: string): Promise<Array<[string, string]>> {
    this.ensureOpen();
    checkStoreKey(prefix, 'entries');
    if (prefix === '') return this.run('entries', () => this.stmt.entriesAll.all() as Array<[string, string]>);
    const upper = prefixUpperBound(prefix);
    return this.run('entries', () => (upper === undefined ? this.stmt.entriesFrom.all(prefix) : this.stmt.entriesRange.all(prefix, upper)) as Array<[string, string]>);
  }

  async batch(operations: StateBatchOperation[]): Promise<void> {
    this.ensureWritable('batch');
    if (!Array.isArray(operations)) throw new LlmspellError('INVALID_ARGUMENT', 'batch: operations must be an array');
    operations.forEach((op, i) => {
      if (!op || (op.type !== 'put' && op.type !== 'delete')) throw new LlmspellError('INVALID_ARGUMENT', `batch: operations[${i}].type must be "put" or "delete"`);
      checkStoreKey(op.key, `batch: operations[${i}]`);
      if (op.type === 'put') checkStoreValue(op.value, `batch: operations[${i}]`);
    });
    if (operations.length === 0) return;
    this.run('batch', () => this.batchTx(operations));
  }

  async update(key: string, fn: (current: string | undefined) => string | undefined): Promise<string | undefined> {
    this.ensureWritable('update');
    checkStoreKey(key, 'update');
    // An error thrown by `fn` itself reaches the caller unchanged (the transaction is rolled back).
    let own: { error: unknown } | undefined;
    const guarded = (current: string | undefined) => {
      try {
        return fn(current);
      } catch (error) {
        own = { error };
        throw error;
      }
    };
    try {
      return this.updateTx(key, guarded);
    } catch (error) {
      if (own && own.error === error) throw error;
      throw toStateError(error, this.path, 'update failed on');
    }
  }

  async size(): Promise<number> {
    this.ensureOpen();
    return this.run('size', () => {
      const pages = this.db.pragma('page_count', { simple: true }) as number;
      const pageSize = this.db.pragma('page_size', { simple: true }) as number;
      return pages * pageSize;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

export function openSqliteStateStore(options: SqliteStateStoreOptions): SqliteStateStore {
  return new SqliteStateStore(options);
}

/** The factory every adapter package exports, so `openStateStore` can load any backend alike. */
export async function createStateStore(options: Partial<SqliteStateStoreOptions> & { path?: string } = {}): Promise<StateStore> {
  return new SqliteStateStore({ ...options, path: options.path ?? ':memory:' });
}
