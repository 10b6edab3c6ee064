/**
 * Traces, the run history and the viewer's API as a new user meets them: the built CLI, a
 * workflow with tool and agent steps against the local OpenAI-compatible server, a local
 * OTLP collector, `llmspell runs` and `llmspell ui`.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import { startMockLlmServer, type MockLlmServer } from '@llmspell/agents/testing';
import { json, redisSkipReason, startRedis, startServer } from '@llmspell/core/testing';
import type { RunSummary } from '@llmspell/telemetry';
import { startOtlpCollector, type OtlpCollector } from '@llmspell/telemetry/testing';
import { bin, cli, scratch, write } from './helpers.js';
import { startUi } from './telemetry-ui-server.js';

const WORKFLOW = `
local writer = Agent.create({ name = "writer", model = "openai/gpt-4o-mini", system_prompt = "Answer briefly." })
local wf = Workflow.sequential({ name = "report", steps = {
  { name = "total", tool = "calculator", input = { input = "6*7" } },
  { name = "tell", agent = writer, input = "Say {{step:total:output}} in words" },
}})
local r = wf:execute({})
return r.data.final_output`;

let llm: MockLlmServer;
let collector: OtlpCollector;
beforeAll(async () => {
  llm = await startMockLlmServer();
  collector = await startOtlpCollector();
});
afterAll(async () => {
  await llm.close();
  await collector.close();
});

function envFor(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOME: dir, XDG_DATA_HOME: path.join(dir, '.data'), PATH: process.env.PATH ?? '', NO_COLOR: '1',
    OPENAI_BASE_URL: llm.openaiBaseUrl, OPENAI_API_KEY: 'test-key-123456', LLMSPELL_ALLOW_PRIVATE_NETWORK: 'true',
    ...extra,
  };
}

test('the issue check: spans naming the tool and the model reach the collector; runs list and /api/runs have the run', async () => {
  const dir = scratch();
  write(dir, 'report.lua', WORKFLOW);
  llm.reply({ text: 'forty-two', usage: { input: 14, output: 2 } });
  const r = await cli(['run', 'report.lua'], { cwd: dir, env: envFor(dir, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }) });
  expect([r.code, r.stderr]).toEqual([0, '']);
  expect(r.stdout).toBe('forty-two\n');
  const spans = await collector.waitForSpans((s) => s.some((x) => x.name === 'run report.lua'));
  const tool = spans.find((s) => s.name === 'execute_tool calculator');
  const agent = spans.find((s) => s.name === 'invoke_agent writer');
  expect(tool?.attributes['gen_ai.tool.name']).toBe('calculator');
  expect(agent?.attributes).toMatchObject({ 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 14, 'gen_ai.usage.output_tokens': 2 });
  expect(spans.find((s) => s.name === 'run report.lua')?.resource['service.name']).toBe('llmspell');
  // Without capture_content no prompt, no answer and never a key goes into a span.
  const exported = JSON.stringify(spans.filter((s) => s.traceId === agent?.traceId));
  expect(llm.requests.at(-1)?.lastUserText).toContain('in words');
  for (const text of ['in words', 'forty-two', 'Answer briefly', 'test-key-123456']) expect(exported).not.toContain(text);

  const listed = await cli(['runs', 'list', '--output', 'json'], { cwd: dir, env: envFor(dir) });
  expect(listed.code).toBe(0);
  const runs = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
  expect(runs).toHaveLength(1);
  expect(runs[0]).toMatchObject({
    script: 'report.lua', status: 'ok', steps: 2, tool_calls: 1, agent_calls: 1, exported: true,
    tokens: { input: 14, output: 2, total: 16 }, trace_id: spans[0].traceId,
  });
  for (const key of ['id', 'started_at', 'duration_ms', 'cost_usd']) expect(runs[0]).toHaveProperty(key);

  const ui = await startUi(dir, envFor(dir));
  try {
    const page = await fetch(ui.url, { headers: ui.auth });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('<div id="app">');
    // Every script and stylesheet the page loads is served by the same server.
    for (const m of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      if (m[1].startsWith('data:')) continue;
      expect(m[1]).toMatch(/^\.\/assets\//);
      expect((await fetch(new URL(m[1], ui.url), { headers: ui.auth })).status).toBe(200);
    }
    const api = await (await fetch(new URL('api/runs', ui.url), { headers: ui.auth })).json() as Array<Record<string, unknown>>;
    expect(api).toEqual(runs);
    const one = await (await fetch(new URL(`api/runs/${String(runs[0].id)}`, ui.url), { headers: ui.auth })).json() as { span_tree: Array<{ name: string }> };
    expect(one.span_tree.map((s) => s.name)).toEqual(expect.arrayContaining(['run report.lua', 'workflow report', 'step total', 'execute_tool calculator', 'invoke_agent writer']));
    expect((await fetch(new URL('api/runs?status=error', ui.url), { headers: ui.auth }).then((x) => x.json()))).toEqual([]);
    expect((await fetch(new URL('api/runs/nope', ui.url), { headers: ui.auth })).status).toBe(404);
    expect((await fetch(new URL('api/runs?status=bogus', ui.url), { headers: ui.auth })).status).toBe(400);
    expect((await fetch(new URL('../../etc/passwd', ui.url), { headers: ui.auth })).status).toBe(404);
    expect((await fetch(new URL('api/runs', ui.url), { method: 'POST', headers: ui.auth })).status).toBe(405);
    // A page on another origin that points its own name at 127.0.0.1 (DNS rebinding) is refused.
    const rebound = await new Promise<number>((resolve, reject) => {
      const u = new URL('api/runs', ui.url);
      http.get({ host: '127.0.0.1', port: u.port, path: u.pathname, headers: { ...ui.auth, host: 'attacker.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(rebound).toBe(403);
  } finally {
    await ui.stop();
  }
});

test('[observability] capture_content = true puts prompts, answers and tool arguments into the spans and the history, still no key', async () => {
  const dir = scratch();
  write(dir, 'report.lua', WORKFLOW);
  write(dir, 'llmspell.toml', '[observability]\ncapture_content = true\n');
  llm.reply({ text: 'forty-two', usage: { input: 14, output: 2 } });
  const r = await cli(['run', 'report.lua'], { cwd: dir, env: envFor(dir, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }) });
  expect([r.code, r.stdout]).toEqual([0, 'forty-two\n']);
  const run = JSON.parse((await cli(['runs', 'show', 'latest', '--output', 'json'], { cwd: dir, env: envFor(dir) })).stdout) as {
    trace_id: string; content_captured: boolean; span_tree: Array<{ name: string; input?: string; output?: string }>;
  };
  expect(run.content_captured).toBe(true);
  const spans = (await collector.waitForSpans((all) => all.some((x) => x.traceId === run.trace_id && x.name === 'run report.lua'))).filter((x) => x.traceId === run.trace_id);
  const agent = spans.find((x) => x.name === 'invoke_agent writer')!;
  expect(String(agent.attributes['gen_ai.input.messages'])).toContain('in words');
  expect(String(agent.attributes['gen_ai.output.messages'])).toContain('forty-two');
  expect(String(spans.find((x) => x.name === 'execute_tool calculator')!.attributes['gen_ai.tool.call.arguments'])).toContain('6*7');
  const stored = run.span_tree.find((x) => x.name === 'invoke_agent writer')!;
  expect([stored.input, stored.output]).toEqual([expect.stringContaining('in words'), expect.stringContaining('forty-two')]);
  expect(JSON.stringify(spans) + JSON.stringify(run)).not.toContain('test-key-123456');
});

test('a run whose script host had to be killed (Ctrl-C a busy script cannot see) is in the history as CANCELLED', async () => {
  const dir = scratch();
  // The script tells the test it runs (one HTTP call), then spins where no cancel reaches it.
  let called!: () => void;
  const calling = new Promise<void>((resolve) => (called = resolve));
  const signal = await startServer((_req, res) => {
    called();
    json(res, 200, { ok: true });
  });
  try {
    write(dir, 'spin.lua', `Tool.invoke("http_request", { url = "${signal.url}/started" })\nwhile true do end`);
    const child = spawn(process.execPath, [bin, 'run', 'spin.lua'], { cwd: dir, env: envFor(dir), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdout!.resume();
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await calling;
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(stderr).toBe('CANCELLED: spin.lua: interrupted (Ctrl-C)\n');
    const [run] = JSON.parse((await cli(['runs', 'list', '--output', 'json'], { cwd: dir, env: envFor(dir) })).stdout) as RunSummary[];
    expect(run).toMatchObject({ script: 'spin.lua', status: 'error', error_code: 'CANCELLED', error: 'spin.lua: interrupted (Ctrl-C)' });
    expect(run.duration_ms).toBeGreaterThan(0);
    const shown = await cli(['runs', 'show', run.id], { cwd: dir, env: envFor(dir) });
    expect(shown.stdout).toMatch(/run spin\.lua\s+✗ CANCELLED: spin\.lua: interrupted \(Ctrl-C\)/);
  } finally {
    await signal.close();
  }
});

test('runs list filters and runs show draws the timeline; a failed step is marked with its code', async () => {
  const dir = scratch();
  write(dir, 'ok.lua', 'return Tool.invoke("calculator", { input = "1+1" }).result.result');
  write(dir, 'bad.lua', `
local wf = Workflow.sequential({ name = "breaks", steps = {
  { name = "fine", tool = "calculator", input = { input = "1+1" } },
  { name = "broken", tool = "calculator", input = { input = "1 +" } },
}})
local r = wf:execute({})
error("the workflow failed")`);
  const env = envFor(dir);
  expect((await cli(['run', 'ok.lua'], { cwd: dir, env })).code).toBe(0);
  expect((await cli(['run', 'bad.lua'], { cwd: dir, env })).code).toBe(1);
  const errors = JSON.parse((await cli(['runs', 'list', '--status', 'error', '--output', 'json'], { cwd: dir, env })).stdout);
  expect(errors.map((r: { script: string }) => r.script)).toEqual(['bad.lua']);
  expect(errors[0]).toMatchObject({ status: 'error', error_code: 'SCRIPT_ERROR', errors: 1 });
  const filtered = JSON.parse((await cli(['runs', 'list', '--filter', 'OK.LUA', '--output', 'json'], { cwd: dir, env })).stdout);
  expect(filtered.map((r: { script: string }) => r.script)).toEqual(['ok.lua']);
  const table = await cli(['runs', 'list'], { cwd: dir, env });
  expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+STARTED \(UTC\)\s+SCRIPT\s+STATUS\s+DURATION\s+STEPS\s+TOOLS\s+TOKENS\s+COST\s+ERROR$/);
  expect(table.stdout).toMatch(/bad\.lua\s+error\b.*SCRIPT_ERROR/);
  expect(table.stdout).toMatch(/ok\.lua\s+ok\b/);
  const shown = await cli(['runs', 'show', errors[0].id], { cwd: dir, env });
  expect(shown.code).toBe(0);
  expect(shown.stdout).toContain('run bad.lua');
  expect(shown.stdout).toMatch(/└─ step broken\s+✗ INVALID_ARGUMENT: calculator: parameter 'input'/);
  expect(shown.stdout).toMatch(/│\s+└─ execute_tool calculator/);
  const latest = await cli(['runs', 'show', 'latest', '--output', 'json'], { cwd: dir, env });
  expect(JSON.parse(latest.stdout).id).toBe(errors[0].id);
  const missing = await cli(['runs', 'show', 'zzzz'], { cwd: dir, env });
  expect([missing.code, missing.stderr]).toEqual([1, "NOT_FOUND: no run 'zzzz' in the history (llmspell runs list shows them)\n"]);
  const badFlag = await cli(['runs', 'list', '--status', 'weird'], { cwd: dir, env });
  expect(badFlag.code).toBe(2);
  expect(badFlag.stderr).toContain('--status must be one of running, ok, error, interrupted');
  // A mistyped flag is refused, not a filter that silently does nothing.
  const typo = await cli(['runs', 'list', '--stauts', 'error'], { cwd: dir, env });
  expect([typo.code, typo.stderr]).toEqual([2, "INVALID_ARGUMENT: unknown option '--stauts' for 'runs'. Did you mean --status?\n"]);
});

test('[observability] history_runs = 0 keeps no history; history_runs = 2 keeps the last two', async () => {
  const dir = scratch();
  write(dir, 'x.lua', 'return 1');
  write(dir, 'llmspell.toml', '[observability]\nhistory_runs = 0\n');
  const env = envFor(dir);
  await cli(['run', 'x.lua'], { cwd: dir, env });
  expect(JSON.parse((await cli(['runs', 'list', '--output', 'json'], { cwd: dir, env })).stdout)).toEqual([]);
  write(dir, 'llmspell.toml', '[observability]\nhistory_runs = 2\n');
  for (let i = 0; i < 3; i++) await cli(['run', 'x.lua'], { cwd: dir, env });
  expect(JSON.parse((await cli(['runs', 'list', '--output', 'json'], { cwd: dir, env })).stdout)).toHaveLength(2);
  write(dir, 'llmspell.toml', '[observability]\nhistory_runs = "lots"\n');
  const bad = await cli(['run', 'x.lua'], { cwd: dir, env });
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/CONFIG_INVALID: observability\.history_runs/);
});

test('with no endpoint no OpenTelemetry module is loaded; with one, the exporter is', async () => {
  const dir = scratch();
  write(dir, 'hello.lua', 'print("hello")');
  const log = path.join(dir, 'loaded.txt');
  const hooks = write(dir, 'hooks.mjs', `
import fs from 'node:fs';
import http from 'node:http';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  fs.appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}`);
  const register = write(dir, 'register.mjs', `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  // the ES module host (not Node 20's code-cached CommonJS bundle, where the same lazily loaded
  // parts are inlined functions, not files a hook can see)
  const env = envFor(dir, { NODE_OPTIONS: `--import=${pathToFileURL(register).href}`, LLMSPELL_CODE_CACHE: '0' });
  const off = await cli(['run', 'hello.lua'], { cwd: dir, env });
  expect([off.code, off.stdout]).toEqual([0, 'hello\n']);
  const loadedOff = fs.readFileSync(log, 'utf8');
  // the host runs from the build's bundle (dist/host/script-host.mjs, telemetry in its chunks;
  // the OpenTelemetry side is the dist/otlp-sink-*.js chunk) or a module graph (telemetry/dist)
  expect(loadedOff).toMatch(/telemetry\/dist\/index\.js|dist\/host\/script-host\.mjs/);
  expect(loadedOff).not.toMatch(/@opentelemetry|otlp-sink/);
  fs.rmSync(log);
  const on = await cli(['run', 'hello.lua'], { cwd: dir, env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url } });
  expect(on.code).toBe(0);
  expect(fs.readFileSync(log, 'utf8')).toMatch(/@opentelemetry\/exporter-trace-otlp-http|dist\/otlp-sink-\w+\.js/);
});

test('progress: a one-line summary on stderr for runs with workflows or agents, none for plain scripts', async () => {
  const dir = scratch();
  write(dir, 'wf.lua', WORKFLOW);
  write(dir, 'plain.lua', 'return Tool.invoke("calculator", { input = "2+2" }).result.result');
  llm.reply({ text: 'forty-two', usage: { input: 14, output: 2 } });
  const env = envFor(dir, { LLMSPELL_PROGRESS: '1' });
  const r = await cli(['run', 'wf.lua'], { cwd: dir, env });
  expect(r.stdout).toBe('forty-two\n');
  const id = JSON.parse((await cli(['runs', 'list', '--output', 'json'], { cwd: dir, env: envFor(dir) })).stdout)[0].id;
  expect(r.stderr.split('\n')).toContainEqual(expect.stringMatching(new RegExp(`^✓ 2 steps, 1 tool call, 1 agent call, 16 tokens, .*s · llmspell runs show ${id}$`)));
  expect(r.stderr).toContain('workflow report: step 2 tell');
  const plain = await cli(['run', 'plain.lua'], { cwd: dir, env });
  expect([plain.stdout, plain.stderr]).toEqual(['4\n', '']);
  const quiet = await cli(['run', 'wf.lua', '--quiet'], { cwd: dir, env: { ...env } });
  expect(quiet.stderr).toBe('');
});

test('llmspell ui: a port in use or a bad port is a clear error', async () => {
  const dir = scratch();
  const busy = http.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as { port: number }).port;
  try {
    const r = await cli(['ui', '--port', String(port)], { cwd: dir, env: envFor(dir) });
    expect([r.code, r.stderr]).toEqual([1, `INVALID_ARGUMENT: port ${port} on 127.0.0.1 is in use; pick another with --port N (0 for any free one)\n`]);
  } finally {
    await new Promise((resolve) => busy.close(resolve));
  }
  const bad = await cli(['ui', '--port', 'eighty'], { cwd: dir, env: envFor(dir) });
  expect([bad.code, bad.stderr]).toEqual([2, "INVALID_ARGUMENT: --port needs a port number (0-65535, 0 picks a free one), got 'eighty'\n"]);
  const typo = await cli(['ui', '--prot', '9000'], { cwd: dir, env: envFor(dir) });
  expect([typo.code, typo.stderr]).toEqual([2, "INVALID_ARGUMENT: unknown option '--prot' for 'ui'. Did you mean --port?\n"]);
});

const redisSkip = redisSkipReason();
(redisSkip ? test.skip : test)(`a queue job is recorded where it ran: in the worker's history${redisSkip ? ` (skipped: ${redisSkip})` : ''}`, async () => {
  const redis = await startRedis();
  const dir = scratch();
  write(dir, 'llmspell.toml', `[queue]\nname = "telemetry-${process.pid}"\n`);
  write(dir, 'job.lua', 'return Tool.invoke("calculator", { input = ARGS.expr }).result.result');
  const env = envFor(dir, { LLMSPELL_QUEUE_URL: redis.url });
  const worker = spawn(process.execPath, [bin, 'worker', '--name', 'w1'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => worker.on('close', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      let log = '';
      worker.stderr!.on('data', (d) => {
        log += d;
        if (/ready/.test(log)) resolve();
      });
      worker.on('close', () => reject(new Error(`the worker exited: ${log}`)));
    });
    const submitted = await cli(['submit', 'job.lua', '--wait', '--', '--expr', '6*7'], { cwd: dir, env });
    expect(submitted.code).toBe(0);
    expect(JSON.parse(submitted.stdout)).toMatchObject({ status: 'completed', result: 42 });
    const runs = JSON.parse((await cli(['runs', 'list', '--output', 'json'], { cwd: dir, env: envFor(dir) })).stdout) as RunSummary[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ script: 'job.lua', status: 'ok', tool_calls: 1 });
  } finally {
    worker.kill('SIGTERM');
    await exited;
    await redis.stop();
  }
});
