import { statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryStateStore } from '@llmspell/state-memory';
import { StateManager, type BackupManager } from '../index.js';
import { tempDirs } from '../__fixtures__/tmp-dir.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('backup files', () => {
  it('are readable by their owner only (0600), in a folder the backup manager creates 0700', async () => {
    const dir = join(dirs.make('backup-modes'), 'backups');
    const store = new MemoryStateStore();
    const m = new StateManager({ store, backup: { dir } });
    await m.set('global', 'token', 'conversation text');
    const previous = process.umask(0o022);
    try {
      const backups = m.backups as BackupManager;
      await backups.create();
      await backups.create({ incremental: true });
    } finally {
      process.umask(previous);
    }
    const files = readdirSync(dir);
    expect(files.filter((f) => f.endsWith('.backup')).length).toBeGreaterThanOrEqual(1);
    for (const f of files) expect({ f, mode: statSync(join(dir, f)).mode & 0o777 }).toEqual({ f, mode: 0o600 });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});
