import { join } from 'node:path';
import { MemoryStateStore } from '@llmspell/state-memory';
import { RocksdbStateStore } from '@llmspell/state-rocksdb';
import type { SqliteStateStore } from '@llmspell/state-sqlite';
import { StateManager, defaultDataDir, openStateStore, resolveBackend } from './index.js';
import { tempDirs } from './__fixtures__/tmp-dir.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('openStateStore', () => {
  it('defaults to SQLite in $XDG_DATA_HOME/llmspell', async () => {
    const xdg = dirs.make('xdg');
    const env = { XDG_DATA_HOME: xdg, HOME: '/nonexistent' };
    expect(defaultDataDir(env)).toBe(join(xdg, 'llmspell'));
    expect(defaultDataDir({ HOME: '/home/u' })).toBe('/home/u/.local/share/llmspell');
    const store = await openStateStore({}, env);
    expect(store.name).toBe('sqlite');
    expect((store as SqliteStateStore).path).toBe(join(xdg, 'llmspell', 'state.db'));
    const m = new StateManager({ store });
    await m.set('global', 'k', 1);
    await store.close();
    const again = await openStateStore({ backend_type: 'sqlite' }, env);
    await expect(new StateManager({ store: again }).get('global', 'k')).resolves.toBe(1);
    await again.close();
  });

  it('accepts a whole llmspell config as well as its state_persistence section', async () => {
    const cwd = dirs.make('cwd');
    const store = await openStateStore({ runtime: { state_persistence: { backend_type: 'sqlite', path: 'here.db' } } }, {}, { cwd });
    expect((store as SqliteStateStore).path).toBe(join(cwd, 'here.db'));
    await store.close();
  });

  it('LLMSPELL_STATE_BACKEND overrides the config; disabled persistence means memory', async () => {
    expect(resolveBackend({ backend_type: 'rocksdb' }, { LLMSPELL_STATE_BACKEND: 'memory' })).toBe('memory');
    expect(resolveBackend({ enabled: false }, {})).toBe('memory');
    expect(resolveBackend({ backend_type: 'sled' }, {})).toBe('sqlite');
    const store = await openStateStore({ backend_type: 'sqlite' }, { LLMSPELL_STATE_BACKEND: 'memory' });
    expect(store).toBeInstanceOf(MemoryStateStore);
    await store.close();
  });

  it('opens RocksDB at a configured relative path', async () => {
    const cwd = dirs.make('cwd');
    const store = await openStateStore({ backend_type: 'rocksdb', path: 'data/rocks' }, {}, { cwd });
    expect(store.name).toBe('rocksdb');
    expect((store as RocksdbStateStore).path).toBe(join(cwd, 'data', 'rocks'));
    await store.close();
  });

  it('a missing backend package says which package to install', async () => {
    const missing = (name: string) => {
      const error = Object.assign(new Error(`Cannot find package '${name}' imported from /app`), { code: 'ERR_MODULE_NOT_FOUND' });
      return Promise.reject(error);
    };
    await expect(openStateStore({ backend_type: 'rocksdb' }, {}, { importer: missing })).rejects.toThrow(/PACKAGE_NOT_INSTALLED: .*npm install @llmspell\/state-rocksdb/);
    await expect(openStateStore({ backend_type: 'llmspell-no-such-backend' }, { HOME: dirs.make('home') })).rejects.toMatchObject({ code: 'PACKAGE_NOT_INSTALLED' });
    await expect(openStateStore({ backend_type: 'not a backend!' }, {})).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('loads a third-party backend package exporting createStateStore', async () => {
    const seen: unknown[] = [];
    const importer = async () => ({ createStateStore: (o: unknown) => { seen.push(o); return new MemoryStateStore(); } });
    const store = await openStateStore({ backend_type: 'acme-state', path: '/data/x', custom_option: 7 }, {}, { importer });
    expect(store.name).toBe('memory');
    expect(seen).toEqual([{ path: '/data/x', custom_option: 7 }]);
    await expect(openStateStore({ backend_type: 'acme-state' }, {}, { importer: async () => ({}) })).rejects.toThrow(/does not export createStateStore/);
  });
});
