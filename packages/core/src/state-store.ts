import { LlmspellError } from './errors.js';

/**
 * A key-value backend for the state layer. Keys are strings, values are strings
 * (JSON text written by the StateManager). Implementations: state-memory, state-sqlite,
 * state-rocksdb, or a third party's; all run the conformance suite in @llmspell/state/testing.
 */
export type StateBatchOperation =
  | { type: 'put'; key: string; value: string }
  | { type: 'delete'; key: string };

export interface StateStore {
  /** Backend name, e.g. "sqlite". */
  readonly name: string;
  /** True when values survive the process. */
  readonly persistent: boolean;
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string): Promise<void>;
  /** Resolves true when the key existed. */
  delete(key: string): Promise<boolean>;
  /** Keys starting with `prefix`, in ascending order. */
  keys(prefix: string): Promise<string[]>;
  /** Entries whose key starts with `prefix`, in ascending key order. */
  entries(prefix: string): Promise<Array<[string, string]>>;
  /** Applies every operation or none. */
  batch(operations: StateBatchOperation[]): Promise<void>;
  /**
   * Atomic read-modify-write of one key, atomic also against other processes sharing
   * the store where the backend allows several (SQLite). `fn` gets the current value
   * (undefined when missing) and returns the new one (undefined deletes).
   */
  update(key: string, fn: (current: string | undefined) => string | undefined): Promise<string | undefined>;
  /** Approximate bytes used, when the backend can tell. */
  size?(): Promise<number>;
  close(): Promise<void>;
}

/** A backend's check of a key at its boundary (`where` is the operation: `get`, `batch`…). */
export function checkStoreKey(key: unknown, where: string): asserts key is string {
  if (typeof key !== 'string') throw new LlmspellError('INVALID_ARGUMENT', `${where}: key must be a string, got ${typeof key}`);
}

/** A backend's check of a value at its boundary. */
export function checkStoreValue(value: unknown, where: string): asserts value is string {
  if (typeof value !== 'string') throw new LlmspellError('INVALID_ARGUMENT', `${where}: value must be a string, got ${typeof value}`);
}
