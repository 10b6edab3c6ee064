import { join } from 'node:path';
import type { StateStore } from '@llmspell/core';
import { findPgBin, postgresSkipReason, startPostgres, type PgCluster } from '@llmspell/core/testing';
import { PostgresStateStore } from '@llmspell/state-postgres';
import { BackupManager, StateManager, openStateStore } from './index.js';
import { runStateStoreConformance } from './testing/index.js';
import { STATE_PACKAGES, ensureBuilt } from './__fixtures__/build-dist.js';
import { runTwoCounters } from './__fixtures__/child-process.js';
import { tempDirs } from './__fixtures__/tmp-dir.js';

/*
 * The PostgreSQL backend through everything the state layer offers: the StateStore
 * conformance suite, the StateManager's scopes, prefix listing, atomic batches, increments
 * and updates from two real processes, migrations, backups and restore, and how the backend
 * is chosen (config or LLMSPELL_STATE_BACKEND / LLMSPELL_STATE_URL).
 */
const pgBin = findPgBin();
const suite = pgBin ? describe : describe.skip;
const skipped = pgBin ? '' : ` (skipped: ${postgresSkipReason()})`;
const dirs = tempDirs();

let cluster: PgCluster | undefined;
let tables = 0;
const freshTable = () => `conf_${process.pid}_${++tables}`;

if (pgBin) {
  beforeAll(async () => {
    cluster = await startPostgres({ bin: pgBin });
  }, 60_000);
  afterAll(() => {
    cluster?.stop();
    dirs.cleanup();
  });
}

const url = () => cluster!.url;

// A table per store: every conformance test starts on an empty store of its own.
(pgBin ? runStateStoreConformance : (name: string) => describe.skip(`${name}${skipped}`, () => it.todo('needs PostgreSQL')))(
  'postgres',
  () => PostgresStateStore.open({ url: url(), table: freshTable() }),
  { reopen: (previous: StateStore) => PostgresStateStore.open({ url: url(), table: (previous as PostgresStateStore).settings.table }) },
);

suite(`the state layer on PostgreSQL${skipped}`, () => {
  beforeAll(() => ensureBuilt(['core', 'state-postgres', ...STATE_PACKAGES]), 120_000);

  it('is chosen by backend_type + url, or by LLMSPELL_STATE_BACKEND + LLMSPELL_STATE_URL (which win)', async () => {
    const table = freshTable();
    const fromConfig = await openStateStore({ runtime: { state_persistence: { backend_type: 'postgres', url: url(), table } } }, {});
    expect(fromConfig.name).toBe('postgres');
    await fromConfig.put('k', 'from config');
    await fromConfig.close();
    const fromEnv = await openStateStore({ backend_type: 'sqlite', url: 'postgres://nobody@127.0.0.1:1/none', table }, { LLMSPELL_STATE_BACKEND: 'postgres', LLMSPELL_STATE_URL: url() });
    expect(fromEnv.name).toBe('postgres');
    await expect(fromEnv.get('k')).resolves.toBe('from config');
    await fromEnv.close();
    await expect(openStateStore({ backend_type: 'postgres' }, {})).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/LLMSPELL_STATE_URL/) });
  });

  it('keeps scopes apart, lists by scope and prefix, and applies clears as one batch', async () => {
    const store = await PostgresStateStore.open({ url: url(), table: freshTable() });
    const m = new StateManager({ store });
    await m.set('global', 'a', 1);
    await m.set('agent:x', 'a', 'agent value');
    await m.set('workflow:w', 'run:1', { step: 1 });
    await m.set('workflow:w', 'run:2', { step: 2 });
    await m.set('workflow:w', 'other', true);
    await expect(m.get('global', 'a')).resolves.toBe(1);
    await expect(m.get('agent:x', 'a')).resolves.toBe('agent value');
    await expect(m.keys('workflow:w')).resolves.toEqual(['other', 'run:1', 'run:2']);
    await expect(m.scopes()).resolves.toEqual(expect.arrayContaining(['global', 'agent:x', 'workflow:w']));
    await expect(m.deletePrefix('workflow:w', 'run:')).resolves.toBe(2);
    await expect(m.keys('workflow:w')).resolves.toEqual(['other']);
    await expect(m.clear('agent:x')).resolves.toBe(1);
    await expect(m.get('global', 'a')).resolves.toBe(1);
    await store.close();
  });

  it.each([
    ['increment', 1000],
    ['update', 300],
  ])('%s from two processes, %i times each, loses nothing', async (mode: string | number, times: string | number) => {
    const table = freshTable();
    const env = { LLMSPELL_STATE_BACKEND: 'postgres', LLMSPELL_STATE_URL: url() };
    // Create the table first so neither child races the other on schema creation.
    await (await PostgresStateStore.open({ url: url(), table })).close();
    expect(await runTwoCounters(['-', String(times), String(mode), table], { ...process.env, ...env })).toEqual([[0, ''], [0, '']]);
    const store = await openStateStore({ table }, env);
    await expect(new StateManager({ store }).get('global', 'counter')).resolves.toBe(2 * Number(times));
    await store.close();
  }, 120_000);

  it('migrates values in place and records the schema version', async () => {
    const store = await PostgresStateStore.open({ url: url(), table: freshTable() });
    const m = new StateManager({ store });
    await m.set('custom:users', 'ann', { name: 'Ann', age: '41' });
    await m.set('custom:users', 'bob', { name: 'Bob', age: '7' });
    m.migrations.registerSchema({ version: '1.0.0', fields: { name: 'string' } });
    m.migrations.registerSchema({ version: '2.0.0', fields: { full_name: 'string', age: 'integer' } });
    m.migrations.registerMigration({ from: '1.0.0', to: '2.0.0', scopes: ['custom:users'], steps: [{ type: 'rename', from: 'name', to: 'full_name' }, { type: 'convert', field: 'age', to_type: 'integer' }] });
    await expect(m.migrations.migrate('2.0.0')).resolves.toMatchObject({ success: true, items_migrated: 2 });
    await expect(m.get('custom:users', 'ann')).resolves.toEqual({ full_name: 'Ann', age: 41 });
    // Another process (a new connection pool) sees the migrated data and version.
    const other = await PostgresStateStore.open({ url: url(), table: store.settings.table });
    const m2 = new StateManager({ store: other });
    m2.migrations.registerSchema({ version: '1.0.0', fields: { name: 'string' } });
    m2.migrations.registerSchema({ version: '2.0.0', fields: { full_name: 'string', age: 'integer' } });
    await expect(m2.migrations.status()).resolves.toMatchObject({ current_version: '2.0.0', is_latest: true });
    await expect(m2.get('custom:users', 'bob')).resolves.toEqual({ full_name: 'Bob', age: 7 });
    await store.close();
    await other.close();
  });

  it('backs up and restores the exact snapshot, also into a fresh table on another connection', async () => {
    const store = await PostgresStateStore.open({ url: url(), table: freshTable() });
    const dir = join(dirs.make('pg-backups'), 'backups');
    const m = new StateManager({ store, backup: { dir, maxBackups: 0, maxBackupAgeSeconds: 0 } });
    await m.set('global', 'a', 1);
    await m.set('agent:x', 'history', ['hi', 'there']);
    await m.set('workflow:w', 'state', { step: 2 });
    const before = await store.entries('');
    const backups = m.backups as BackupManager;
    const { id } = await backups.create({ description: 'pg' });
    await m.set('global', 'a', 2);
    await m.set('global', 'later', true);
    await m.delete('agent:x', 'history');
    await expect(backups.restore(id)).resolves.toMatchObject({ success: true, restored_keys: 2, removed_keys: 1 });
    await expect(store.entries('')).resolves.toEqual(before);
    const fresh = await PostgresStateStore.open({ url: url(), table: freshTable() });
    const m2 = new StateManager({ store: fresh, backup: { dir, maxBackups: 0, maxBackupAgeSeconds: 0 } });
    await expect((m2.backups as BackupManager).restore(id)).resolves.toMatchObject({ success: true });
    await expect(fresh.entries('')).resolves.toEqual(before);
    await store.close();
    await fresh.close();
  });
});
