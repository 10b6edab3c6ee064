import { createRequire } from 'node:module';

/** The slice of the `rocksdb` (leveldown-style, callback) API this adapter uses. */
type Callback<T = void> = (error: Error | null | undefined, result?: T) => void;

export interface RocksIterator {
  next(cb: (error: Error | null | undefined, key?: string, value?: string) => void): void;
  end(cb: Callback): void;
}

export interface RocksDatabase {
  open(options: Record<string, unknown>, cb: Callback): void;
  close(cb: Callback): void;
  get(key: string, options: Record<string, unknown>, cb: Callback<string>): void;
  put(key: string, value: string, options: Record<string, unknown>, cb: Callback): void;
  del(key: string, options: Record<string, unknown>, cb: Callback): void;
  batch(ops: Array<{ type: 'put' | 'del'; key: string; value?: string }>, options: Record<string, unknown>, cb: Callback): void;
  iterator(options: Record<string, unknown>): RocksIterator;
  approximateSize(start: string, end: string, cb: Callback<number>): void;
}

const require = createRequire(import.meta.url);

export function loadRocksdb(): (location: string) => RocksDatabase {
  return require('rocksdb') as (location: string) => RocksDatabase;
}

export function call<T = void>(fn: (cb: Callback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    fn((error, result) => (error ? reject(error) : resolve(result as T)));
  });
}
