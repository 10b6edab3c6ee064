import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SCRIPT_CALLBACK, isHostAsync, type EventSink, type StateStore, type HookContext, type HookExecutor, type HookPoint, type HookResult, type ScriptCallback, type ScriptValue,
} from '@llmspell/core';
import { StateManager, openStateStore } from '@llmspell/state';
import { MemoryStateStore } from '@llmspell/state-memory';
import { LlmspellRuntime } from '../index.js';

type Obj = Record<string, any>;
const made: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmspell-rt-state-'));
  made.push(dir);
  return dir;
};
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * The State functions as JavaScript sees them: save and load are hostAsync (they may answer
 * within the call); a bridge hands the script a promise either way, and so does this.
 */
function promised(state: Obj): Obj {
  const out: Obj = {};
  for (const [name, fn] of Object.entries(state)) {
    out[name] = !isHostAsync(fn) ? fn : (...args: unknown[]) => {
      try {
        return Promise.resolve(fn(...args));
      } catch (error) {
        return Promise.reject(error);
      }
    };
  }
  return out;
}

/** A script function as a bridge hands it to the host. */
function callback(fn: (...args: ScriptValue[]) => ScriptValue | Promise<ScriptValue>): ScriptCallback {
  return { [SCRIPT_CALLBACK]: true, language: 'lua', call: async (...args) => fn(...args), release: () => undefined };
}

class CancelWrites implements HookExecutor {
  readonly seen: HookContext[] = [];
  hasHooks(point: HookPoint) {
    return point === 'BeforeStateWrite';
  }
  async execute(_point: HookPoint, ctx: HookContext): Promise<HookResult> {
    this.seen.push(ctx);
    return ctx.data.key === 'frozen' ? { type: 'cancel', reason: 'frozen by policy' } : { type: 'modified', data: { value: ctx.data.value === 'shout' ? 'SHOUT' : ctx.data.value } };
  }
}

async function runtime(statePersistence: Record<string, unknown> = {}, options: { stateStore?: StateStore } = {}) {
  const backupDir = join(tmp(), 'backups');
  const rt = await LlmspellRuntime.create({
    config: { runtime: { state_persistence: { backup: { backup_dir: backupDir, max_backups: 0 }, ...statePersistence } } },
    stateStore: options.stateStore,
  });
  return { rt, State: promised(rt.buildGlobals({ language: 'lua' }).State as Obj), backupDir };
}

describe('State global (host functions)', () => {
  let rt: LlmspellRuntime;
  let State: Obj;
  let backupDir: string;
  beforeEach(async () => ({ rt, State, backupDir } = await runtime()));
  afterEach(() => rt.close());

  it('installs the manager as runtime.state and the stateManager service over an in-memory store', () => {
    expect(rt.state).toBeInstanceOf(StateManager);
    expect(rt.service('stateManager')).toBe(rt.state);
    expect(rt.stateStore).toBeInstanceOf(MemoryStateStore);
  });

  it('save/load/delete/list_keys by scope, isolated', async () => {
    await expect(State.save('agent:gpt', 'history', [{ role: 'user', content: 'hi' }])).resolves.toBeNull();
    await State.save('workflow:gpt', 'history', 'other');
    await expect(State.load('agent:gpt', 'history')).resolves.toEqual([{ role: 'user', content: 'hi' }]);
    await expect(State.load('workflow:gpt', 'history')).resolves.toBe('other');
    await expect(State.load('agent:gpt', 'missing')).resolves.toBeNull();
    await expect(State.list_keys('agent:gpt')).resolves.toEqual(['history']);
    await expect(State.delete('agent:gpt', 'history')).resolves.toBe(true);
    await expect(State.list_keys('agent:gpt')).resolves.toEqual([]);
    await expect(State.save('global', '__x', 1)).rejects.toMatchObject({ code: 'STATE_INVALID_KEY' });
  });

  it('DOC forms: set/get/delete/list in the global scope, and three-argument set', async () => {
    await State.set('theme', 'dark');
    await expect(State.get('theme')).resolves.toBe('dark');
    await expect(State.load('global', 'theme')).resolves.toBe('dark');
    await State.set('session:s1', 'theme', 'light');
    await expect(State.get('session:s1', 'theme')).resolves.toBe('light');
    await expect(State.get('theme')).resolves.toBe('dark');
    await expect(State.list()).resolves.toEqual(['theme']);
    await expect(State.exists('theme')).resolves.toBe(true);
    await expect(State.delete('theme')).resolves.toBe(true);
    await expect(State.get('theme')).resolves.toBeNull();
  });

  it('clear, increment and update (with a script callback)', async () => {
    await State.save('custom:c', 'a', 1);
    await State.save('custom:c', 'b', 2);
    await expect(State.clear('custom:c')).resolves.toBe(2);
    await expect(State.clear()).rejects.toThrow(/scope is required/);
    await expect(Promise.all([State.increment('global', 'n', 2), State.increment('global', 'n', 3), State.increment('global', 'n')])).resolves.toEqual(expect.arrayContaining([6]));
    await expect(State.load('global', 'n')).resolves.toBe(6);
    await expect(State.increment('global', 'n', 'x')).rejects.toThrow(/delta must be a number/);
    const seen: ScriptValue[] = [];
    const append = callback((current) => {
      seen.push(current);
      return [...((current as ScriptValue[] | null) ?? []), 'item'];
    });
    await expect(State.update('global', 'list', append)).resolves.toEqual(['item']);
    await expect(State.update('global', 'list', append)).resolves.toEqual(['item', 'item']);
    expect(seen).toEqual([null, ['item']]);
    await expect(State.update('global', 'list', 'not a function')).rejects.toThrow(/fn must be a function/);
  });

  it('circular values and secrets are handled at the boundary', async () => {
    const loop: Obj = { a: 1 };
    loop.self = loop;
    await expect(State.save('global', 'loop', loop)).rejects.toMatchObject({ code: 'STATE_CIRCULAR_VALUE' });
    await State.save('global', 'cfg', { api_key: 'abcdefghijkl1234' });
    await expect(State.load('global', 'cfg')).resolves.toEqual({ api_key: '[REDACTED]' });
  });

  it('register_schema / register_migration (script callback step) / migration_status / migrate', async () => {
    await State.save('custom:users', 'ann', { name: 'Ann', age: '41' });
    // Before any schema: the reference's answer, which its migration scripts test for.
    await expect(State.migration_status()).resolves.toMatchObject({ current_version: 'unknown', migration_available: false, error: 'No current schema found' });
    State.register_schema({ version: '1.0.0', fields: { name: 'string' } });
    State.register_schema({ version: '2.0.0', fields: { full_name: { type: 'string', required: true }, age: 'integer' } });
    expect(State.register_migration({
      from: '1.0.0', to: '2.0.0', scopes: ['custom:users'],
      steps: [
        { type: 'rename', from: 'name', to: 'full_name' },
        { type: 'convert', field: 'age', converter: 'parse_int' },
        { type: 'custom', fn: callback((v) => ({ ...(v as Obj), via: 'lua' })) },
      ],
    })).toEqual({ from: '1.0.0', to: '2.0.0', steps: 3, validation_rules: 0 });
    expect(State.schema_versions()).toEqual(['1.0.0', '2.0.0']);
    await expect(State.migration_status()).resolves.toMatchObject({ current_version: '1.0.0', migration_available: true, migration_targets: ['2.0.0'] });
    expect((await State.migration_status()).error).toBeUndefined();
    await expect(State.migrate({ target_version: '2.0.0', dry_run: true })).resolves.toMatchObject({ success: true, status: 'dry_run', items_migrated: 1 });
    await expect(State.load('custom:users', 'ann')).resolves.toEqual({ name: 'Ann', age: '41' });
    const result = await State.migrate({ target_version: '2.0.0', backup: true });
    expect(result).toMatchObject({ success: true, status: 'completed', from_version: '1.0.0', to_version: '2.0.0', items_migrated: 1 });
    expect(result.backup_id).toMatch(/^backup_/);
    await expect(State.list_backups()).resolves.toHaveLength(1);
    await expect(State.load('custom:users', 'ann')).resolves.toEqual({ full_name: 'Ann', age: 41, via: 'lua' });
    await expect(State.migration_status()).resolves.toMatchObject({ current_version: '2.0.0', is_latest: true });
  });

  it('a failing migration step leaves everything as it was', async () => {
    await State.save('custom:users', 'x', { age: 'old' });
    State.register_migration({ from: 1, to: 2, steps: [{ type: 'custom', fn: callback(() => { throw new Error('lua error: boom'); }) }] });
    await expect(State.migrate(2)).resolves.toMatchObject({ success: false, status: 'rolled_back', errors: [expect.stringContaining('boom')] });
    await expect(State.load('custom:users', 'x')).resolves.toEqual({ age: 'old' });
  });

  it('create_backup / list_backups / validate_backup / restore_backup / get_storage_usage / cleanup_backups', async () => {
    await State.save('global', 'a', 1);
    const full = await State.create_backup();
    expect(full).toMatchObject({ success: true, backup_type: 'full' });
    await State.save('global', 'a', 2);
    await State.save('agent:x', 'b', true);
    const inc = await State.create_backup(true);
    expect(inc).toMatchObject({ success: true, backup_type: 'incremental', parent_id: full.id });
    expect(readdirSync(backupDir).sort()).toEqual([`${full.id}.backup`, `${full.id}.meta`, `${inc.id}.backup`, `${inc.id}.meta`].sort());
    const listed = await State.list_backups();
    expect(listed).toHaveLength(2);
    // Times are Unix seconds for scripts (the reference examples do `os.date(fmt, b.created_at)`).
    const now = Date.now() / 1000;
    for (const b of listed) {
      expect(Math.abs(b.created_at - now)).toBeLessThan(60);
      expect(Date.parse(b.created_at_iso) / 1000).toBeCloseTo(b.created_at, -1);
      expect(b.size_bytes).toBe(statSync(`${backupDir}/${b.id}.backup`).size);
    }
    expect(listed.map((b: any) => [b.id, b.is_incremental, b.entry_count])).toEqual(expect.arrayContaining([[full.id, false, 1], [inc.id, true, 2]]));
    expect(inc).toMatchObject({ is_incremental: true, created_at: listed.find((b: any) => b.id === inc.id).created_at });
    await expect(State.backup_info(inc.id)).resolves.toMatchObject({ id: inc.id, is_incremental: true, created_at: expect.any(Number) });
    await expect(State.validate_backup(inc.id)).resolves.toMatchObject({ valid: true, chain: [full.id, inc.id] });
    await expect(State.restore_backup(full.id)).resolves.toMatchObject({ success: true, removed_keys: 1 });
    await expect(State.load('global', 'a')).resolves.toBe(1);
    await expect(State.load('agent:x', 'b')).resolves.toBeNull();
    await expect(State.backup_info(full.id)).resolves.toMatchObject({ id: full.id, backup_type: 'full' });
    await expect(State.get_storage_usage()).resolves.toMatchObject({ total_backups: 2, full_backups: 1, incremental_backups: 1, state_keys: 1 });
    await expect(State.cleanup_backups(true)).resolves.toMatchObject({ success: true, dry_run: true, deleted: [], deleted_count: 0, retained_count: 2, space_freed: 0 });
    // An id naming no backup is a `success = false` answer, as the reference's scripts expect.
    await expect(State.restore_backup('backup_1_ffffffffffffffff')).resolves.toMatchObject({ success: false, code: 'BACKUP_NOT_FOUND', backup_id: 'backup_1_ffffffffffffffff' });
    await expect(State.restore_backup('day2_backup_id')).resolves.toMatchObject({ success: false, code: 'INVALID_ARGUMENT', error: expect.stringMatching(/backup id must look like/) });
    await expect(State.restore_backup(7)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(State.load('global', 'a')).resolves.toBe(1);
  });
});

describe('State global and the runtime', () => {
  it('fires BeforeStateWrite through runtime.hooks (cancel, modify) and publishes state.changed on runtime.events', async () => {
    const { rt, State } = await runtime();
    const hooks = new CancelWrites();
    const published: Array<[string, unknown]> = [];
    const events: EventSink = { publish: (type, data) => published.push([type, data]) };
    rt.hooks = hooks;
    rt.events = events;
    await expect(State.save('global', 'frozen', 1)).rejects.toMatchObject({ code: 'HOOK_CANCELLED' });
    await expect(State.load('global', 'frozen')).resolves.toBeNull();
    await State.save('global', 'word', 'shout');
    await expect(State.load('global', 'word')).resolves.toBe('SHOUT');
    expect(hooks.seen[1]).toMatchObject({ point: 'BeforeStateWrite', language: 'lua', data: { scope: 'global', key: 'word', value: 'shout' } });
    expect(published).toEqual([['state.changed', { operation: 'set', scope: 'global', key: 'word', old_value: null, new_value: 'SHOUT' }]]);
    await rt.close();
  });

  it('works with the real hooks feature: a registered BeforeStateWrite hook modifies, the event bus delivers state.changed', async () => {
    const { rt, State } = await runtime();
    const registry = rt.service<{ register(reg: { point: string; handler: (ctx: HookContext) => HookResult | Promise<HookResult> }): unknown }>('hookRegistry');
    const bus = rt.service<{ subscribe(pattern: string): { receive(timeoutMs: number): Promise<{ event_type?: string; data: unknown } | null> } }>('eventBus');
    expect(registry && bus).toBeTruthy();
    registry!.register({ point: 'BeforeStateWrite', handler: (ctx) => (typeof ctx.data.value === 'string' ? { type: 'modified', data: (ctx.data.value as string).toUpperCase() } : { type: 'continue' }) });
    registry!.register({ point: 'BeforeStateWrite', handler: (ctx) => (ctx.data.key === 'frozen' ? { type: 'cancel', reason: 'no' } : { type: 'continue' }) });
    const sub = bus!.subscribe('state.*');
    await State.save('global', 'word', 'quiet');
    await expect(State.load('global', 'word')).resolves.toBe('QUIET');
    await expect(State.save('global', 'frozen', 1)).rejects.toMatchObject({ code: 'HOOK_CANCELLED' });
    const event = await sub.receive(2000);
    expect(event).toMatchObject({ data: { operation: 'set', scope: 'global', key: 'word', old_value: null, new_value: 'QUIET' } });
    await rt.close();
  });

  it('uses the store the CLI passes, and config switches (secret refusal, disabled backups/migrations)', async () => {
    const path = join(tmp(), 'state.db');
    const { rt, State } = await runtime({ secret_values: 'refuse', backup_enabled: false, migration_enabled: false }, { stateStore: await openStateStore({ backend_type: 'sqlite', path }, {}) });
    await State.save('global', 'ok', { x: 1 });
    await expect(State.save('global', 'cfg', { password: 'hunter2hunter2' })).rejects.toMatchObject({ code: 'STATE_SECRET_REFUSED' });
    await expect(State.create_backup()).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(State.migrate('2.0.0')).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await rt.close();
    const reopened = new StateManager({ store: await openStateStore({ backend_type: 'sqlite', path }, {}) });
    await expect(reopened.get('global', 'ok')).resolves.toEqual({ x: 1 });
    await reopened.close();
  });

  it('redacts secrets the runtime knows from the environment', async () => {
    process.env.LLMSPELL_STATE_TEST_API_KEY = 'plain-looking-value-98765';
    try {
      const { rt, State } = await runtime();
      await State.save('global', 'note', 'the key is plain-looking-value-98765');
      await expect(State.load('global', 'note')).resolves.toBe('the key is [REDACTED]');
      await rt.close();
    } finally {
      delete process.env.LLMSPELL_STATE_TEST_API_KEY;
    }
  });
});
