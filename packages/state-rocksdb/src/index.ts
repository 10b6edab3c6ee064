export { RocksdbStateStore, createStateStore, openRocksdbStateStore } from './rocksdb-state-store.js';
export type { RocksdbStateStoreOptions } from './rocksdb-state-store.js';
