import { LlmspellError, type StateBatchOperation, type StateStore, checkStoreKey, checkStoreValue } from '@llmspell/core';
import { compareKeys } from './key-order.js';

/**
 * A StateStore in a Map. Nothing survives the process. Every operation completes without
 * yielding between its read and its write, so `update` and `batch` are atomic within the
 * process (the only place this store exists).
 */
export class MemoryStateStore implements StateStore {
  readonly name = 'memory';
  readonly persistent = false;
  private readonly data = new Map<string, string>();
  private closed = false;

  private open(): void {
    if (this.closed) throw new LlmspellError('STATE_ERROR', 'memory state store is closed');
  }

  async get(key: string): Promise<string | undefined> {
    this.open();
    checkStoreKey(key, 'get');
    return this.data.get(key);
  }

  async put(key: string, value: string): Promise<void> {
    this.open();
    checkStoreKey(key, 'put');
    checkStoreValue(value, 'put');
    this.data.set(key, value);
  }

  async delete(key: string): Promise<boolean> {
    this.open();
    checkStoreKey(key, 'delete');
    return this.data.delete(key);
  }

  async keys(prefix: string): Promise<string[]> {
    this.open();
    checkStoreKey(prefix, 'keys');
    const out: string[] = [];
    for (const k of this.data.keys()) if (k.startsWith(prefix)) out.push(k);
    return out.sort(compareKeys);
  }

  async entries(prefix: string): Promise<Array<[string, string]>> {
    const keys = await this.keys(prefix);
    return keys.map((k) => [k, this.data.get(k) as string]);
  }

  async batch(operations: StateBatchOperation[]): Promise<void> {
    this.open();
    if (!Array.isArray(operations)) throw new LlmspellError('INVALID_ARGUMENT', 'batch: operations must be an array');
    // Validate everything first so a bad operation leaves the store untouched.
    operations.forEach((op, i) => {
      if (!op || (op.type !== 'put' && op.type !== 'delete')) throw new LlmspellError('INVALID_ARGUMENT', `batch: operations[${i}].type must be "put" or "delete"`);
      checkStoreKey(op.key, `batch: operations[${i}]`);
      if (op.type === 'put') checkStoreValue(op.value, `batch: operations[${i}]`);
    });
    for (const op of operations) {
      if (op.type === 'put') this.data.set(op.key, op.value);
      else this.data.delete(op.key);
    }
  }

  async update(key: string, fn: (current: string | undefined) => string | undefined): Promise<string | undefined> {
    this.open();
    checkStoreKey(key, 'update');
    const next = fn(this.data.get(key));
    if (next === undefined) this.data.delete(key);
    else {
      checkStoreValue(next, 'update');
      this.data.set(key, next);
    }
    return next;
  }

  async size(): Promise<number> {
    this.open();
    let total = 0;
    for (const [k, v] of this.data) total += Buffer.byteLength(k) + Buffer.byteLength(v);
    return total;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export function createMemoryStateStore(): MemoryStateStore {
  return new MemoryStateStore();
}

/** The factory every adapter package exports, so `openStateStore` can load any backend alike. */
export async function createStateStore(_options: Record<string, unknown> = {}): Promise<StateStore> {
  return new MemoryStateStore();
}
