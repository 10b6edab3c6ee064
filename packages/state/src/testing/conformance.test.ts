import { join } from 'node:path';
import type { StateStore } from '@llmspell/core';
import { MemoryStateStore } from '@llmspell/state-memory';
import { RocksdbStateStore } from '@llmspell/state-rocksdb';
import { SqliteStateStore } from '@llmspell/state-sqlite';
import { runStateStoreConformance } from './index.js';
import { tempDirs } from '../__fixtures__/tmp-dir.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

runStateStoreConformance('memory', () => new MemoryStateStore());

runStateStoreConformance('sqlite (:memory:)', () => new SqliteStateStore({ path: ':memory:' }));

runStateStoreConformance('sqlite (file)', () => new SqliteStateStore({ path: join(dirs.make('sqlite'), 'state.db') }), {
  reopen: (previous: StateStore) => new SqliteStateStore({ path: (previous as SqliteStateStore).path }),
});

runStateStoreConformance('rocksdb', () => RocksdbStateStore.open({ path: join(dirs.make('rocksdb'), 'db') }), {
  reopen: (previous: StateStore) => RocksdbStateStore.open({ path: (previous as RocksdbStateStore).path }),
});
