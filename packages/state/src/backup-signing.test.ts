import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStateStore } from '@llmspell/state-sqlite';
import { BackupManager, StateManager, createStateManager, type BackupMetadata } from './index.js';
import { tempDirs } from './__fixtures__/tmp-dir.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const KEY = 'a-signing-key-only-the-user-has-0123';

function setup(signingKey?: string | (() => string)) {
  const root = dirs.make('signed');
  const store = new SqliteStateStore({ path: join(root, 'state.db') });
  const dir = join(root, 'backups');
  const m = new StateManager({ store, backup: { dir, maxBackups: 0, maxBackupAgeSeconds: 0, signingKey } });
  return { m, store, dir, backups: m.backups as BackupManager };
}
const metaPath = (dir: string, id: string) => join(dir, `${id}.meta`);
const readMeta = (dir: string, id: string) => JSON.parse(readFileSync(metaPath(dir, id), 'utf8')) as BackupMetadata;
const writeMeta = (dir: string, id: string, meta: BackupMetadata) => writeFileSync(metaPath(dir, id), JSON.stringify(meta, null, 2));

describe('signed backups', () => {
  it('signs the metadata with HMAC-SHA256 and validates it', async () => {
    const { m, dir, backups } = setup(KEY);
    await m.set('global', 'a', 1);
    const { id } = await backups.create();
    expect(readMeta(dir, id).signature).toEqual({ algorithm: 'hmac-sha256', value: expect.stringMatching(/^[0-9a-f]{64}$/) });
    await expect(backups.validate(id)).resolves.toMatchObject({ valid: true, signature_valid: true, warnings: [] });
    await m.set('global', 'a', 2);
    await backups.restore(id);
    await expect(m.get('global', 'a')).resolves.toBe(1);
  });

  it('refuses a forged backup: data replaced and checksum recomputed, as anyone with write access could', async () => {
    const { m, dir, backups } = setup(KEY);
    await m.set('global', 'a', 'original');
    const { id } = await backups.create();
    // An attacker builds a backup of their own state and puts its files in place of ours.
    const forger = setup(undefined);
    await forger.m.set('global', 'a', 'planted by attacker');
    const forged = await forger.backups.create();
    const forgedMeta = readMeta(forger.dir, forged.id);
    writeFileSync(join(dir, `${id}.backup`), readFileSync(join(forger.dir, `${forged.id}.backup`)));
    writeMeta(dir, id, { ...readMeta(dir, id), checksums: forgedMeta.checksums, compression: forgedMeta.compression });
    const report = await backups.validate(id);
    expect(report).toMatchObject({ valid: false, signature_valid: false });
    expect(report.errors[0]).toMatch(/signature does not match/);
    await m.set('global', 'a', 'live');
    await expect(backups.restore(id)).rejects.toMatchObject({ code: 'BACKUP_INVALID', details: { check: 'signature' } });
    await expect(m.get('global', 'a')).resolves.toBe('live');
  });

  it('refuses a tampered metadata field, an unsigned backup and one signed with another key', async () => {
    const { m, dir, backups } = setup(KEY);
    await m.set('global', 'a', 1);
    const first = await backups.create();
    writeMeta(dir, first.id, { ...readMeta(dir, first.id), important: true });
    await expect(backups.restore(first.id)).rejects.toThrow(/signature does not match/);

    const unsigned = setup(undefined);
    await unsigned.m.set('global', 'a', 1);
    const plain = await unsigned.backups.create();
    const strict = new BackupManager({ store: unsigned.store, dir: unsigned.dir, signingKey: KEY });
    await expect(strict.restore(plain.id)).rejects.toThrow(/is not signed, and a signing key is configured/);

    const other = new BackupManager({ store: m.store, dir, signingKey: 'another-key-0123456789abcdef' });
    const second = await backups.create();
    await expect(other.restore(second.id)).rejects.toMatchObject({ code: 'BACKUP_INVALID', details: { check: 'signature' } });
  });

  it('checks every link of an incremental chain', async () => {
    const { m, dir, backups } = setup(KEY);
    await m.set('global', 'a', 1);
    const full = await backups.create();
    await m.set('global', 'b', 2);
    const inc = await backups.create({ incremental: true });
    expect(inc.parent_id).toBe(full.id);
    await expect(backups.validate(inc.id)).resolves.toMatchObject({ valid: true, chain: [full.id, inc.id] });
    const meta = readMeta(dir, full.id);
    delete meta.signature;
    writeMeta(dir, full.id, meta);
    await expect(backups.restore(inc.id)).rejects.toThrow(new RegExp(`backup ${full.id} is not signed`));
  });

  it('without a key: unsigned backups restore, and validate says the checksum proves integrity only', async () => {
    const { m, backups } = setup(undefined);
    await m.set('global', 'a', 1);
    const { id } = await backups.create();
    const report = await backups.validate(id);
    expect(report).toMatchObject({ valid: true, signature_valid: null });
    expect(report.warnings.join(' ')).toMatch(/whole, not who made it/);
  });

  it('from config: signing_key_env is read when needed; unset or short keys are clear errors', async () => {
    const root = dirs.make('signed-config');
    const store = new SqliteStateStore({ path: join(root, 'state.db') });
    const settings = { backup: { backup_dir: join(root, 'b'), signing_key_env: 'LLMSPELL_TEST_BACKUP_KEY', max_backups: 0, max_backup_age: 0 } };
    const env: Record<string, string | undefined> = {};
    const m = createStateManager(store, settings, { env });
    await m.set('global', 'a', 1);
    await expect(m.backups!.create()).rejects.toThrow(/^CONFIG_INVALID: backup.signing_key_env names LLMSPELL_TEST_BACKUP_KEY, which is not set/);
    env.LLMSPELL_TEST_BACKUP_KEY = 'short';
    await expect(m.backups!.create()).rejects.toThrow(/signing key is 5 bytes; use at least 16/);
    env.LLMSPELL_TEST_BACKUP_KEY = KEY;
    const { id } = await m.backups!.create();
    expect(readMeta(join(root, 'b'), id).signature?.algorithm).toBe('hmac-sha256');
    await expect(m.backups!.validate(id)).resolves.toMatchObject({ valid: true, signature_valid: true });
  });
});
