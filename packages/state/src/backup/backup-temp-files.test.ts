import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryStateStore } from '@llmspell/state-memory';
import { StateManager, type BackupManager } from '../index.js';
import { tempDirs } from '../__fixtures__/tmp-dir.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

async function setup(keys = 3) {
  const dir = join(dirs.make('backup-tmp'), 'backups');
  const store = new MemoryStateStore();
  const m = new StateManager({ store, backup: { dir, maxBackups: 0, maxBackupAgeSeconds: 0 } });
  const ops = Array.from({ length: keys }, (_, i) => ({ type: 'put' as const, key: `state:global:k${i}`, value: JSON.stringify({ i, pad: 'x'.repeat(200) }) }));
  await store.batch(ops);
  return { dir, backups: m.backups as BackupManager };
}

const temps = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.tmp')).sort();

/** A temporary file as a killed backup leaves it, last written `ageMs` ago. */
function leftover(dir: string, name: string, ageMs: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), 'partial');
  const when = (Date.now() - ageMs) / 1000;
  utimesSync(join(dir, name), when, when);
}

describe('temporary files of backups', () => {
  it('a cancelled create removes its own temporary file and rejects with CANCELLED', async () => {
    const { dir, backups } = await setup(50_000);
    const controller = new AbortController();
    const created = backups.create({ signal: controller.signal, description: 'big' });
    // Abort once the data file is being written.
    for (let i = 0; i < 10_000 && !(existsSync(dir) && temps(dir).length > 0); i++) await new Promise((resolve) => setImmediate(resolve));
    expect(temps(dir)).toHaveLength(1);
    controller.abort(new Error('interrupted (Ctrl-C)'));
    await expect(created).rejects.toMatchObject({ code: 'CANCELLED', message: expect.stringContaining('interrupted (Ctrl-C); its temporary files were removed') });
    expect(readdirSync(dir)).toEqual([]);
    await expect(backups.list()).resolves.toEqual([]);
  });

  it('create and cleanup remove stale ones and say which; a fresh one (a backup in progress) stays', async () => {
    const { dir, backups } = await setup();
    const stale = 'backup_1700000000_0123456789abcdef.backup.tmp';
    const staleMeta = 'backup_1700000000_0123456789abcdef.meta.tmp';
    const fresh = 'backup_1700000001_fedcba9876543210.backup.tmp';
    leftover(dir, stale, 10 * 60_000);
    leftover(dir, staleMeta, 10 * 60_000);
    leftover(dir, fresh, 1000);
    leftover(dir, 'notes.tmp', 10 * 60_000);

    const usage = await backups.usage();
    expect(usage).toMatchObject({ temp_files: 3, temp_size_bytes: 3 * 'partial'.length });

    const dry = await backups.cleanup({ dry_run: true });
    expect(dry.removed_temp_files).toEqual([stale, staleMeta]);
    expect(temps(dir)).toEqual([stale, staleMeta, fresh, 'notes.tmp'].sort());

    const r = await backups.cleanup();
    expect(r.removed_temp_files).toEqual([stale, staleMeta]);
    expect(temps(dir)).toEqual([fresh, 'notes.tmp'].sort());

    leftover(dir, stale, 10 * 60_000);
    const created = await backups.create();
    expect(created.removed_temp_files).toEqual([stale]);
    expect(temps(dir)).toEqual([fresh, 'notes.tmp'].sort());
  });
});
