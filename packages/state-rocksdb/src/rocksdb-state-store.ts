import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LlmspellError, prefixUpperBound, type StateBatchOperation, type StateStore, checkStoreKey, checkStoreValue } from '@llmspell/core';
import { call, loadRocksdb, type RocksDatabase } from './rocksdb-binding.js';

export interface RocksdbStateStoreOptions {
  /** Directory of the database (created when missing). */
  path: string;
  /** Open without write access; writes then fail with STATE_READ_ONLY. */
  readonly?: boolean;
  /** Why the store was opened read-only, added to the STATE_READ_ONLY error of every write. */
  readonlyReason?: string;
  /**
   * fsync the write-ahead log on every write. Default false: a write is in the OS's hands
   * when acknowledged, which survives a process crash or kill but not a power loss.
   */
  sync?: boolean;
  /** Block cache size in bytes (default 8 MiB). */
  cacheSize?: number;
}

function toStateError(error: unknown, path: string, action: string): LlmspellError {
  if (error instanceof LlmspellError) return error;
  const text = typeof (error as { message?: unknown })?.message === 'string' ? (error as Error).message : String(error);
  const code = String((error as { code?: unknown })?.code ?? '');
  if (/read.?only|EROFS|EACCES|Permission denied|Operation not permitted/i.test(text) || code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
    return new LlmspellError('STATE_READ_ONLY', `${action} ${path}: the location is read-only (${text})`, { cause: error, details: { path } });
  }
  if (/lock/i.test(text)) {
    return new LlmspellError('IO_ERROR', `${action} ${path}: the RocksDB database is locked, probably open in another process (RocksDB allows one process at a time; use the sqlite backend to share state between processes) — ${text}`, { cause: error, details: { path } });
  }
  if (/^IO error|^E[A-Z]+$/.test(text) || /^E[A-Z]+$/.test(code)) {
    return new LlmspellError('IO_ERROR', `${action} ${path}: ${text}`, { cause: error, details: { path } });
  }
  if (/Corruption/i.test(text)) return new LlmspellError('STATE_ERROR', `${action} ${path}: the database is corrupt (${text})`, { cause: error, details: { path } });
  return new LlmspellError('STATE_ERROR', `${action} ${path}: ${text}`, { cause: error, details: { path } });
}

const isNotFound = (error: unknown) => /^NotFound/.test(String((error as { message?: unknown })?.message ?? ''));

/**
 * A StateStore on RocksDB (one process at a time: RocksDB locks its directory). Writes go
 * through one in-process queue so `update` is an atomic read-modify-write against every other
 * write of this store; batches are RocksDB write batches (all or nothing).
 */
export class RocksdbStateStore implements StateStore {
  readonly name = 'rocksdb';
  readonly persistent = true;
  readonly path: string;
  readonly readonly: boolean;
  private readonly readonlyReason?: string;
  private readonly db: RocksDatabase;
  private readonly writeOptions: Record<string, unknown>;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(path: string, db: RocksDatabase, options: RocksdbStateStoreOptions) {
    this.path = path;
    this.db = db;
    this.readonly = options.readonly === true;
    this.readonlyReason = options.readonlyReason;
    this.writeOptions = { sync: options.sync === true };
  }

  static async open(options: RocksdbStateStoreOptions): Promise<RocksdbStateStore> {
    if (!options || typeof options.path !== 'string' || options.path === '') {
      throw new LlmspellError('INVALID_ARGUMENT', 'RocksdbStateStore: options.path must be a non-empty string');
    }
    const path = resolve(options.path);
    if (!options.readonly) {
      try {
        // The database directory owner-only: RocksDB makes its files world-readable, and they
        // hold agent conversations. Its parents, and a directory that exists, keep their modes.
        if (!existsSync(path)) {
          mkdirSync(dirname(path), { recursive: true });
          try {
            mkdirSync(path, { mode: 0o700 });
          } catch (error) {
            if ((error as { code?: string }).code !== 'EEXIST') throw error; // made by another process meanwhile
          }
        }
      } catch (error) {
        const code = (error as { code?: string }).code;
        const kind = code === 'EACCES' || code === 'EROFS' || code === 'EPERM' ? 'STATE_READ_ONLY' : 'IO_ERROR';
        throw new LlmspellError(kind, `cannot create the RocksDB directory ${path}: ${(error as Error).message}`, { cause: error, details: { path } });
      }
    }
    const db = loadRocksdb()(path);
    try {
      await call((cb) => db.open({
        createIfMissing: !options.readonly,
        readOnly: options.readonly === true,
        cacheSize: options.cacheSize ?? 8 * 1024 * 1024,
      }, cb));
    } catch (error) {
      throw toStateError(error, path, 'cannot open');
    }
    return new RocksdbStateStore(path, db, options);
  }

  private ensureOpen(): void {
    if (this.closed) throw new LlmspellError('STATE_ERROR', `rocksdb state store ${this.path} is closed`);
  }

  private ensureWritable(action: string): void {
    this.ensureOpen();
    if (this.readonly) {
      const why = this.readonlyReason ? ` (${this.readonlyReason})` : '';
      throw new LlmspellError('STATE_READ_ONLY', `cannot ${action}: ${this.path} was opened read-only${why}`, { details: { path: this.path } });
    }
  }

  /** Runs write work strictly one after another. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async rawGet(key: string): Promise<string | undefined> {
    try {
      return await call<string>((cb) => this.db.get(key, { asBuffer: false }, cb));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toStateError(error, this.path, 'get failed on');
    }
  }

  async get(key: string): Promise<string | undefined> {
    this.ensureOpen();
    checkStoreKey(key, 'get');
    return this.rawGet(key);
  }

  async put(key: string, value: string): Promise<void> {
    this.ensureWritable('put');
    checkStoreKey(key, 'put');
    checkStoreValue(value, 'put');
    await this.serial(async () => {
      try {
        await call((cb) => this.db.put(key, value, this.writeOptions, cb));
      } catch (error) {
        throw toStateError(error, this.path, 'put failed on');
      }
    });
  }

  async delete(key: string): Promise<boolean> {
    this.ensureWritable('delete');
    checkStoreKey(key, 'delete');
    return this.serial(async () => {
      const existed = (await this.rawGet(key)) !== undefined;
      if (!existed) return false;
      try {
        await call((cb) => this.db.del(key, this.writeOptions, cb));
      } catch (error) {
        throw toStateError(error, this.path, 'delete failed on');
      }
      return true;
    });
  }

  private async scan(prefix: string, values: boolean): Promise<Array<[string, string]>> {
    // Bigger native batches (1 MiB instead of 16 KiB) mean fewer trips to the thread pool on long scans.
    const options: Record<string, unknown> = { keys: true, values, keyAsBuffer: false, valueAsBuffer: false, highWaterMark: 1024 * 1024 };
    if (prefix !== '') {
      options.gte = prefix;
      const upper = prefixUpperBound(prefix);
      if (upper !== undefined) options.lt = upper;
    }
    const iterator = this.db.iterator(options);
    const out: Array<[string, string]> = [];
    try {
      // One promise for the whole scan, not one per key: most `next` calls are served from
      // the iterator's cache on the next tick.
      await new Promise<void>((resolve, reject) => {
        const step = (): void => {
          iterator.next((error, key, value) => {
            if (error) reject(error);
            else if (key === undefined) resolve();
            else {
              out.push([key, value ?? '']);
              step();
            }
          });
        };
        step();
      });
    } catch (error) {
      throw toStateError(error, this.path, 'scan failed on');
    } finally {
      await call((cb) => iterator.end(cb)).catch(() => undefined);
    }
    return out;
  }

  async keys(prefix: string): Promise<string[]> {
    this.ensureOpen();
    checkStoreKey(prefix, 'keys');
    return (await this.scan(prefix, false)).map(([k]) => k);
  }

  async entries(prefix: string): Promise<Array<[string, string]>> {
    this.ensureOpen();
    checkStoreKey(prefix, 'entries');
    return this.scan(prefix, true);
  }

  async batch(operations: StateBatchOperation[]): Promise<void> {
    this.ensureWritable('batch');
    if (!Array.isArray(operations)) throw new LlmspellError('INVALID_ARGUMENT', 'batch: operations must be an array');
    const ops = operations.map((op, i) => {
      if (!op || (op.type !== 'put' && op.type !== 'delete')) throw new LlmspellError('INVALID_ARGUMENT', `batch: operations[${i}].type must be "put" or "delete"`);
      checkStoreKey(op.key, `batch: operations[${i}]`);
      if (op.type === 'put') {
        checkStoreValue(op.value, `batch: operations[${i}]`);
        return { type: 'put' as const, key: op.key, value: op.value };
      }
      return { type: 'del' as const, key: op.key };
    });
    if (ops.length === 0) return;
    await this.serial(async () => {
      try {
        await call((cb) => this.db.batch(ops, this.writeOptions, cb));
      } catch (error) {
        throw toStateError(error, this.path, 'batch failed on');
      }
    });
  }

  async update(key: string, fn: (current: string | undefined) => string | undefined): Promise<string | undefined> {
    this.ensureWritable('update');
    checkStoreKey(key, 'update');
    return this.serial(async () => {
      const next = fn(await this.rawGet(key));
      try {
        if (next === undefined) await call((cb) => this.db.del(key, this.writeOptions, cb));
        else {
          checkStoreValue(next, 'update');
          await call((cb) => this.db.put(key, next, this.writeOptions, cb));
        }
      } catch (error) {
        throw toStateError(error, this.path, 'update failed on');
      }
      return next;
    });
  }

  async size(): Promise<number> {
    this.ensureOpen();
    try {
      return await call<number>((cb) => this.db.approximateSize('', '\u{10FFFF}', cb));
    } catch (error) {
      throw toStateError(error, this.path, 'size failed on');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await call((cb) => this.db.close(cb));
  }
}

export function openRocksdbStateStore(options: RocksdbStateStoreOptions): Promise<RocksdbStateStore> {
  return RocksdbStateStore.open(options);
}

/** The factory every adapter package exports, so `openStateStore` can load any backend alike. */
export async function createStateStore(options: Partial<RocksdbStateStoreOptions> = {}): Promise<StateStore> {
  if (typeof options.path !== 'string') throw new LlmspellError('INVALID_ARGUMENT', '@llmspell/state-rocksdb: options.path (a directory) is required');
  return RocksdbStateStore.open(options as RocksdbStateStoreOptions);
}
