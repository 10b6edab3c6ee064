import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RocksdbStateStore, createStateStore } from './index.js';
import { makeReadOnly } from '@llmspell/core/testing';

const made: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'llmspell-rocks-'));
  made.push(d);
  return d;
};
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('RocksdbStateStore', () => {
  it('keeps data on disk across reopen, prefix scans in byte order', async () => {
    const path = join(tmp(), 'db');
    const store = await RocksdbStateStore.open({ path });
    await store.batch([{ type: 'put', key: 's:b', value: '2' }, { type: 'put', key: 's:a', value: '1' }, { type: 'put', key: 't', value: '3' }]);
    await store.close();
    const again = (await createStateStore({ path })) as RocksdbStateStore;
    await expect(again.entries('s:')).resolves.toEqual([['s:a', '1'], ['s:b', '2']]);
    await expect(again.size()).resolves.toBeGreaterThanOrEqual(0);
    await again.close();
  });

  (process.platform === 'win32' ? it.skip : it)('creates the database directory owner-only, leaving its parents and an existing one alone', async () => {
    const parent = tmp();
    chmodSync(parent, 0o755);
    const path = join(parent, 'state', 'db');
    const store = await RocksdbStateStore.open({ path });
    await store.close();
    expect(statSync(path).mode & 0o777).toBe(0o700);
    expect(statSync(join(parent, 'state')).mode & 0o077).not.toBe(0);
    const existing = join(parent, 'existing');
    mkdirSync(existing, { mode: 0o755 });
    await (await RocksdbStateStore.open({ path: existing })).close();
    expect(statSync(existing).mode & 0o777).toBe(0o755);
  });

  it('refuses a second open of the same directory with a clear IO_ERROR', async () => {
    const path = join(tmp(), 'db');
    const first = await RocksdbStateStore.open({ path });
    await expect(RocksdbStateStore.open({ path })).rejects.toThrow(/IO_ERROR: .*locked.*one process at a time/);
    await first.close();
  });

  it('an unwritable location gives STATE_READ_ONLY or IO_ERROR naming it', async () => {
    const parent = join(tmp(), 'locked');
    mkdirSync(parent);
    const undo = makeReadOnly(parent);
    try {
      const error = await RocksdbStateStore.open({ path: join(parent, 'db') }).catch((e) => e);
      expect(error.code).toBe('STATE_READ_ONLY');
      expect(error.message).toContain(parent);
    } finally {
      undo();
    }
    const file = join(tmp(), 'file');
    writeFileSync(file, 'x');
    await expect(RocksdbStateStore.open({ path: join(file, 'db') })).rejects.toMatchObject({ code: 'IO_ERROR' });
  });

  it('a read-only open refuses writes', async () => {
    const path = join(tmp(), 'db');
    const rw = await RocksdbStateStore.open({ path });
    await rw.put('k', 'v');
    await rw.close();
    const ro = await RocksdbStateStore.open({ path, readonly: true });
    await expect(ro.get('k')).resolves.toBe('v');
    await expect(ro.put('k', 'x')).rejects.toMatchObject({ code: 'STATE_READ_ONLY' });
    await ro.close();
  });

  it('requires a path', async () => {
    await expect(createStateStore({})).rejects.toThrow(/options.path/);
  });
});
