/**
 * MCP servers in scripts, through the built CLI: configured servers' tools, the MCP global in
 * Lua and JavaScript, host secrets kept from servers, and no server process outliving a run,
 * also when the run is stopped by --timeout.
 */
import { FIXTURE_SERVER, HOSTILE_SERVER, processesGone as gone } from '@llmspell/mcp/testing';
import fs from 'node:fs';
import path from 'node:path';
import { cli, scratch, write } from './helpers.js';

function config(dir: string, extra = ''): void {
  write(dir, 'llmspell.toml', `
[runtime.state_persistence]
enabled = false
[mcp]
timeout_secs = 20
[mcp.servers.fixture]
command = ${JSON.stringify(process.execPath)}
args = [${JSON.stringify(FIXTURE_SERVER)}]
env = { GREETING = "configured-greeting-secret" }
${extra}
`);
}

test('configured tools are listed by `tools list` and invoked from Lua; a broken server is reported and the run goes on', async () => {
  const dir = scratch();
  config(dir, `[mcp.servers.broken]\ncommand = ${JSON.stringify(process.execPath)}\nargs = [${JSON.stringify(HOSTILE_SERVER)}, "exit"]\n`);
  const listed = await cli(['tools', 'list', '--output', 'json'], { cwd: dir });
  expect(listed.code).toBe(0);
  const names = (JSON.parse(listed.stdout) as Array<{ name: string; category: string }>).filter((t) => t.category === 'mcp').map((t) => t.name);
  expect(names).toEqual(expect.arrayContaining(['fixture.echo', 'fixture.add']));
  expect(listed.stderr).toContain("MCP server 'broken' is not available: MCP_CONNECT_FAILED");

  write(dir, 'use.lua', `
    print(Tool.invoke("fixture.echo", {message = "from lua"}).text)
    local ok, err = pcall(MCP.connect, "broken")
    print(ok, err:match("^[A-Z_]+"))
    local c = MCP.connect("fixture")
    print(c:callTool("add", {a = 2, b = 5}).structuredContent.sum)
    print(table.concat(MCP.servers(), ","))
  `);
  const run = await cli(['run', 'use.lua'], { cwd: dir });
  expect(run.stderr).toContain("MCP server 'broken' is not available");
  expect(run.stdout.trim().split('\n')).toEqual(['echo: from lua', 'false\tMCP_CONNECT_FAILED', '7', 'fixture,broken']);
  expect(run.code).toBe(0);
});

test('JavaScript: await MCP.connect and callTool', async () => {
  const dir = scratch();
  config(dir);
  write(dir, 'use.js', `
    const c = await MCP.connect("fixture");
    const r = await c.callTool("echo", { message: "from js" });
    const tools = await c.listTools();
    console.log(r.text, r.isError, tools.some((t) => t.name === "echo"));
    await c.close();
  `);
  const run = await cli(['run', 'use.js'], { cwd: dir });
  expect(run.stderr).toBe('');
  expect(run.stdout.trim()).toBe('echo: from js false true');
  expect(run.code).toBe(0);
});

test("no host secret reaches a server's environment; configured values are masked in output", async () => {
  const dir = scratch();
  config(dir);
  write(dir, 'env.lua', `
    local env = JSON.parse(Tool.invoke("fixture.env", {}).text)
    local keys = {}
    for k in pairs(env) do keys[#keys + 1] = k end
    table.sort(keys)
    print(table.concat(keys, ","))
    print(env.GREETING)
  `);
  const run = await cli(['run', 'env.lua'], {
    cwd: dir,
    env: { OPENAI_API_KEY: 'sk-host-openai-key-0123456789abcdef', AWS_SECRET_ACCESS_KEY: 'host-aws-secret-value', DATABASE_URL: 'postgres://u:p@db/x', LANG: 'C.UTF-8' },
  });
  expect(run.code).toBe(0);
  const [keys, greeting] = run.stdout.trim().split('\n');
  expect(keys).toBe('GREETING,HOME,LANG,PATH');
  expect(greeting).toBe('[REDACTED]');
  expect(run.stdout).not.toContain('configured-greeting-secret');
});

test('no server process survives the run: after a normal end, and after --timeout stops the script', async () => {
  const dir = scratch();
  config(dir);
  write(dir, 'ends.lua', 'print(Tool.invoke("fixture.pids", {}).text)');
  const ended = await cli(['run', 'ends.lua'], { cwd: dir });
  expect(ended.code).toBe(0);
  const first = JSON.parse(ended.stdout) as { pid: number; grandchild: number };
  expect(await gone([first.pid, first.grandchild])).toBe(true);

  write(dir, 'spins.lua', 'print(MCP.connect("fixture"):callTool("pids", {}).text)\nwhile true do end');
  const stopped = await cli(['run', '--timeout', '2', 'spins.lua'], { cwd: dir });
  expect(stopped.code).not.toBe(0);
  expect(stopped.stderr).toMatch(/SCRIPT_TIMEOUT|timed out/);
  const second = JSON.parse(stopped.stdout.trim().split('\n')[0]) as { pid: number; grandchild: number };
  expect(await gone([second.pid, second.grandchild])).toBe(true);
});

test('`mcp list` shows each server, whether it starts, and its tools', async () => {
  const dir = scratch();
  config(dir, `[mcp.servers.slow]\ncommand = ${JSON.stringify(process.execPath)}\nargs = [${JSON.stringify(HOSTILE_SERVER)}, "hang"]\ntimeout_secs = 1\n`);
  const text = await cli(['mcp', 'list'], { cwd: dir });
  expect(text.code).toBe(1);
  expect(text.stdout).toMatch(/^fixture {2}stdio {2}.*fixture-server\.mjs {2}started \(fixture 1\.2\.3\)$/m);
  expect(text.stdout).toMatch(/^ {2}fixture\.echo +Echoes the message back$/m);
  expect(text.stdout).toMatch(/^slow {2}stdio .* failed$/m);
  expect(text.stdout).toContain("MCP_TIMEOUT: server 'slow' did not answer initialize within 1 s");
  const json = await cli(['mcp', 'list', '--output', 'json'], { cwd: dir });
  const servers = JSON.parse(json.stdout) as Array<{ name: string; started: boolean; tools: Array<{ name: string }> }>;
  expect(servers.map((s) => [s.name, s.started])).toEqual([['fixture', true], ['slow', false]]);
});

test('[mcp] elicitation: declined with no one at a terminal, the defaults when the config says so', async () => {
  const dir = scratch();
  write(dir, 'ask.lua', 'return Tool.invoke("fixture.elicit", {}).text');
  config(dir);
  expect(JSON.parse((await cli(['run', 'ask.lua', '--output', 'json'], { cwd: dir })).stdout).result).toBe('{"action":"decline"}');
  config(dir, 'elicitation = "defaults"');
  expect(JSON.parse(JSON.parse((await cli(['run', 'ask.lua', '--output', 'json'], { cwd: dir })).stdout).result as string)).toEqual({ action: 'accept', content: { city: 'Paris', days: 3 } });
  write(dir, 'llmspell.toml', '[mcp]\nelicitation = "always"\n');
  const bad = await cli(['exec', 'print(1)'], { cwd: dir });
  expect(bad.stderr).toContain('CONFIG_INVALID');
  expect(bad.stderr).toContain('mcp.elicitation');
});

test('a bad [mcp] section is a config error naming the key', async () => {
  const dir = scratch();
  write(dir, 'llmspell.toml', '[mcp.servers.both]\ncommand = "node"\nurl = "http://127.0.0.1:1/mcp"\n');
  const run = await cli(['exec', 'print(1)'], { cwd: dir });
  expect(run.code).toBe(1);
  expect(run.stderr).toContain("CONFIG_INVALID");
  expect(run.stderr).toContain('mcp.servers.both');
  expect(run.stderr).toContain('set either command');
});

test('[mcp] max_response_bytes and [mcp.servers.X] cwd from llmspell.toml change what a run does', async () => {
  const dir = scratch();
  const fixture = (mcp: string, server: string) => write(dir, 'llmspell.toml', `
[runtime.state_persistence]
enabled = false
[mcp]
timeout_secs = 20
${mcp}
[mcp.servers.fixture]
command = ${JSON.stringify(process.execPath)}
args = [${JSON.stringify(FIXTURE_SERVER)}]
${server}
`);
  write(dir, 'sub/.keep', '');
  write(dir, 'size.lua', `
    print(#Tool.invoke("fixture.big", {bytes = 1000}).text)
    local ok, err = pcall(Tool.invoke, "fixture.big", {bytes = 100000})
    print(ok, ok and #err.text or err:match("^[A-Z_]+"), ok or err:find("more than 65536 bytes", 1, true) ~= nil)
    print(Tool.invoke("fixture.cwd", {}).text)
  `);
  // the defaults: 4 MiB messages, the server in the project's directory
  fixture('', '');
  const before = await cli(['run', 'size.lua'], { cwd: dir });
  expect(before.code).toBe(0);
  expect(before.stdout.trim().split('\n')).toEqual(['1000', 'true\t100000\ttrue', fs.realpathSync(dir)]);
  // set: a 64 KiB cap fails the larger answer with a coded error (the run goes on), and the
  // server starts in sub/ (relative to the project)
  fixture('max_response_bytes = 65536', 'cwd = "sub"');
  const after = await cli(['run', 'size.lua'], { cwd: dir });
  expect(after.code).toBe(0);
  expect(after.stdout.trim().split('\n')).toEqual(['1000', 'false\tMCP_PROTOCOL_ERROR\ttrue', fs.realpathSync(path.join(dir, 'sub'))]);
});
