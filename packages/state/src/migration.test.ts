import { MemoryStateStore } from '@llmspell/state-memory';
import { SCHEMA_VERSION_KEY, StateManager, compareVersions, normalizeVersion } from './index.js';
import { ListEventSink, ListHookExecutor } from './__fixtures__/recording-hooks.js';

async function seeded(events?: ListEventSink) {
  const store = new MemoryStateStore();
  const m = new StateManager({ store, events });
  await m.set('custom:users', 'ann', { name: 'Ann Lee', age: '41', tags: 'a, b ,c', first: 'Ann', last: 'Lee', score: 1, bonus: 2, nested: { v: 1 } });
  await m.set('custom:users', 'bob', { name: 'Bob Ray', age: '7', tags: 'x', first: 'Bob', last: null, score: 3, bonus: 4, nested: { v: 2 } });
  await m.set('global', 'counter', 5);
  await m.set('agent:a', 'history', ['hi']);
  return { store, m };
}

const snapshot = (store: MemoryStateStore) => store.entries('');

describe('semantic versions', () => {
  it('normalises and compares', () => {
    expect(normalizeVersion(2)).toBe('2.0.0');
    expect(normalizeVersion('1.2')).toBe('1.2.0');
    expect(compareVersions('1.10.0', '1.9.9')).toBeGreaterThan(0);
    expect(compareVersions('2.0.0-beta', '2.0.0')).toBeLessThan(0);
    expect(() => normalizeVersion('one')).toThrow(/semantic version/);
  });

  // SemVer 2.0.0 §11's example chain, each version lower than the next.
  const SPEC_CHAIN = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];

  it('orders the SemVer 2.0.0 §11 chain (numeric prerelease identifiers compare as numbers)', () => {
    const shuffled = [SPEC_CHAIN[5], SPEC_CHAIN[7], SPEC_CHAIN[0], SPEC_CHAIN[4], SPEC_CHAIN[2], SPEC_CHAIN[6], SPEC_CHAIN[1], SPEC_CHAIN[3]];
    expect([...shuffled].sort(compareVersions)).toEqual(SPEC_CHAIN);
    expect(compareVersions('1.0.0-beta.2', '1.0.0-beta.11')).toBeLessThan(0);
  });

  it('agrees with node-semver\'s own comparison fixtures (first is greater)', () => {
    const greater: Array<[string, string]> = [
      ['1.2.3', '1.2.3-4'], ['1.2.3-5', '1.2.3-4'], ['1.2.3-5-foo', '1.2.3-5'], ['1.2.3-5-foo', '1.2.3-5-Foo'],
      ['3.0.0', '2.7.2+asdf'], ['1.2.3-a.10', '1.2.3-a.5'], ['1.2.3-a.b', '1.2.3-a.5'], ['1.2.3-a.b', '1.2.3-a'],
      ['1.2.3-a.b.c.10.d.5', '1.2.3-a.b.c.5.d.100'], ['1.2.3-r2', '1.2.3-r100'], ['1.2.3-r100', '1.2.3-R2'], ['0.10.0', '0.9.0'],
    ];
    for (const [a, b] of greater) {
      expect([a, b, compareVersions(a, b)]).toEqual([a, b, 1]);
      expect([b, a, compareVersions(b, a)]).toEqual([b, a, -1]);
    }
  });

  it('drops build metadata (no precedence, §10), keeps shorthand, rejects what SemVer rejects', () => {
    expect(normalizeVersion('v1.2.3-rc.1+build.7')).toBe('1.2.3-rc.1');
    expect(normalizeVersion('1.2+sha.abc')).toBe('1.2.0');
    expect(normalizeVersion('2-beta.1')).toBe('2.0.0-beta.1');
    expect(compareVersions('1.0.0+a', '1.0.0+b')).toBe(0);
    for (const bad of ['1.0.0-beta..1', '1.0.0-01', '01.2.3', '1.2.3.4', '-1', 1.5, null, '']) {
      expect(() => normalizeVersion(bad, 'schema.version')).toThrow(/schema.version must be a semantic version/);
    }
  });
});

describe('migrations across prerelease versions', () => {
  const SPEC_CHAIN = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];

  it('lists, plans and runs the §11 chain in semver order', async () => {
    const m = new StateManager({ store: new MemoryStateStore() });
    await m.set('global', 'doc', { trail: [] });
    // Registered out of order: the engine, not the registration order, decides.
    for (const i of [4, 0, 6, 2, 5, 1, 3]) {
      const to = SPEC_CHAIN[i + 1];
      m.migrations.registerMigration({
        from: SPEC_CHAIN[i], to,
        steps: [{ type: 'custom', fn: (v: unknown) => ({ trail: [...(v as { trail: string[] }).trail, to] }) }],
      });
    }
    expect(m.migrations.versions()).toEqual(SPEC_CHAIN);
    const status = await m.migrations.status();
    expect(status).toMatchObject({ current_version: '1.0.0-alpha', latest_version: '1.0.0', is_latest: false, total_schemas: 8 });
    expect(status.migration_targets).toEqual(SPEC_CHAIN.slice(1));
    const result = await m.migrations.migrate(status.latest_version);
    expect(result).toMatchObject({ success: true, status: 'completed', steps_completed: 7 });
    await expect(m.get('global', 'doc')).resolves.toEqual({ trail: SPEC_CHAIN.slice(1) });
  });

  it('beta.11 is newer than beta.2: the default current version is beta.2 and migrating to the latest works', async () => {
    const m = new StateManager({ store: new MemoryStateStore() });
    await m.set('global', 'doc', { n: 2 });
    m.migrations.registerSchema({ version: '1.0.0-beta.11', fields: { count: { type: 'integer', required: true } } });
    m.migrations.registerSchema({ version: '1.0.0-beta.2', fields: { n: 'integer' } });
    m.migrations.registerMigration({ from: '1.0.0-beta.2', to: '1.0.0-beta.11', steps: [{ type: 'rename', from: 'n', to: 'count' }] });
    const status = await m.migrations.status();
    expect(status).toMatchObject({ current_version: '1.0.0-beta.2', latest_version: '1.0.0-beta.11', migration_targets: ['1.0.0-beta.11'] });
    await expect(m.migrations.migrate(status.latest_version)).resolves.toMatchObject({ success: true, from_version: '1.0.0-beta.2', to_version: '1.0.0-beta.11' });
    await expect(m.get('global', 'doc')).resolves.toEqual({ count: 2 });
    await expect(m.migrations.status()).resolves.toMatchObject({ current_version: '1.0.0-beta.11', is_latest: true });
  });
});

describe('migrations', () => {
  it('applies add, remove, rename, copy, convert, split, merge and custom steps to the selected scopes', async () => {
    const { store, m } = await seeded();
    m.migrations.registerSchema({ version: '1.0.0', fields: { name: 'string' } });
    m.migrations.registerSchema({ version: '2.0.0', fields: { full_name: { type: 'string', required: true }, age: 'integer', plan: { type: 'string', default: 'free' } } });
    m.migrations.registerMigration({
      from: '1.0.0', to: '2.0.0', scopes: ['custom:users'],
      steps: [
        { type: 'rename', from: 'name', to: 'full_name' },
        { type: 'copy', from: 'full_name', to: 'display' },
        { type: 'convert', field: 'age', to_type: 'integer' },
        { type: 'split', from: 'tags', to: ['tag1', 'tag2', 'tag3'] },
        { type: 'merge', from: ['first', 'last'], to: 'short', merger: 'concat_strings' },
        { type: 'merge', from: ['score', 'bonus'], to: 'total', merger: 'sum_numbers' },
        { type: 'add', field: 'active', value: true },
        { type: 'default', field: 'nested.w', value: 0 },
        { type: 'remove', field: 'nested.v' },
        { type: 'custom', fn: (v: unknown, info: { key: string }) => ({ ...(v as object), migrated_key: info.key }) },
      ],
      validation: [{ field: 'age', rule: 'range', min: 0, max: 150 }, { field: 'full_name', rule: 'pattern', pattern: '^[A-Z]' }],
    });
    await expect(m.migrations.status()).resolves.toMatchObject({ current_version: '1.0.0', migration_available: true, latest_version: '2.0.0', is_latest: false, migration_targets: ['2.0.0'] });
    const result = await m.migrations.migrate('2.0.0');
    expect(result).toMatchObject({ success: true, status: 'completed', from_version: '1.0.0', to_version: '2.0.0', items_migrated: 2, items_scanned: 2, steps_completed: 10, total_steps: 10, errors: [] });
    await expect(m.get('custom:users', 'ann')).resolves.toEqual({
      full_name: 'Ann Lee', display: 'Ann Lee', age: 41, tag1: 'a', tag2: 'b', tag3: 'c', short: 'Ann Lee', total: 3,
      active: true, nested: { w: 0 }, plan: 'free', migrated_key: 'ann',
    });
    await expect(m.get('custom:users', 'bob')).resolves.toMatchObject({ short: 'Bob', tag1: 'x', tag2: null, age: 7 });
    await expect(m.get('global', 'counter')).resolves.toBe(5);
    await expect(store.get(SCHEMA_VERSION_KEY)).resolves.toBe('"2.0.0"');
    await expect(m.migrations.status()).resolves.toMatchObject({ current_version: '2.0.0', is_latest: true });
    await expect(m.migrations.migrate('2.0.0')).resolves.toMatchObject({ success: true, status: 'already_current' });
  });

  it('a dry run reports the changes and writes nothing', async () => {
    const { store, m } = await seeded();
    m.migrations.registerMigration({ from: '1', to: '2', scopes: ['custom:*'], steps: [{ type: 'remove', field: 'age' }] });
    const before = await snapshot(store);
    const result = await m.migrations.migrate('2.0.0', { dry_run: true });
    expect(result).toMatchObject({ success: true, status: 'dry_run', items_migrated: 2, dry_run: true });
    expect(result.preview[0]).toMatchObject({ scope: 'custom:users', key: 'ann', after: expect.not.objectContaining({ age: expect.anything() }) });
    await expect(snapshot(store)).resolves.toEqual(before);
  });

  it('a failing step rolls back: the store is exactly as before', async () => {
    const events = new ListEventSink();
    const { store, m } = await seeded(events);
    await m.set('custom:users', 'zed', { name: 'Zed', age: 'unknown' });
    m.migrations.registerMigration({
      from: '1.0.0', to: '2.0.0', scopes: ['custom:users'],
      steps: [{ type: 'rename', from: 'name', to: 'full_name' }, { type: 'convert', field: 'age', converter: 'parse_int' }],
    });
    const before = await snapshot(store);
    const result = await m.migrations.migrate('2.0.0');
    expect(result).toMatchObject({ success: false, status: 'rolled_back', items_migrated: 0, from_version: '1.0.0' });
    expect(result.errors.join()).toMatch(/step 2 \(convert\) failed on custom:users\/zed.*not an integer/);
    await expect(snapshot(store)).resolves.toEqual(before);
    await expect(m.migrations.status()).resolves.toMatchObject({ current_version: '1.0.0' });
    expect(events.events.map((e) => e.type)).toEqual(expect.arrayContaining(['migration.started', 'migration.failed']));
  });

  it('a throwing custom function and a broken validation rule both roll back', async () => {
    const { store, m } = await seeded();
    const before = await snapshot(store);
    m.migrations.registerMigration({ from: '1', to: '2', scopes: ['custom:users'], steps: [{ type: 'custom', fn: () => { throw new Error('custom broke'); } }] });
    await expect(m.migrations.migrate('2')).resolves.toMatchObject({ status: 'rolled_back', errors: [expect.stringContaining('custom broke')] });
    m.migrations.registerMigration({ from: '1', to: '2', scopes: ['custom:users'], steps: [{ type: 'add', field: 'x', value: 1 }], validation: [{ field: 'last', rule: 'not_null' }] });
    const failed = await m.migrations.migrate('2');
    expect(failed.status).toBe('rolled_back');
    expect(failed.errors.join()).toMatch(/custom:users\/bob: field 'last' must not be null/);
    await expect(snapshot(store)).resolves.toEqual(before);
    // basic validation turns violations into warnings and goes ahead
    const basic = await m.migrations.migrate('2', { validation_level: 'basic' });
    expect(basic).toMatchObject({ success: true, status: 'completed' });
    expect(basic.warnings.join()).toMatch(/must not be null/);
  });

  it('required fields of the target schema are enforced', async () => {
    const { m } = await seeded();
    m.migrations.registerSchema({ version: '2.0.0', fields: { email: { type: 'string', required: true } } });
    m.migrations.registerMigration({ from: '1.0.0', to: '2.0.0', scopes: ['custom:users'], steps: [] });
    const result = await m.migrations.migrate('2.0.0');
    expect(result.status).toBe('rolled_back');
    expect(result.errors.join()).toMatch(/field 'email' is required/);
  });

  it('follows a multi-hop path and stops with an error when there is none', async () => {
    const { m } = await seeded();
    m.migrations.registerMigration({ from: '1.0.0', to: '1.1.0', scopes: ['custom:users'], steps: [{ type: 'add', field: 'v11', value: true }] });
    m.migrations.registerMigration({ from: '1.1.0', to: '2.0.0', scopes: ['custom:users'], steps: [{ type: 'rename', from: 'v11', to: 'v2' }] });
    await expect(m.migrations.migrate('3.0.0')).resolves.toMatchObject({ success: false, status: 'failed', errors: [expect.stringMatching(/no registered migration path from 1.0.0 to 3.0.0/)] });
    await expect(m.migrations.migrate('2.0.0')).resolves.toMatchObject({ success: true, steps_completed: 2 });
    await expect(m.get('custom:users', 'ann')).resolves.toMatchObject({ v2: true });
    expect(m.migrations.versions()).toEqual(['1.0.0', '1.1.0', '2.0.0']);
  });

  it('a StateMigration hook can cancel a migration', async () => {
    const store = new MemoryStateStore();
    const hooks = new ListHookExecutor().on('StateMigration', () => ({ type: 'cancel', reason: 'freeze' }));
    const m = new StateManager({ store, hooks });
    await m.set('global', 'a', { x: 1 });
    m.migrations.registerMigration({ from: '1', to: '2', steps: [{ type: 'remove', field: 'x' }] });
    await expect(m.migrations.migrate('2')).resolves.toMatchObject({ status: 'rolled_back', errors: [expect.stringContaining('freeze')] });
    await expect(m.get('global', 'a')).resolves.toEqual({ x: 1 });
  });

  it('rejects malformed definitions naming the field', () => {
    const m = new StateManager({ store: new MemoryStateStore() });
    expect(() => m.migrations.registerMigration({ from: '1', to: '2', steps: [{ type: 'explode' }] })).toThrow(/migration.steps\[1\].type/);
    expect(() => m.migrations.registerMigration({ from: '1', to: '2', steps: [{ type: 'rename', from: 'a' }] })).toThrow(/migration.steps\[1\].to/);
    expect(() => m.migrations.registerMigration({ from: '1', to: '2', steps: [{ type: 'convert', field: 'a', converter: 'rot13' }] })).toThrow(/converter must be one of/);
    expect(() => m.migrations.registerMigration({ from: '1', to: '2', steps: [], validation: [{ field: 'a', rule: 'pattern', pattern: '(' }] })).toThrow(/not a valid regular expression/);
    expect(() => m.migrations.registerSchema({ version: 'x' })).toThrow(/schema.version/);
    expect(() => m.migrations.registerMigration({ from: '1', to: '2', steps: [], validation: [{ field: 'a', rule: 'pattern', pattern: '(a)\\1' }] })).toThrow(/backreference/);
  });
});

describe('migration run orders', () => {
  // Field-only paths run item by item (compiled); a custom step makes the engine run step by
  // step. A custom step that changes nothing must not change any outcome.
  async function run(withCustom: boolean, level: 'strict' | 'basic', extraStep?: Record<string, unknown>) {
    const store = new MemoryStateStore();
    const m = new StateManager({ store });
    for (let i = 0; i < 300; i++) {
      await m.set(i % 3 === 0 ? 'custom:other' : 'custom:users', `u${i}`, { name: `N${i}`, age: String(i % 90), n: { v: i }, drop: i % 2 === 0 ? 1 : undefined, email: i % 7 === 0 ? null : `e${i}` });
    }
    await m.set('global', 'plain', 'not an object');
    const noop = { type: 'custom', fn: () => undefined };
    m.migrations.registerSchema({ version: '1.1.0', fields: { plan: { type: 'string', default: 'free' } } });
    m.migrations.registerSchema({ version: '2.0.0', fields: { full_name: { type: 'string', required: true }, age: 'integer' } });
    m.migrations.registerMigration({
      from: '1.0.0', to: '1.1.0', scopes: ['custom:*'],
      steps: [{ type: 'rename', from: 'name', to: 'full_name' }, { type: 'remove', field: 'drop' }, ...(withCustom ? [noop] : []), { type: 'default', field: 'n.w', value: { x: [1] } }],
      validation: [{ field: 'email', rule: 'not_null' }],
    });
    m.migrations.registerMigration({
      from: '1.1.0', to: '2.0.0', scopes: ['custom:users'], key_prefix: 'u1',
      steps: [{ type: 'convert', field: 'age', converter: 'parse_int' }, ...(extraStep ? [extraStep] : []), ...(withCustom ? [noop] : [])],
      validation: [{ field: 'age', rule: 'range', max: 80 }],
    });
    const result = await m.migrations.migrate('1.1.0', { validation_level: level });
    const again = result.success ? await m.migrations.migrate('2.0.0', { validation_level: level }) : undefined;
    // The no-op custom steps add to the step counts; everything else must be identical.
    const strip = (r: typeof result | undefined) => r && { ...r, duration_ms: 0, timings_ms: undefined, steps_completed: 0, total_steps: 0 };
    return { result: strip(result), again: strip(again), data: await store.entries('') };
  }

  it.each(['strict', 'basic'] as const)('give the same results and data step by step as item by item (%s)', async (level) => {
    const fast = await run(false, level);
    const slow = await run(true, level);
    expect(fast.result?.success).toBe(level === 'basic');
    expect(fast.result?.[level === 'basic' ? 'warnings' : 'errors']).toHaveLength(level === 'basic' ? 43 : 44); // strict adds the summary line
    expect(fast).toEqual(slow);
  });

  it('a failing step leaves the store unchanged in both orders', async () => {
    const bad = { type: 'convert', field: 'full_name', converter: 'parse_int' };
    const fast = await run(false, 'basic', bad);
    const slow = await run(true, 'basic', bad);
    expect(fast.again).toMatchObject({ success: false, status: 'rolled_back' });
    expect(fast.again?.errors[0]).toMatch(/step 2 \(convert\) failed on custom:users\/u1: cannot convert field 'full_name'/);
    expect(fast.data).toEqual(slow.data);
    expect(fast.again?.errors[0]).toEqual(slow.again?.errors[0]);
  });
});

describe('migration reads', () => {
  it('reads only the named scopes when every hop names exact scopes, in key order', async () => {
    class Recording extends MemoryStateStore {
      prefixes: string[] = [];
      override async entries(prefix: string) {
        this.prefixes.push(prefix);
        return super.entries(prefix);
      }
    }
    const store = new Recording();
    const m = new StateManager({ store });
    for (const scope of ['custom:b', 'custom:a', 'global', 'agent:x']) for (const k of ['k2', 'k1']) await m.set(scope, k, { v: scope });
    m.migrations.registerMigration({ from: '1', to: '2', scopes: ['custom:b', 'custom:a', 'users'], steps: [{ type: 'add', field: 'done', value: true }] });
    const result = await m.migrations.migrate('2');
    expect(result).toMatchObject({ success: true, items_migrated: 4 });
    expect(store.prefixes).toEqual(['state:custom:a:', 'state:custom:b:']);
    expect(result.preview.map((p) => `${p.scope}/${p.key}`)).toEqual(['custom:a/k1', 'custom:a/k2', 'custom:b/k1', 'custom:b/k2']);
    await expect(m.get('global', 'k1')).resolves.toEqual({ v: 'global' });
    // A wildcard scope reads the whole namespace.
    store.prefixes = [];
    m.migrations.registerMigration({ from: '2', to: '3', scopes: ['agent:*'], steps: [{ type: 'add', field: 'done', value: true }] });
    await expect(m.migrations.migrate('3')).resolves.toMatchObject({ success: true, items_migrated: 2 });
    expect(store.prefixes).toEqual(['state:']);
  });
});
