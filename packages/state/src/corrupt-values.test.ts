import { join } from 'node:path';
import { MemoryStateStore } from '@llmspell/state-memory';
import { SCHEMA_VERSION_KEY, StateManager, compileMigrationSteps } from './index.js';
import { tempDirs } from './__fixtures__/tmp-dir.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

/** A store holding `state:global:bad` = `{not json`, as a hand edit of the database leaves it. */
async function corrupted(backupDir?: string) {
  const store = new MemoryStateStore();
  const m = new StateManager({ store, ...(backupDir ? { backup: { dir: backupDir } } : {}) });
  await m.set('global', 'good', { a: 1 });
  await store.put('state:global:bad', '{not json');
  return { store, m };
}

const namesBad = { code: 'STATE_ERROR', message: expect.stringContaining('stored value for global/bad is not valid JSON'), details: { scope: 'global', key: 'bad' } };

describe('a stored value that is not JSON is named by scope and key', () => {
  it('by get, getNow, entries, increment and update', async () => {
    const { m } = await corrupted();
    await expect(m.get('global', 'bad')).rejects.toMatchObject(namesBad);
    expect(() => m.getNow('global', 'bad')).toThrow(expect.objectContaining(namesBad));
    await expect(m.entries('global')).rejects.toMatchObject(namesBad);
    await expect(m.increment('global', 'bad')).rejects.toMatchObject(namesBad);
    await expect(m.update('global', 'bad', (v) => v)).rejects.toMatchObject(namesBad);
    await expect(m.get('global', 'good')).resolves.toEqual({ a: 1 });
  });

  it('does not stop a user overwriting or deleting it, even with hooks and events watching', async () => {
    const events = { publish: () => undefined };
    const { store } = await corrupted();
    const m = new StateManager({ store, events });
    await m.set('global', 'bad', 'fixed');
    await expect(m.get('global', 'bad')).resolves.toBe('fixed');
    await store.put('state:global:bad', '{not json');
    await expect(m.delete('global', 'bad')).resolves.toBe(true);
  });

  it('by a migration reading it, which fails naming the item and writes nothing', async () => {
    const { store, m } = await corrupted();
    m.migrations.registerMigration({ from: '1.0.0', to: '1.1.0', steps: [{ type: 'default', field: 'x', value: 1 }] });
    await m.migrations.setCurrentVersion('1.0.0');
    const before = await store.entries('');
    const r = await m.migrations.migrate('1.1.0');
    expect(r.success).toBe(false);
    expect(r.error).toMatch(/^MIGRATION_FAILED: stored value for global\/bad is not valid JSON/);
    await expect(store.entries('')).resolves.toEqual(before);
  });

  it('by a migration with a custom step (the step-major path)', async () => {
    const { m } = await corrupted();
    m.migrations.registerMigration({ from: '1.0.0', to: '1.1.0', steps: [(v: unknown) => v] });
    await m.migrations.setCurrentVersion('1.0.0');
    const r = await m.migrations.migrate('1.1.0');
    expect(r.error).toMatch(/^MIGRATION_FAILED: stored value for global\/bad is not valid JSON/);
  });

  it('by a backup of a corrupt schema version, which still backs the store up and warns naming the key', async () => {
    const dir = join(dirs.make(), 'backups');
    const { store, m } = await corrupted(dir);
    await store.put(SCHEMA_VERSION_KEY, 'oops');
    await expect(m.migrations.currentVersion()).rejects.toThrow(SCHEMA_VERSION_KEY);
    const r = await m.backups!.create();
    expect(r.entries).toBe(3);
    expect(r.warnings.join('\n')).toContain(`the stored schema version (key ${SCHEMA_VERSION_KEY}) is not valid JSON`);
  });
});

describe('an empty Lua table where the migration engine wants a list', () => {
  // An empty Lua table reaches the host as {} (it is neither a list nor a map).
  it('is an empty list of steps, rules or scopes', async () => {
    const m = new StateManager({ store: new MemoryStateStore() });
    const def = m.migrations.registerMigration({ from: '1.0.0', to: '1.1.0', steps: {}, validation: {}, scopes: {} });
    expect(def).toMatchObject({ steps: [], validation: [], scopes: [] });
    expect(compileMigrationSteps({})({ a: 1 })).toEqual({ a: 1 });
  });

  it('but a non-empty table that is not a list is still refused', () => {
    const m = new StateManager({ store: new MemoryStateStore() });
    expect(() => m.migrations.registerMigration({ from: '1.0.0', to: '1.1.0', steps: { a: 1 } })).toThrow('INVALID_ARGUMENT: migration.steps must be a list');
    expect(() => m.migrations.registerMigration({ from: '1.0.0', to: '1.1.0', validation: 'x' })).toThrow('migration.validation must be a list');
    expect(() => m.migrations.registerMigration({ from: '1.0.0', to: '1.1.0', steps: new Date() })).toThrow('migration.steps must be a list');
  });
});
