import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli, scratch, write } from './helpers.js';

/**
 * rs-llmspell v0.5.0's Replay examples (copied unmodified into fixtures/rs-llmspell-replay)
 * run through the built CLI and print what they mean to print.
 */
const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'rs-llmspell-replay');

describe('Replay global', () => {
  test('examples/lua/hooks/replay.lua runs and prints real values', async () => {
    const r = await cli(['run', path.join(fixtures, 'replay.lua')]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    for (const line of [
      'Exact mode:\texact',
      'Config mode:\tmodified',
      'Should compare results:\ttrue',
      'Timeout seconds:\t30',
      'Modification 1 value:\t42.5',
      'Total modifications:\t2',
      'Cron schedule type:\tcron',
      'Results identical:\tfalse',
      'Similarity score:\t0.625',
      'Summary:\tFound 3 differences (2 changed, 1 added); similarity 0.625',
      '  [1] items[4]: added in replayed: 4',
      '  [2] metadata.timestamp: changed from 1234567890 to 1234567891',
      '  [3] value: changed from 42 to 43',
      'Complex comparison - Similarity:\t0.818',
      'Created\t4\twhat-if modifications',
      'Replay Lua example completed!',
    ]) expect(r.stdout.split('\n')).toContain(line);
  });

  test('the reference availability checks pass', async () => {
    const basic = await cli(['run', path.join(fixtures, 'test_replay_basic.lua')]);
    expect([basic.code, basic.stderr]).toEqual([0, '']);
    expect(basic.stdout).toContain('create_comparator function:\tfunction');
    expect(basic.stdout).toContain('Config creation successful:\ttrue');
    const minimal = await cli(['run', path.join(fixtures, 'test_replay_minimal.lua')]);
    expect(minimal.stdout).not.toContain('ERROR');
    expect(minimal.stdout.match(/SUCCESS/g)).toHaveLength(3);
    const globals = await cli(['run', path.join(fixtures, 'debug_globals.lua')]);
    expect(globals.stdout).toMatch(/✅ Replay: table\n {3}Keys: (?=.*schedules)(?=.*create_comparator)(?=.*create_modification)(?=.*modes)(?=.*create_config)/);
    expect(globals.stdout).not.toContain('❌ Replay');
  });

  test('a hook applies a config\'s modifications (Lua) and JavaScript gets the same API with 0-based paths', async () => {
    const dir = scratch();
    write(dir, 'whatif.lua', `
local config = Replay.create_config(Replay.modes.modified)
config:add_modification("context.data.input_value", 42.5)
local skipped = config:add_modification("context.data.multiplier", 3)
skipped:set_enabled(false)
Hook.register("custom:calc", function(ctx)
  return { type = "modified", data = config:apply(ctx).data }
end)
local r = Hook.fire("custom:calc", { input_value = 1, multiplier = 2 })
return r.data`);
    const lua = await cli(['run', 'whatif.lua'], { cwd: dir });
    expect([lua.code, lua.stderr]).toEqual([0, '']);
    expect(JSON.parse(lua.stdout.trim().split('\n').pop()!)).toEqual({ input_value: 42.5, multiplier: 2 });

    write(dir, 'compare.js', `
const c = Replay.create_comparator().compare_json({ items: [1, 2, 3] }, { items: [1, 2, 3, 4] });
const config = Replay.create_config(Replay.modes.debug);
config.add_modification('context.data.x', 1);
export default { paths: c.differences.map((d) => d.path), score: c.similarity_score, mode: config.get_mode().name(), n: config.get_modifications().length, once: Replay.schedules.once(5).type_name() };`);
    const js = await cli(['run', 'compare.js'], { cwd: dir });
    expect([js.code, js.stderr]).toEqual([0, '']);
    expect(JSON.parse(js.stdout.trim().split('\n').pop()!)).toEqual({ paths: ['items[3]'], score: 0.75, mode: 'debug', n: 1, once: 'once' });
  });
});
