import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeReadOnly } from '@llmspell/core/testing';
import { SqliteStateStore } from './index.js';

const made: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'llmspell-sqlite-ro-'));
  made.push(d);
  return d;
};
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A database holding k = v, closed (so its -wal and -shm are gone). */
async function written(dir: string): Promise<string> {
  const path = join(dir, 'state.db');
  const rw = new SqliteStateStore({ path });
  await rw.put('k', 'v');
  await rw.close();
  return path;
}

describe('SqliteStateStore read-only', () => {
  it('reads a database in a read-only directory, and refuses writes naming the path and the reason', async () => {
    const dir = join(tmp(), 'locked');
    mkdirSync(dir);
    const path = await written(dir);
    const undo = makeReadOnly(dir);
    try {
      expect(() => new SqliteStateStore({ path })).toThrow(/STATE_READ_ONLY: .*not writable/);
      const ro = new SqliteStateStore({ path, readonly: true, readonlyReason: 'its directory is read-only' });
      await expect(ro.get('k')).resolves.toBe('v');
      await expect(ro.entries('')).resolves.toEqual([['k', 'v']]);
      await expect(ro.put('k', 'x')).rejects.toMatchObject({
        code: 'STATE_READ_ONLY', message: expect.stringContaining(`cannot put: ${path} was opened read-only (its directory is read-only)`),
      });
      await ro.close();
    } finally {
      undo();
    }
    expect(readdirSync(dir)).toEqual(['state.db']);
  });

  it('leaves nothing beside a read-only file, so the file made writable again takes writes', async () => {
    const dir = tmp();
    const path = await written(dir);
    const undo = makeReadOnly(path);
    try {
      const ro = new SqliteStateStore({ path, readonly: true });
      await expect(ro.get('k')).resolves.toBe('v');
      await ro.close();
      // A read-only -shm left here would make every later write fail with SQLITE_READONLY.
      expect(readdirSync(dir)).toEqual(['state.db']);
    } finally {
      undo();
    }
    const rw = new SqliteStateStore({ path });
    await rw.put('k', 'w');
    await expect(rw.get('k')).resolves.toBe('w');
    await rw.close();
  });

  it('reads live while another connection has the database open', async () => {
    const path = join(tmp(), 'state.db');
    const rw = new SqliteStateStore({ path });
    await rw.put('k', 'v');
    const ro = new SqliteStateStore({ path, readonly: true });
    await rw.put('k', 'later');
    await expect(ro.get('k')).resolves.toBe('later');
    await ro.close();
    await rw.close();
  });

  // Root ignores permission bits, so as root the same check runs as the unprivileged `nobody`.
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js');
  // `nobody` must be able to load this package: not so in a checkout under a private folder
  // (CI clones into a 0700 temp dir); the injected refusal and the directory tests above cover it then.
  const nobodyCanLoad = asRoot && existsSync(dist)
    && spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(dist)})`], { uid: 65534, gid: 65534, cwd: '/' }).status === 0;
  (nobodyCanLoad ? it : it.skip)('as a user without write access to the directory (nobody)', async () => {
    const dir = tmp();
    chmodSync(dir, 0o755);
    const path = await written(dir);
    chmodSync(path, 0o644);
    chmodSync(dir, 0o555);
    const script = `
      import { SqliteStateStore } from ${JSON.stringify(dist)};
      const out = {};
      try { new SqliteStateStore({ path: ${JSON.stringify(path)} }); } catch (e) { out.writable = e.code; }
      const ro = new SqliteStateStore({ path: ${JSON.stringify(path)}, readonly: true });
      out.value = await ro.get('k');
      try { await ro.put('k', 'x'); } catch (e) { out.put = e.code; }
      await ro.close();
      console.log(JSON.stringify(out));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/' });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ writable: 'STATE_READ_ONLY', value: 'v', put: 'STATE_READ_ONLY' });
    expect(readdirSync(dir)).toEqual(['state.db']);
  });
});
