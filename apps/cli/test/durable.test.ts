import { spawn } from 'node:child_process';
import path from 'node:path';
import { bin, cli, scratch, write } from './helpers.js';

const SCRIPT = `
local function step(name)
  return { name = name, type = "custom", execute = function(ctx)
    State.increment("global", "ran_" .. name, 1)
    print("done " .. name)
    return name
  end }
end
local wf = Workflow.sequential({ name = "durable", steps = {
  step("a"),
  step("b"),
  { name = "slow", type = "custom", execute = function(ctx)
      if State.load("global", "armed") == nil then
        State.save("global", "armed", true)
        print("sleeping")
        Utils.sleep(120)
      end
      State.increment("global", "ran_slow", 1)
      return "slow"
    end },
  step("c"),
} })
local r = wf:execute({ run_id = ARGS.run or "kill-test", input = { who = "test" } })
return { ok = r.success, last = r.data.final_output, resumed = r.metadata.resumed == true }
`;

describe('durable workflow runs on SQLite', () => {
  test('kill -9 mid-run, then `llmspell resume` finishes without re-running completed steps', async () => {
    const dir = scratch();
    write(dir, 'durable.lua', SCRIPT);
    const env = { HOME: dir, XDG_DATA_HOME: path.join(dir, '.data'), NO_COLOR: '1', PATH: process.env.PATH ?? '' };
    // First run: killed with SIGKILL while step "slow" sleeps.
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [bin, 'run', 'durable.lua', '--', '--run', 'kill-test'], { cwd: dir, env });
      let out = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`never reached the slow step: ${out}`));
      }, 30_000);
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('sleeping')) child.kill('SIGKILL');
      });
      child.on('exit', (_code, signal) => {
        clearTimeout(timer);
        expect(signal).toBe('SIGKILL');
        expect(out).toContain('done a');
        expect(out).toContain('done b');
        expect(out).not.toContain('done c');
        resolve();
      });
    });
    const resumed = await cli(['resume', 'kill-test'], { cwd: dir, env });
    expect(resumed.stderr).toContain("resuming run 'kill-test' of workflow 'durable' after 2 completed step(s)");
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).not.toContain('done a');
    expect(resumed.stdout).not.toContain('done b');
    expect(resumed.stdout).toContain('done c');
    expect(JSON.parse(resumed.stdout.trim().split('\n').pop()!)).toEqual({ ok: true, last: 'c', resumed: true });
    for (const [key, n] of [['ran_a', 1], ['ran_b', 1], ['ran_slow', 1], ['ran_c', 1]] as const) {
      const got = await cli(['state', 'get', 'global', key], { cwd: dir, env });
      expect([key, got.stdout.trim()]).toEqual([key, String(n)]);
    }
    // The completed run keeps only its result: running it again returns it without running steps.
    const again = await cli(['run', 'durable.lua', '--', '--run', 'kill-test'], { cwd: dir, env });
    expect(again.stdout).not.toContain('done');
    expect((await cli(['resume', 'no-such-run'], { cwd: dir, env })).stderr).toContain("no durable run 'no-such-run'");
  }, 90_000);
});
