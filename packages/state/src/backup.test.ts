import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStateStore } from '@llmspell/state-sqlite';
import { BackupManager, StateManager, decideRetention, type BackupMetadata } from './index.js';
import { tempDirs } from './__fixtures__/tmp-dir.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

function setup(backup: Partial<ConstructorParameters<typeof BackupManager>[0]> = {}) {
  const root = dirs.make('backup');
  const store = new SqliteStateStore({ path: join(root, 'state.db') });
  const dir = join(root, 'backups');
  const m = new StateManager({ store, backup: { dir, maxBackups: 0, maxBackupAgeSeconds: 0, ...backup } });
  return { m, store, dir, backups: m.backups as BackupManager };
}

async function seed(m: StateManager) {
  await m.set('global', 'a', 1);
  await m.set('agent:x', 'history', ['hi', 'there']);
  await m.set('workflow:w', 'state', { step: 2 });
  await m.set('step:w:s1', 'out', 'done');
  await m.set('session:s', 'user', { name: 'ann' });
  await m.set('custom:c', 'v', null);
}

describe('backups', () => {
  it('writes <id>.backup (gzip) and <id>.meta with a SHA-256, covering every scope', async () => {
    const { m, dir, backups } = setup();
    await seed(m);
    const created = await backups.create({ description: 'first' });
    expect(created).toMatchObject({ success: true, backup_type: 'full', parent_id: null, entries: 6 });
    expect(created.id).toMatch(/^backup_\d+_[0-9a-f]{16}$/);
    expect(readdirSync(dir).sort()).toEqual([`${created.id}.backup`, `${created.id}.meta`]);
    const data = readFileSync(join(dir, `${created.id}.backup`));
    expect([data[0], data[1]]).toEqual([0x1f, 0x8b]);
    const meta = JSON.parse(readFileSync(join(dir, `${created.id}.meta`), 'utf8')) as BackupMetadata;
    expect(meta).toMatchObject({ id: created.id, backup_type: 'full', description: 'first', compression: { algorithm: 'gzip', compressed_size: data.length } });
    expect(meta.checksums.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(meta.stats.scopes_backed_up).toEqual(['agent:x', 'custom:c', 'global', 'session:s', 'step:w:s1', 'workflow:w']);
    await expect(backups.validate(created.id)).resolves.toMatchObject({ valid: true, checksum_valid: true, integrity_valid: true, chain: [created.id] });
    await expect(backups.list()).resolves.toHaveLength(1);
    await expect(backups.info(created.id)).resolves.toMatchObject({ id: created.id });
  });

  it('restore brings back the exact snapshot (removing later keys) in one batch', async () => {
    const { m, store, backups } = setup();
    await seed(m);
    const before = await store.entries('');
    const { id } = await backups.create();
    await m.set('global', 'a', 2);
    await m.set('global', 'added_later', true);
    await m.delete('agent:x', 'history');
    await m.clear('session:s');
    await expect(backups.restore(id, { dry_run: true })).resolves.toMatchObject({ dry_run: true, restored_keys: 3, removed_keys: 1 });
    await expect(m.get('global', 'a')).resolves.toBe(2);
    await expect(backups.restore(id)).resolves.toMatchObject({ success: true, restored_keys: 3, removed_keys: 1, total_keys: 6 });
    await expect(store.entries('')).resolves.toEqual(before);
  });

  it('a tampered backup fails validation and is refused by restore with live state untouched', async () => {
    const { m, store, dir, backups } = setup();
    await seed(m);
    const { id } = await backups.create();
    await m.set('global', 'a', 'live value');
    const live = await store.entries('');
    const file = join(dir, `${id}.backup`);
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(file, bytes);
    const report = await backups.validate(id);
    expect(report).toMatchObject({ valid: false, checksum_valid: false });
    expect(report.errors[0]).toMatch(/SHA-256 checksum mismatch/);
    await expect(backups.restore(id)).rejects.toMatchObject({ code: 'BACKUP_INVALID' });
    await expect(store.entries('')).resolves.toEqual(live);
    // a truncated file is caught too
    writeFileSync(file, bytes.subarray(0, 10));
    await expect(backups.restore(id)).rejects.toThrow(/BACKUP_INVALID: .*file is 10 bytes/);
    await expect(store.entries('')).resolves.toEqual(live);
  });

  it('incremental backups hold only the changes since the parent, deletions included, and restore exactly', async () => {
    const { m, store, backups } = setup();
    await seed(m);
    const full = await backups.create();
    const atFull = await store.entries('');
    await m.set('global', 'a', 2);
    await m.set('global', 'b', 'new');
    await m.delete('workflow:w', 'state');
    const inc1 = await backups.create({ incremental: true });
    expect(inc1).toMatchObject({ backup_type: 'incremental', parent_id: full.id, changed_entries: 2, deleted_entries: 1, entries: 6 });
    const atInc1 = await store.entries('');
    await m.set('global', 'b', 'newer');
    await m.set('workflow:w', 'state', { step: 9 });
    await m.clear('custom:c');
    const inc2 = await backups.create({ incremental: true });
    expect(inc2).toMatchObject({ backup_type: 'incremental', parent_id: inc1.id, changed_entries: 2, deleted_entries: 1 });
    const atInc2 = await store.entries('');
    await expect(backups.validate(inc2.id)).resolves.toMatchObject({ valid: true, chain: [full.id, inc1.id, inc2.id] });
    await m.set('global', 'junk', 1);
    await backups.restore(inc1.id);
    await expect(store.entries('')).resolves.toEqual(atInc1);
    await backups.restore(full.id);
    await expect(store.entries('')).resolves.toEqual(atFull);
    await backups.restore(inc2.id);
    await expect(store.entries('')).resolves.toEqual(atInc2);
  });

  it('an incremental whose parent is corrupted is refused', async () => {
    const { m, store, dir, backups } = setup();
    await seed(m);
    const full = await backups.create();
    await m.set('global', 'a', 5);
    const inc = await backups.create({ incremental: true });
    writeFileSync(join(dir, `${full.id}.backup`), 'garbage');
    const live = await store.entries('');
    await expect(backups.validate(inc.id)).resolves.toMatchObject({ valid: false });
    await expect(backups.restore(inc.id)).rejects.toMatchObject({ code: 'BACKUP_INVALID' });
    await expect(store.entries('')).resolves.toEqual(live);
    // the next incremental cannot build on a broken chain, so it is made full
    const next = await backups.create({ incremental: true });
    expect(next.backup_type).toBe('full');
    expect(next.warnings.join()).toMatch(/cannot be used as a parent/);
  });

  it('the first incremental is a full backup, and ids are checked', async () => {
    const { m, backups } = setup();
    await seed(m);
    const first = await backups.create({ incremental: true });
    expect(first.backup_type).toBe('full');
    expect(first.warnings).toEqual(['no earlier backup to build on; made a full backup']);
    await expect(backups.restore('../../etc/passwd')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(backups.restore('backup_1_0123456789abcdef')).rejects.toMatchObject({ code: 'BACKUP_NOT_FOUND' });
  });

  it('applies count retention after each create, keeping the newest', async () => {
    const { m, backups, dir } = setup({ maxBackups: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      await m.set('global', 'i', i);
      ids.push((await backups.create()).id);
    }
    const left = (await backups.list()).map((b) => b.id);
    expect(left).toEqual(ids.slice(2).reverse());
    expect(readdirSync(dir)).toHaveLength(6);
  });

  it('age retention removes old backups but keeps the newest full and important ones', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { m, backups } = setup({ maxBackups: 0, maxBackupAgeSeconds: 3600, now: () => now });
    await seed(m);
    const old = await backups.create();
    const oldImportant = await backups.create({ important: true });
    now += 2 * 3600 * 1000;
    const fresh = await backups.create();
    const ids = (await backups.list()).map((b) => b.id);
    expect(ids).toEqual([fresh.id, oldImportant.id]);
    expect(ids).not.toContain(old.id);
    now += 10 * 3600 * 1000;
    const report = await backups.cleanup({ dry_run: true });
    expect(report.deleted).toEqual([]);
    expect(report.decisions.find((d) => d.backup_id === fresh.id)).toMatchObject({ should_retain: true, priority: 'critical' });
  });

  it('retention never breaks an incremental chain; a dry run deletes nothing', async () => {
    const { m, backups } = setup({ maxBackups: 2 });
    await seed(m);
    const full = await backups.create();
    const incs: string[] = [];
    for (let i = 0; i < 3; i++) {
      await m.set('global', 'i', i);
      incs.push((await backups.create({ incremental: true })).id);
    }
    // The two newest incrementals need inc0 and the full backup below them.
    const ids = (await backups.list()).map((b) => b.id);
    expect(ids).toEqual([incs[2], incs[1], incs[0], full.id]);
    await m.set('global', 'i', 'x');
    const newFull = await backups.create();
    expect((await backups.list()).map((b) => b.id)).toEqual([newFull.id, ...ids]);
    // A stricter policy in dry-run mode names what it would delete but deletes nothing.
    const strict = new BackupManager({ store: m.store, dir: backups.dir, maxBackups: 1, maxBackupAgeSeconds: 0 });
    const dry = await strict.cleanup({ dry_run: true });
    expect(dry.deleted.sort()).toEqual([...ids].sort());
    expect(dry.space_freed).toBeGreaterThan(0);
    await expect(backups.list()).resolves.toHaveLength(5);
    // Once a newer full backup is within the limit, the old chain goes as a whole.
    await m.set('global', 'i', 'y');
    const newest = await backups.create();
    expect((await backups.list()).map((b) => b.id)).toEqual([newest.id, newFull.id]);
  });

  it('decideRetention keeps parents of kept incrementals', () => {
    const mk = (id: string, minutes: number, type: 'full' | 'incremental', parent: string | null): BackupMetadata => ({
      id, created_at: new Date(Date.UTC(2026, 0, 1, 0, minutes)).toISOString(), sequence: minutes, backup_type: type, parent_id: parent,
      description: null, important: false, schema_version: null, checksums: { sha256: '' },
      compression: { algorithm: 'gzip', level: 3, original_size: 0, compressed_size: 0 }, encryption: null,
      stats: { total_entries: 0, changed_entries: 0, deleted_entries: 0, total_size: 0, duration_ms: 0, scopes_backed_up: [] },
    });
    const list = [mk('f1', 0, 'full', null), mk('i1', 1, 'incremental', 'f1'), mk('f2', 2, 'full', null), mk('i2', 3, 'incremental', 'f2'), mk('i3', 4, 'incremental', 'i2')];
    const d = decideRetention(list, { maxBackups: 1, maxBackupAgeSeconds: 0 }, Date.UTC(2026, 0, 1, 1));
    expect(Object.fromEntries(d.map((x) => [x.backup_id, x.should_retain]))).toEqual({ i3: true, i2: true, f2: true, i1: false, f1: false });
  });

  it('reports storage usage', async () => {
    const { m, backups, dir } = setup();
    await seed(m);
    await backups.create();
    await m.set('global', 'z', 1);
    await backups.create({ incremental: true });
    const usage = await backups.usage();
    expect(usage).toMatchObject({ backup_dir: dir, total_backups: 2, full_backups: 1, incremental_backups: 1, state_keys: 7 });
    expect(usage.total_size_bytes).toBeGreaterThan(0);
    expect(usage.state_size_bytes).toBeGreaterThan(0);
  });

  it('migrations take a backup first when they change data', async () => {
    const { m, backups, store } = setup();
    await seed(m);
    const before = await store.entries('state:');
    m.migrations.registerMigration({ from: '1', to: '2', scopes: ['session:*'], steps: [{ type: 'rename', from: 'name', to: 'full_name' }] });
    const result = await m.migrations.migrate('2');
    expect(result.backup_id).toMatch(/^backup_/);
    await backups.restore(result.backup_id as string);
    await expect(store.entries('state:')).resolves.toEqual(before);
    await expect(m.migrations.currentVersion()).resolves.toBe('1.0.0');
  });
});

describe('streamed backup files', () => {
  it.each([[0, true], [1, true], [2500, true], [2500, false]])('hold exactly JSON.stringify(payload) (%i entries, gzip %s) with the size and SHA-256 of the bytes written', async (n, gzip) => {
    const { createHash } = await import('node:crypto');
    const { gunzipSync } = await import('node:zlib');
    const { writePayload } = await import('./backup/backup-format.js');
    const path = join(dirs.make('stream'), 'x.backup');
    const payload = {
      format: 'llmspell-backup' as const, format_version: 1 as const, id: 'backup_1_0123456789abcdef', backup_type: 'incremental' as const, parent_id: 'p',
      entries: Array.from({ length: n }, (_, i): [string, string] => [`state:global:k${i}\u00e9`, JSON.stringify({ i, s: 'x"\\\n'.repeat(i % 5) })]),
      deleted: n > 0 ? ['state:global:gone'] : [],
    };
    const written = await writePayload(path, payload, gzip, 3);
    const data = readFileSync(path);
    expect(written.size).toBe(data.length);
    expect(written.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    const raw = gzip ? gunzipSync(data) : data;
    expect(raw.toString('utf8')).toBe(JSON.stringify(payload));
    expect(written.originalSize).toBe(raw.length);
  });
});
