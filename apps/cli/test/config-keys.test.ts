/**
 * Keys of llmspell.toml (packages/runtime/src/config/config-schema.ts) that no other test sets
 * from a config file: each is set to a value other than its default and the run is compared
 * with one without it, through the built CLI. Keys other tests already drive from a config file
 * (allow_file_access, allowed_paths, max_security_level, [mcp], [observability]…) are not
 * repeated; the keys accepted only for rs-llmspell's configs are reported by `llmspell validate`
 * when set to what llmspell does not do.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startMockLlmServer, type MockLlmServer } from '@llmspell/agents/testing';
import { QUEUE_DEFAULTS, queueSettings } from '@llmspell/queue';
import { loadConfig } from '@llmspell/runtime';
import { cli, scratch, write, type CliRun } from './helpers.js';

/** A project folder with this llmspell.toml (none when empty). */
function project(toml: string): string {
  const dir = scratch();
  if (toml) write(dir, 'llmspell.toml', toml);
  return dir;
}

async function exec(dir: string, code: string, args: string[] = []): Promise<CliRun> {
  return cli([...args, 'exec', code], { cwd: dir });
}

/** The Lua value returned by a call that may fail: its result, or its error message. */
const TRY = (call: string) => `local ok, r = pcall(${call}) if ok then return "ok" end return tostring(r)`;

describe('default_engine', () => {
  const lua = 'return "lua"';
  const js = 'export default "javascript " + (6 * 7);';
  const outcome = (run: CliRun) => [run.code, run.stdout, run.stderr];

  test('"javascript" runs `exec` code and a file without a known extension as JavaScript; --engine and a .lua extension still win', async () => {
    const dir = project('default_engine = "javascript"\n');
    write(dir, 'script', js);
    write(dir, 'script.lua', 'return "lua " .. _VERSION');
    expect(outcome(await exec(dir, js))).toEqual([0, 'javascript 42\n', '']);
    expect(outcome(await cli(['run', 'script'], { cwd: dir }))).toEqual([0, 'javascript 42\n', '']);
    expect(outcome(await cli(['run', 'script.lua'], { cwd: dir }))).toEqual([0, 'lua Lua 5.4\n', '']);
    expect((await exec(dir, lua, ['--engine', 'lua'])).stdout).toBe('lua\n');
    expect((await cli(['run', '--engine', 'lua', 'script'], { cwd: dir })).stderr).toMatch(/^SCRIPT_SYNTAX_ERROR: script:1: /);
    // errors name the inline script by the engine that ran it; `--output pretty` says which
    expect((await exec(dir, 'throw new Error("boom")')).stderr).toContain('SCRIPT_ERROR: <exec>.js:1: boom');
    expect((await exec(dir, 'error("boom")', ['--engine', 'lua'])).stderr).toContain('SCRIPT_ERROR: <exec>.lua:1: boom');
    expect((await exec(dir, js, ['--output', 'pretty'])).stdout).toContain('Engine: javascript');
    // the REPL too
    expect((await cli(['repl'], { cwd: dir, input: 'typeof globalThis\n' })).stdout).toBe('object\n');
    expect((await cli(['repl', '--engine', 'lua'], { cwd: dir, input: 'typeof globalThis\n' })).stderr).toMatch(/^SCRIPT_SYNTAX_ERROR: repl:1/);
  });

  test('the config in effect decides: a --config file, or one found in the user\'s config folder', async () => {
    const dir = project('');
    write(dir, 'js.toml', 'default_engine = "js"\n');
    expect((await exec(dir, js, ['--config', 'js.toml'])).stdout).toBe('javascript 42\n');
    write(dir, '.config/llmspell/config.toml', 'default_engine = "javascript"\n');
    expect((await exec(dir, js)).stdout).toBe('javascript 42\n');
  });

  test('unset or "lua": exec and a file without an extension run Lua, as before (.js/.mjs/.cjs files JavaScript)', async () => {
    for (const toml of ['', 'default_engine = "lua"\n']) {
      const dir = project(toml);
      write(dir, 'script', lua);
      expect(outcome(await exec(dir, lua))).toEqual([0, 'lua\n', '']);
      expect(outcome(await cli(['run', 'script'], { cwd: dir }))).toEqual([0, 'lua\n', '']);
      expect((await exec(dir, js)).stderr).toMatch(/^SCRIPT_SYNTAX_ERROR: <exec>\.lua:1: /);
      write(dir, 'script.cjs', js);
      expect((await cli(['run', 'script.cjs'], { cwd: dir })).stdout).toBe('javascript 42\n');
    }
  });

  test('an engine llmspell does not have is refused, naming the config that asked for it', async () => {
    const run = await exec(project('default_engine = "python"\n'), 'return 1');
    expect([run.code, run.stderr]).toEqual([1, expect.stringMatching(/^ENGINE_NOT_AVAILABLE: Script engine 'python' \(default_engine of .*llmspell\.toml\) is not available/)]);
    // `llmspell validate` finds it before any script runs; a known engine validates
    const validated = await cli(['validate'], { cwd: project('default_engine = "python"\n') });
    expect([validated.code, validated.stderr]).toEqual([1, expect.stringMatching(/^ENGINE_NOT_AVAILABLE: Script engine 'python' \(default_engine of .*llmspell\.toml\)/)]);
    expect((await cli(['validate'], { cwd: project('default_engine = "js"\n') })).code).toBe(0);
  });
});

describe('[runtime.security]', () => {
  let server: http.Server;
  let url: string;
  let hits = 0;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      hits += 1;
      res.end('pong');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('allow_network_access, allowed_domains and blocked_domains refuse a request the same config otherwise sends', async () => {
    const base = '[runtime.security]\nallow_private_network = true\n';
    const request = TRY(`Tool.invoke, "http_request", { input = "${url}" }`);
    const sent = await exec(project(base), request);
    expect([sent.stdout, hits]).toEqual(['ok\n', 1]);
    const refused = async (extra: string) => (await exec(project(base + extra), request)).stdout;
    expect(await refused('allow_network_access = false\n')).toMatch(/^NETWORK_NOT_ALLOWED: .*allow_network_access = false/);
    expect(await refused('allowed_domains = ["example.org"]\n')).toMatch(/^NETWORK_NOT_ALLOWED: .*127\.0\.0\.1 is not in the allowed domains/);
    expect(await refused('blocked_domains = ["127.0.0.1"]\n')).toMatch(/^NETWORK_NOT_ALLOWED: .*127\.0\.0\.1 is in the blocked domains/);
    expect(hits).toBe(1);
  });

  test('max_file_bytes caps what file tools write and read', async () => {
    const code = TRY('Tool.invoke, "file_operations", { operation = "write", path = "big.txt", input = string.rep("x", 200) }');
    expect((await exec(project(''), code)).stdout).toBe('ok\n');
    const dir = project('[runtime.security]\nmax_file_bytes = 100\n');
    expect((await exec(dir, code)).stdout).toMatch(/^SIZE_LIMIT_EXCEEDED: .*over the limit of 100 bytes/);
    fs.writeFileSync(path.join(dir, 'big.txt'), 'y'.repeat(200));
    expect((await exec(dir, TRY('Tool.invoke, "file_operations", { operation = "read", path = "big.txt" }'))).stdout).toMatch(/^SIZE_LIMIT_EXCEEDED: /);
  });

  test('max_extract_bytes caps the total a directory copy writes', async () => {
    const code = TRY('Tool.invoke, "file_operations", { operation = "copy", path = "d", target_path = "e", recursive = true }');
    const filled = (dir: string) => {
      write(dir, 'd/a.txt', 'a'.repeat(100));
      write(dir, 'd/b.txt', 'b'.repeat(100));
      return dir;
    };
    expect((await exec(filled(project('')), code)).stdout).toBe('ok\n');
    expect((await exec(filled(project('[runtime.security]\nmax_extract_bytes = 150\n')), code)).stdout)
      .toMatch(/^SIZE_LIMIT_EXCEEDED: .*total size of the copied directory is 200 bytes, over the limit of 150 bytes/);
  });

  test('script_timeout_seconds and max_execution_time_ms stop a looping script at the tighter of the two', async () => {
    const loop = 'while true do end';
    const bySeconds = await exec(project('[runtime]\nscript_timeout_seconds = 1\n'), loop);
    expect([bySeconds.code, bySeconds.stderr]).toEqual([1, expect.stringContaining('SCRIPT_TIMEOUT: <exec>.lua:1: script exceeded its time limit of 1000 ms')]);
    const byMs = await exec(project('[runtime]\nscript_timeout_seconds = 30\n[runtime.security]\nmax_execution_time_ms = 400\n'), loop);
    expect([byMs.code, byMs.stderr]).toEqual([1, expect.stringContaining('script exceeded its time limit of 400 ms')]);
  });

  test('max_memory_bytes, engines.lua.max_memory and engines.javascript.max_heap_size bound the engine each applies to', async () => {
    // about 30 MB: within the default limit (64 MiB), over 16 MiB
    const lua = 'local t = {} for i = 1, 300000 do t[i] = string.rep("x", 64) .. i end return #t';
    const js = 'const a = []; for (let i = 0; i < 300000; i++) a.push("x".repeat(64) + i); export default a.length;';
    const limit = 16 * 1024 * 1024;
    const overLimit = `SCRIPT_MEMORY_LIMIT: <exec>.lua: script exceeded its memory limit of ${limit} bytes`;
    expect((await exec(project(''), lua)).stdout).toBe('300000\n');
    expect((await exec(project(`[runtime.security]\nmax_memory_bytes = ${limit}\n`), lua)).stderr).toContain(overLimit);
    const engineLimits = project(`[engines.lua]\nmax_memory = ${limit}\n[engines.javascript]\nmax_heap_size = ${limit * 4}\n`);
    expect((await exec(engineLimits, lua)).stderr).toContain(overLimit);
    // Lua's setting is not JavaScript's: the same work fits in the JavaScript heap given
    expect((await exec(engineLimits, js, ['--engine', 'js'])).stdout).toBe('300000\n');
    const jsLimited = await exec(project(`[engines.javascript]\nmax_heap_size = ${limit}\n`), js, ['--engine', 'js']);
    expect(jsLimited.stderr).toMatch(/SCRIPT_MEMORY_LIMIT: <exec>.js:1: script exceeded its memory limit of 16 MiB/);
  });
});

describe('[runtime.state_persistence]', () => {
  test('enabled = false keeps state in memory: the next run does not see it', async () => {
    const save = 'State.save("global", "k", (State.load("global", "k") or 0) + 1) return State.load("global", "k")';
    const kept = project('[runtime]\n');
    await exec(kept, save);
    expect((await exec(kept, save)).stdout).toBe('2\n');
    const off = project('[runtime.state_persistence]\nenabled = false\n');
    await exec(off, save);
    expect((await exec(off, save)).stdout).toBe('1\n');
  });

  test('max_state_size_bytes refuses a larger value', async () => {
    const code = TRY('State.save, "global", "big", string.rep("x", 2000)');
    expect((await exec(project('[runtime]\n'), code)).stdout).toBe('ok\n');
    expect((await exec(project('[runtime.state_persistence]\nmax_state_size_bytes = 1000\n'), code)).stdout).toMatch(/^[A-Z_]+: .*1000/);
  });

  /** Creates a backup in `dir` (after one state write) and returns its metadata. */
  async function backup(dir: string, args: string[] = []): Promise<{ id: string; path: string; backup_type: string; compression: { algorithm: string; level: number } }> {
    expect((await exec(dir, 'State.save("global", "k", string.rep("abc", 100))')).code).toBe(0);
    const created = await cli(['backup', 'create', ...args, '--output', 'json'], { cwd: dir });
    expect(created.stderr).toBe('');
    const { id, path: file, backup_type } = JSON.parse(created.stdout);
    const info = JSON.parse((await cli(['backup', 'info', id, '--output', 'json'], { cwd: dir })).stdout);
    return { id, path: file, backup_type, compression: info.compression };
  }

  test('[backup] backup_dir, compression_enabled, compression_type and compression_level decide where and how a backup is written', async () => {
    const plain = await backup(project('[runtime]\n'));
    expect(plain.compression).toMatchObject({ algorithm: 'gzip', level: 3 });
    const section = '[runtime.state_persistence.backup]\n';
    const placed = project(`${section}backup_dir = "kept-backups"\ncompression_level = 9\n`);
    const nine = await backup(placed);
    expect(nine.compression).toMatchObject({ algorithm: 'gzip', level: 9 });
    expect(path.relative(path.join(placed, 'kept-backups'), nine.path)).not.toMatch(/^\.\./);
    expect((await backup(project(`${section}compression_enabled = false\n`))).compression).toMatchObject({ algorithm: 'none' });
    expect((await backup(project(`${section}compression_type = "none"\n`))).compression).toMatchObject({ algorithm: 'none' });
  });

  test('[backup] incremental_enabled = false makes every backup full; max_backups keeps only the newest', async () => {
    const chained = project('[runtime]\n');
    await backup(chained);
    expect((await backup(chained, ['--incremental'])).backup_type).toBe('incremental');
    const full = project('[runtime.state_persistence.backup]\nincremental_enabled = false\n');
    await backup(full);
    expect((await backup(full, ['--incremental'])).backup_type).toBe('full');

    const listed = async (dir: string) => (JSON.parse((await cli(['backup', 'list', '--output', 'json'], { cwd: dir })).stdout) as Array<{ id: string }>).map((b) => b.id);
    expect(await listed(chained)).toHaveLength(2);
    const one = project('[runtime.state_persistence.backup]\nmax_backups = 1\nincremental_enabled = false\n');
    await backup(one);
    const newest = await backup(one);
    expect(await listed(one)).toEqual([newest.id]);
  });

  test('[backup] max_backup_age: backups older than it are removed (the newest full one always stays)', async () => {
    const dir = project('[runtime.state_persistence.backup]\nincremental_enabled = false\n');
    const old = await backup(dir);
    const recent = await backup(dir);
    // the first one made two days ago (its metadata is unsigned JSON)
    const meta = path.join(path.dirname(old.path), `${old.id}.meta`);
    fs.writeFileSync(meta, JSON.stringify({ ...JSON.parse(fs.readFileSync(meta, 'utf8')), created_at: new Date(Date.now() - 2 * 86_400_000).toISOString() }));
    const cleanup = async () => JSON.parse((await cli(['backup', 'cleanup', '--output', 'json'], { cwd: dir })).stdout) as { deleted: string[] };
    expect((await cleanup()).deleted).toEqual([]); // the default keeps 30 days
    write(dir, 'llmspell.toml', '[runtime.state_persistence.backup]\nincremental_enabled = false\nmax_backup_age = 86400\n');
    expect((await cleanup()).deleted).toEqual([old.id]);
    expect(fs.existsSync(old.path)).toBe(false);
    expect(fs.existsSync(recent.path)).toBe(true);
  });

  test('backup_on_migration = false: a migration takes no backup first', async () => {
    const migrate = `
      State.save("custom:users", "ann", { name = "Ann" })
      State.register_schema({ version = "1.0.0", fields = { name = "string" } })
      State.register_schema({ version = "2.0.0", fields = { full_name = "string" } })
      State.register_migration({ from = "1.0.0", to = "2.0.0", scopes = { "custom:users" }, steps = { { type = "rename", from = "name", to = "full_name" } } })
      local r = State.migrate("2.0.0")
      return r.status .. " " .. State.load("custom:users", "ann").full_name .. " " .. #State.list_backups() .. (r.backup_id and " backup" or "")`;
    expect((await exec(project('[runtime]\n'), migrate)).stdout).toBe('completed Ann 1 backup\n');
    expect((await exec(project('[runtime.state_persistence]\nbackup_on_migration = false\n'), migrate)).stdout).toBe('completed Ann 0\n');
  });
});

describe('[events]', () => {
  test('max_subscriptions caps the subscriptions a script holds', async () => {
    const count = 'for n = 0, 19 do local ok, e = pcall(Event.subscribe, "topic." .. n) if not ok then return n .. " " .. tostring(e) end end return 20';
    expect((await exec(project('[events]\n'), count)).stdout).toBe('20\n');
    expect((await exec(project('[events]\nmax_subscriptions = 3\n'), count)).stdout).toBe('3 RATE_LIMITED: too many event subscriptions (max 3); unsubscribe some first\n');
  });
});

describe('[workflows]', () => {
  test('checkpoint_retention_runs and checkpoint_retention_days decide which durable runs a new run prunes', async () => {
    // three earlier runs of workflow "wf" (an hour, two hours and three days old), then a new one
    const runs = `
      local function ago(s) return os.date("!%Y-%m-%dT%H:%M:%S.000Z", os.time() - s) end
      for id, age in pairs({ hour = 3600, two_hours = 7200, three_days = 3 * 86400 }) do
        State.save("workflow:wf", "run:" .. id, { run_id = id, workflow = "wf", type = "sequential", status = "failed", started_at = ago(age), updated_at = ago(age), steps_completed = 0 })
      end
      Workflow.sequential({ name = "wf", steps = { { name = "s", type = "function", fn = function() return 1 end } } }):execute({ run_id = "new", input = {} })
      local ids = {}
      for _, k in ipairs(State.list("workflow:wf")) do if not k:find(":step:") then ids[#ids + 1] = k:sub(5) end end
      table.sort(ids)
      return table.concat(ids, " ")`;
    expect((await exec(project('[workflows]\n'), runs)).stdout).toBe('hour new three_days two_hours\n');
    expect((await exec(project('[workflows]\ncheckpoint_retention_days = 1\n'), runs)).stdout).toBe('hour new two_hours\n');
    expect((await exec(project('[workflows]\ncheckpoint_retention_runs = 1\n'), runs)).stdout).toBe('hour new\n');
    // a value that cannot be a retention is refused, not read as the default
    expect((await exec(project('[workflows]\ncheckpoint_retention_runs = 0\n'), runs)).stderr).toMatch(/^CONFIG_INVALID: .*workflows\.checkpoint_retention_runs must be a positive number, got 0/);
  });
});

describe('[providers.providers.NAME]', () => {
  let server: MockLlmServer;
  beforeAll(async () => {
    server = await startMockLlmServer();
  });
  afterAll(() => server.close());

  const provider = (extra: string) => project(`[providers]\ndefault_provider = "local"\n[providers.providers.local]\nprovider_type = "openai"\nbase_url = "${server.openaiBaseUrl}"\nmodel = "m"\n${extra}`);
  const ask = TRY('function() return Agent.create({}):invoke({ text = "hi" }).text end');

  test('max_tokens is sent as the output cap of every request', async () => {
    server.reply({ text: 'capped' });
    expect((await exec(provider('max_tokens = 77\n'), ask)).stdout).toBe('ok\n');
    expect(JSON.stringify(server.requests.at(-1)!.body)).toMatch(/"max_(completion_)?tokens":77/);
  });

  test('max_retries decides how often a refused request is sent again; an agent\'s own max_retries wins', async () => {
    /** Requests one call sends while the server refuses every one (429, retry at once). */
    const sends = async (dir: string, code = ask) => {
      const before = server.requests.length;
      server.setDefault({ status: 429, headers: { 'retry-after-ms': '1' } });
      try {
        expect((await exec(dir, code)).stdout).toMatch(/^RATE_LIMITED: /);
      } finally {
        server.setDefault({ text: 'answer' });
      }
      return server.requests.length - before;
    };
    expect(await sends(provider('max_retries = 0\n'))).toBe(1);
    const three = provider('max_retries = 3\n');
    expect(await sends(three)).toBe(4);
    expect(await sends(three, TRY('function() return Agent.create({ max_retries = 1 }):invoke({ text = "hi" }).text end'))).toBe(2);
  });

  test('timeout_seconds bounds an agent call that gets no answer; an agent\'s own timeout_ms wins', async () => {
    const dir = provider('timeout_seconds = 1\n');
    server.reply({ hang: true });
    expect((await exec(dir, ask)).stdout).toMatch(/^TIMEOUT: .*timed out after 1000 ms\n$/);
    server.reply({ hang: true });
    expect((await exec(dir, TRY('function() return Agent.create({ timeout_ms = 300 }):invoke({ text = "hi" }).text end'))).stdout).toMatch(/^TIMEOUT: .*timed out after 300 ms\n$/);
  });
});

describe('[queue]', () => {
  /** What `worker`, `submit` and `jobs` do with the config they load (queueSettingsFor). */
  const settingsOf = (toml: string, url?: string) => {
    const dir = project(toml);
    return queueSettings(loadConfig({ cwd: dir, env: { HOME: dir } }).config.queue as Record<string, unknown>, url);
  };

  test('every key reaches the queue settings (keep_completed and keep_failed bound the finished jobs kept); unset, the queue\'s defaults', () => {
    const toml = `[queue]
url = "redis://127.0.0.1:1"
name = "jobs"
attempts = 5
backoff_ms = 7
concurrency = 3
lock_duration_ms = 11
stalled_interval_ms = 13
max_stalled_count = 2
rate_limit_delay_ms = 17
max_rate_limit_delays = 4
keep_completed = 19
keep_failed = 23
`;
    expect(settingsOf(toml)).toEqual({
      url: 'redis://127.0.0.1:1', name: 'jobs', attempts: 5, backoffMs: 7, concurrency: 3, lockDurationMs: 11, stalledIntervalMs: 13,
      maxStalledCount: 2, rateLimitDelayMs: 17, maxRateLimitDelays: 4, keepCompleted: 19, keepFailed: 23,
    });
    expect(settingsOf(toml, 'redis://127.0.0.1:2').url).toBe('redis://127.0.0.1:2');
    expect(settingsOf('', 'redis://127.0.0.1:2')).toEqual({ ...QUEUE_DEFAULTS, url: 'redis://127.0.0.1:2' });
  });
});

describe('keys kept for rs-llmspell configs', () => {
  test('`validate` reports those set to what llmspell does not do, and no others', async () => {
    const quiet = await cli(['validate'], { cwd: project('[engines.lua]\nstdlib = "safe"\n[runtime]\nenable_streaming = true\n') });
    expect([quiet.code, quiet.stderr]).toEqual([0, '']);
    const told = await cli(['validate'], { cwd: project('[engines.lua]\nstdlib = "full"\n[runtime]\nmax_concurrent_scripts = 4\n[runtime.state_persistence.backup]\ncompression_type = "zstd"\n') });
    expect(told.code).toBe(0);
    expect(told.stderr).toContain('warning: engines.lua.stdlib = "full" has no effect in llmspell');
    expect(told.stderr).toContain('warning: runtime.max_concurrent_scripts = 4 has no effect in llmspell');
    expect(told.stderr).toContain('warning: runtime.state_persistence.backup.compression_type = "zstd" is not available: backups use gzip');
  });
});

describe('unknown keys', () => {
  const at = (dir: string, line: number) => `${path.join(dir, 'llmspell.toml')}:${line}`;

  test('a near miss of a known key is said once on stderr of every command that reads the config, not with --quiet; stdout is unchanged', async () => {
    const dir = project('[runtime]\nscript_timeout_seconds = 30\n[runtime.security]\nallow_file_acess = true\n');
    const said = `warning: ${at(dir, 4)}: unknown key 'runtime.security.allow_file_acess' is ignored (did you mean 'allow_file_access'?)\n`;
    // exec reads the config in its script host, `config` twice in the CLI process, the REPL in its
    // host, `resume` in the CLI process and then in the host that runs the script again
    expect(await exec(dir, 'return 1')).toEqual({ code: 0, stdout: '1\n', stderr: said });
    expect((await cli(['config'], { cwd: dir })).stderr).toBe(said);
    expect((await cli(['repl'], { cwd: dir, input: '1 + 1\n' }))).toEqual({ code: 0, stdout: '2\n', stderr: said });
    write(dir, 'wf.lua', 'return Workflow.sequential({ name = "w", steps = { { name = "s", type = "function", fn = function() return 1 end } } }):execute({ run_id = "r1", input = {} }).success');
    expect(await cli(['run', 'wf.lua'], { cwd: dir })).toEqual({ code: 0, stdout: 'true\n', stderr: said });
    const resumed = await cli(['resume', 'r1'], { cwd: dir });
    expect([resumed.code, resumed.stdout, resumed.stderr.split(said).length - 1]).toEqual([0, 'true\n', 1]);
    expect(await exec(dir, 'return 1', ['--quiet'])).toEqual({ code: 0, stdout: '1\n', stderr: '' });
  });

  test('a key close to none runs quietly and is listed by `validate` (also in its JSON)', async () => {
    const dir = project('[runtime.security]\ncolour = "red"\n');
    expect(await exec(dir, 'return 1')).toEqual({ code: 0, stdout: '1\n', stderr: '' });
    const listed = `${at(dir, 2)}: unknown key 'runtime.security.colour' is ignored`;
    expect((await cli(['validate'], { cwd: dir })).stderr).toBe(`warning: ${listed}\n`);
    expect(JSON.parse((await cli(['validate', '--output', 'json'], { cwd: dir })).stdout).warnings).toEqual([listed]);
  });
});
