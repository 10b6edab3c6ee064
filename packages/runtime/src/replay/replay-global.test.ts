import { HOST_METHOD } from '@llmspell/core';
import { LlmspellRuntime } from '../index.js';

type Obj = Record<string, any>;

describe('Replay global (host level)', () => {
  let rt: LlmspellRuntime;
  let lua: Obj;
  let js: Obj;
  beforeAll(async () => {
    rt = await LlmspellRuntime.create();
    lua = rt.buildGlobals({ language: 'lua' }).Replay as Obj;
    js = rt.buildGlobals({ language: 'javascript' }).Replay as Obj;
  });
  afterAll(() => rt.close());

  test('both engines get the same members, with methods callable as obj:method()', () => {
    expect(Object.keys(lua).sort()).toEqual(['create_comparator', 'create_config', 'create_modification', 'modes', 'schedules']);
    expect(Object.keys(js).sort()).toEqual(Object.keys(lua).sort());
    expect(Object.keys(lua.modes)).toEqual(['exact', 'modified', 'simulate', 'debug']);
    expect(lua.modes.exact.name[HOST_METHOD]).toBe(true);
    expect(lua.modes.simulate.name()).toBe('simulate');
  });

  test('create_config: v0.5.0 defaults; the mode by Replay.modes value, by name, or exact by default', () => {
    const config = lua.create_config(lua.modes.modified);
    expect([config.get_mode().name(), config.should_compare_results(), config.get_timeout_seconds(), config.should_stop_on_error(), config.get_modifications()])
      .toEqual(['modified', true, 30, true, []]);
    expect(lua.create_config().get_mode().name()).toBe('exact');
    expect(lua.create_config('Debug').get_mode().name()).toBe('debug');
    expect(() => lua.create_config('fast')).toThrow("INVALID_ARGUMENT: Replay.create_config: parameter 'mode' must be one of Replay.modes (exact, modified, simulate, debug)");
    expect(() => lua.create_config({ name: 'exact' })).toThrow(/parameter 'mode'/);
  });

  test('modifications: validated paths, copied values, live enabled flag shared with the config', () => {
    const mod = lua.create_modification('context.data.input_value', 42.5, true);
    expect([mod.get_path(), mod.get_value(), mod.is_enabled()]).toEqual(['context.data.input_value', 42.5, true]);
    expect(lua.create_modification('context.metadata.tag', 'x').is_enabled()).toBe(true);
    const config = lua.create_config(lua.modes.modified);
    config.add_modification('context.data.test_value', 'modified', true);
    config.add_modification(mod);
    const listed = config.get_modifications();
    expect(listed.map((m: Obj) => m.get_path())).toEqual(['context.data.test_value', 'context.data.input_value']);
    listed[0].set_enabled(false);
    mod.set_enabled(false);
    expect(config.get_modifications().map((m: Obj) => m.is_enabled())).toEqual([false, false]);
    const value = { list: [1, 2] };
    const copied = lua.create_modification('context.data.v', value);
    value.list.push(3);
    expect(copied.get_value()).toEqual({ list: [1, 2] });

    expect(() => lua.create_modification('point', 1)).toThrow("INVALID_ARGUMENT: Replay.create_modification: path 'point' must be context.data.<key> or context.metadata.<key>");
    expect(() => lua.create_modification('context.data.', 1)).toThrow(/path 'context.data.'/);
    expect(() => lua.create_modification(7, 1)).toThrow("parameter 'path' must be a string");
    expect(() => lua.create_modification('context.data.x', 1, 'yes')).toThrow("parameter 'enabled' must be a boolean");
    expect(() => mod.set_enabled(1)).toThrow("parameter 'enabled' must be a boolean");
    expect(() => config.add_modification('context.data.f', () => 1)).toThrow("INVALID_ARGUMENT: Replay config:add_modification: value is a function");
  });

  test('config:apply returns a modified copy of a hook context: enabled modifications in order, nil removes', () => {
    const config = js.create_config(js.modes.modified);
    config.add_modification('context.data.input_value', 42.5);
    config.add_modification('data.nested.deep', [1, 2]);
    config.add_modification('context.metadata.note', 'what-if');
    config.add_modification('context.data.drop', null);
    config.add_modification('context.data.input_value', 7, false);
    const ctx = { point: 'custom:x', data: { input_value: 1, drop: 'x', keep: true }, metadata: {} };
    const applied = config.apply(ctx);
    expect(applied).toEqual({ point: 'custom:x', data: { input_value: 42.5, keep: true, nested: { deep: [1, 2] } }, metadata: { note: 'what-if' } });
    expect(ctx).toEqual({ point: 'custom:x', data: { input_value: 1, drop: 'x', keep: true }, metadata: {} });
    expect(() => config.apply('ctx')).toThrow("INVALID_ARGUMENT: Replay config:apply: parameter 'context' must be a table");
    const deep = js.create_config();
    deep.add_modification('context.data.n.x', 1);
    expect(() => deep.apply({ data: { n: 5 } })).toThrow("cannot apply 'context.data.n.x': context.data.n is a number, not a table");
  });

  test('schedules describe once / interval / cron, validated', () => {
    expect(lua.schedules.once(5).type_name()).toBe('once');
    const every = lua.schedules.interval(10, 60, 5);
    expect([every.type_name(), every.initial_delay_seconds, every.interval_seconds, every.max_executions]).toEqual(['interval', 10, 60, 5]);
    expect(lua.schedules.interval(0, 1).max_executions).toBeNull();
    expect(lua.schedules.cron('hourly')).toMatchObject({ type: 'cron', expression: 'hourly' });
    expect(() => lua.schedules.once(-1)).toThrow("INVALID_ARGUMENT: Replay.schedules.once: parameter 'delay' must be a number of seconds >= 0");
    expect(() => lua.schedules.interval(1, 0)).toThrow("parameter 'interval' must be more than 0 seconds");
    expect(() => lua.schedules.interval(1, 1, 1.5)).toThrow("parameter 'max' must be a positive whole number");
    expect(() => lua.schedules.cron(' ')).toThrow("parameter 'expression' must be a non-empty string");
  });

  test('compare_json: array paths in the language\'s index base; ignore_paths; non-JSON input named', () => {
    const a = { items: [1, 2, 3], metadata: { timestamp: 1 } };
    const b = { items: [1, 2, 3, 4], metadata: { timestamp: 2 } };
    expect(lua.create_comparator().compare_json(a, b).differences.map((d: Obj) => d.path)).toEqual(['items[4]', 'metadata.timestamp']);
    expect(js.create_comparator().compare_json(a, b).differences.map((d: Obj) => d.path)).toEqual(['items[3]', 'metadata.timestamp']);
    const ignoring = lua.create_comparator({ ignore_paths: ['metadata.timestamp'] }).compare_json(a, b);
    expect([ignoring.similarity_score, ignoring.summary]).toEqual([0.75, 'Found 1 difference (1 added); similarity 0.75']);
    expect(() => lua.create_comparator({ ignore_paths: 'x' })).toThrow("options.ignore_paths must be a list");
    expect(() => lua.create_comparator().compare_json({ f: lua.create_config }, {})).toThrow('INVALID_ARGUMENT: Replay comparator:compare_json: original.f is a function');
  });
});
