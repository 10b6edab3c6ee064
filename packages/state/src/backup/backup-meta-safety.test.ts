import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretRedactor } from '@llmspell/core';
import { MemoryStateStore } from '@llmspell/state-memory';
import { BackupManager, StateManager, decideRetention, type BackupMetadata } from '../index.js';
import { tempDirs } from '../__fixtures__/tmp-dir.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

function setup(options: Partial<ConstructorParameters<typeof StateManager>[0]> = {}, backup: Partial<ConstructorParameters<typeof BackupManager>[0]> = {}) {
  const root = dirs.make('backup-meta');
  const dir = join(root, 'project', '.llmspell', 'backups');
  mkdirSync(dir, { recursive: true });
  const warnings: string[] = [];
  const logger = { debug() {}, info() {}, warn: (message: string) => void warnings.push(message), error() {} };
  const m = new StateManager({ store: new MemoryStateStore(), logger, ...options, backup: { dir, maxBackups: 10, maxBackupAgeSeconds: 0, ...backup } });
  return { root, dir, m, backups: m.backups as BackupManager, warnings };
}

const planted = (dir: string, id: string, text: string) => writeFileSync(join(dir, `${id}.meta`), text);

describe('.meta files that are not backups', () => {
  it('cleanup and create never touch files outside the backup directory named by a .meta id', async () => {
    const { root, dir, m, backups, warnings } = setup();
    writeFileSync(join(root, 'victim.backup'), 'precious');
    writeFileSync(join(root, 'victim.meta'), 'precious');
    planted(dir, 'backup_1000000000_0000000000000000', JSON.stringify({
      id: '../../../victim', created_at: '2001-09-09T01:46:40.000Z', sequence: 0, backup_type: 'incremental', parent_id: null, important: false,
    }));
    await m.set('global', 'a', 1);
    const created = await backups.create();
    const report = await backups.cleanup();
    expect(report.deleted).toEqual([]);
    expect(created.retention?.deleted).toEqual([]);
    expect(existsSync(join(root, 'victim.backup'))).toBe(true);
    expect(existsSync(join(root, 'victim.meta'))).toBe(true);
    expect((await backups.list()).map((b) => b.id)).toEqual([created.id]);
    expect((await backups.usage()).total_backups).toBe(1);
    expect(warnings).toEqual([expect.stringContaining('backup_1000000000_0000000000000000.meta')]);
    await expect(backups.info('backup_1000000000_0000000000000000')).rejects.toMatchObject({ code: 'BACKUP_INVALID' });
  });

  it('a well-formed .meta whose id is another backup\'s is skipped too', async () => {
    const { dir, m, backups } = setup();
    await m.set('global', 'a', 1);
    const real = await backups.create();
    const copy = { ...(JSON.parse(readFileSync(join(dir, `${real.id}.meta`), 'utf8')) as BackupMetadata), created_at: '2001-01-01T00:00:00.000Z' };
    planted(dir, 'backup_1000000000_0000000000000000', JSON.stringify(copy));
    expect((await backups.list()).map((b) => b.id)).toEqual([real.id]);
    await expect(backups.validate('backup_1000000000_0000000000000000')).resolves.toMatchObject({ valid: false });
  });

  it.each(['null', '{}', '[]', '"x"', '42'])('a .meta holding %s is skipped by every backup command', async (text) => {
    const { dir, m, backups } = setup();
    await m.set('global', 'a', 1);
    planted(dir, 'backup_1000000000_0000000000000000', text);
    await expect(backups.list()).resolves.toEqual([]);
    const created = await backups.create({ incremental: true });
    const report = await backups.cleanup();
    expect(report).toMatchObject({ evaluated: 1, deleted: [] });
    expect(created.retention?.deleted).toEqual([]);
    await expect(backups.usage()).resolves.toMatchObject({ total_backups: 1 });
    expect(existsSync(join(dir, 'backup_1000000000_0000000000000000.meta'))).toBe(true);
    const bad = await backups.validate('backup_1000000000_0000000000000000');
    expect(bad.valid).toBe(false);
    expect(bad.errors[0]).toMatch(/not backup metadata/);
  });
});

describe('parent chains that loop', () => {
  const mk = (id: string, minutes: number, parent: string | null): BackupMetadata => ({
    id, created_at: new Date(Date.UTC(2026, 0, 1, 0, minutes)).toISOString(), sequence: minutes, backup_type: 'incremental', parent_id: parent,
    description: null, important: false, schema_version: null, checksums: { sha256: '' },
    compression: { algorithm: 'gzip', level: 3, original_size: 0, compressed_size: 0 }, encryption: null,
    stats: { total_entries: 0, changed_entries: 0, deleted_entries: 0, total_size: 0, duration_ms: 0, scopes_backed_up: [] },
  });

  it('decideRetention ends on a self-parent and an A→B→A loop', () => {
    const list = [mk('self', 0, 'self'), mk('a', 1, 'b'), mk('b', 2, 'a'), mk('old', 3, null)];
    const d = decideRetention(list, { maxBackups: 3, maxBackupAgeSeconds: 0 }, Date.UTC(2026, 0, 1, 1));
    expect(Object.fromEntries(d.map((x) => [x.backup_id, x.should_retain]))).toEqual({ old: true, b: true, a: true, self: false });
  });

  it('create and cleanup finish with a looping .meta in the directory', async () => {
    const { dir, m, backups } = setup({}, { maxBackups: 1 });
    await m.set('global', 'a', 1);
    const real = await backups.create();
    const meta = JSON.parse(readFileSync(join(dir, `${real.id}.meta`), 'utf8')) as BackupMetadata;
    const id = 'backup_1000000000_0000000000000001';
    planted(dir, id, JSON.stringify({ ...meta, id, backup_type: 'incremental', parent_id: id, important: true }));
    const next = await backups.create({ incremental: true });
    expect(next.warnings.join(' ')).not.toMatch(/loops/);
    await expect(backups.cleanup()).resolves.toMatchObject({ deleted: [] });
    await expect(backups.validate(id)).resolves.toMatchObject({ valid: false, errors: [expect.stringMatching(/loops|size|checksum|missing/)] });
  });
});

describe('restore and retention', () => {
  it('restore with backup_current never prunes the backup it restores, and says what retention deleted', async () => {
    const { m, backups } = setup({}, { maxBackups: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      await m.set('global', 'v', i);
      ids.push((await backups.create()).id);
    }
    const result = await backups.restore(ids[0], { backup_current: true });
    await expect(m.get('global', 'v')).resolves.toBe(0);
    await expect(backups.info(ids[0])).resolves.toMatchObject({ id: ids[0] });
    expect(result.retention).toMatchObject({ deleted: [] });
    expect(result.retention?.decisions.find((d) => d.backup_id === ids[0])).toMatchObject({ should_retain: true });
    // The next create, outside the restore, applies the limit as usual.
    const next = await backups.create();
    expect(next.retention?.deleted).toEqual(expect.arrayContaining([ids[0]]));
  });

  it('keeps the whole chain of an incremental being restored', async () => {
    const { m, backups } = setup({}, { maxBackups: 1 });
    await m.set('global', 'v', 0);
    const full = await backups.create();
    await m.set('global', 'v', 1);
    const inc = await backups.create({ incremental: true });
    await m.set('global', 'v', 2);
    const result = await backups.restore(inc.id, { backup_current: true });
    expect(result.retention?.deleted).toEqual([]);
    await expect(m.get('global', 'v')).resolves.toBe(1);
    await expect(backups.validate(inc.id)).resolves.toMatchObject({ valid: true, chain: [full.id, inc.id] });
  });
});

describe('backup descriptions', () => {
  const secret = 'Zq8rT5vLm2Nw9XpK4sJd';
  const withSecret = () => {
    const redactor = new SecretRedactor();
    redactor.add(secret);
    return redactor;
  };

  it('get the state values\' secret redaction before the .meta is written', async () => {
    const { dir, backups } = setup({ redactor: withSecret() });
    const { id } = await backups.create({ description: `nightly ${secret}` });
    const text = readFileSync(join(dir, `${id}.meta`), 'utf8');
    expect(text).not.toContain(secret);
    expect((JSON.parse(text) as BackupMetadata).description).toBe('nightly [REDACTED]');
  });

  it('follow secret_values = "refuse" and "allow"', async () => {
    const refusing = setup({ redactor: withSecret(), secretValues: 'refuse' });
    await expect(refusing.backups.create({ description: secret })).rejects.toMatchObject({ code: 'STATE_SECRET_REFUSED' });
    await expect(refusing.backups.list()).resolves.toEqual([]);
    await expect(refusing.backups.create({ description: 'plain words' })).resolves.toMatchObject({ success: true });
    const allowing = setup({ redactor: withSecret(), secretValues: 'allow' });
    const { id } = await allowing.backups.create({ description: secret });
    await expect(allowing.backups.info(id)).resolves.toMatchObject({ description: secret });
  });
});
