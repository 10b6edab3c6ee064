// Issue 20: MCP. A Lua `Tool.invoke` of an MCP tool on a local stdio server, against the
// official SDK's Client calling the same server (another process of the same fixture)
// directly, in the same run.
import { fileURLToPath } from 'node:url';
import { MCP_CONNECTOR_SERVICE, executeComponent } from '@llmspell/core';
import { LlmspellRuntime } from '@llmspell/runtime';
import { createLuaEngine } from '@llmspell/bridge-lua';
import { createMcpConnector } from '@llmspell/mcp';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

export const title = 'MCP: a Lua Tool.invoke of an MCP tool against the SDK client calling the same server (p50)';

const FIXTURE = fileURLToPath(new URL('../packages/mcp/src/__fixtures__/fixture-server.mjs', import.meta.url));

export async function run({ measure, percentile }) {
  const sdk = new Client({ name: 'bench', version: '1' });
  await sdk.connect(new StdioClientTransport({ command: process.execPath, args: [FIXTURE], stderr: 'ignore' }));
  const runtime = await LlmspellRuntime.create({ config: { mcp: { servers: { fixture: { command: process.execPath, args: [FIXTURE] } } } } });
  const connector = createMcpConnector(runtime.config.mcp, { policy: runtime.policy, events: runtime.events });
  runtime.services.set(MCP_CONNECTOR_SERVICE, connector);
  for (const tool of (await connector.loadTools()).tools) runtime.registerTool(tool);
  const output = { stdout() {}, stderr() {} };
  const lua = await runtime.createScriptContext(createLuaEngine(), { globals: runtime.buildGlobals({ language: 'lua', output }), limits: runtime.scriptLimits, output });
  const args = { message: 'hello llmspell' };
  const direct = () => sdk.callTool({ name: 'echo', arguments: args });
  // Ten calls per chunk, as a script makes them: the chunk's compile is not what is measured.
  const direct10 = async () => {
    for (let i = 0; i < 10; i++) await direct();
  };
  const viaLua10 = () => lua.run('for i = 1, 10 do local r = Tool.invoke("fixture.echo", {message = "hello llmspell"}) end', { filename: 'b.lua' });
  const tool = runtime.tools.get('fixture.echo');
  const native10 = async () => {
    for (let i = 0; i < 10; i++) await executeComponent(tool, args, runtime.createContext());
  };
  const check = await lua.run('return Tool.invoke("fixture.echo", {message = "hello llmspell"}).text', { filename: 'check.lua' });
  if (check !== 'echo: hello llmspell') throw new Error(`unexpected answer: ${check}`);
  // Alternating rounds, so both sides see the same machine load. CPU time is this process's
  // (the client side), per call: other processes on a shared machine disturb it less.
  const cpuMs = () => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1000;
  };
  const timed = async (fn, wall, cpu) => {
    const c0 = cpuMs();
    wall.push(percentile(await measure(fn, { iterations: 20, warmup: 3 }), 50) / 10);
    cpu.push((cpuMs() - c0) / (23 * 10));
  };
  const d = [];
  const l = [];
  const n = [];
  const dc = [];
  const lc = [];
  const nc = [];
  for (let round = 0; round < 7; round++) {
    await timed(direct10, d, dc);
    await timed(viaLua10, l, lc);
    await timed(native10, n, nc);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const dp = median(d);
  const lp = median(l);
  const np = median(n);
  const [dcp, lcp, ncp] = [median(dc), median(lc), median(nc)];
  lua.dispose();
  await runtime.close();
  await sdk.close();
  return {
    rows: [
      { name: 'SDK Client.callTool("echo") over stdio (baseline)', value: dp * 1000, unit: 'µs' },
      { name: 'Lua Tool.invoke("fixture.echo") over stdio', value: lp * 1000, unit: 'µs', baseline: dp * 1000, ratio: lp / dp, goal: '≤ 1.2×', note: `+${((lp - dp) * 1000).toFixed(0)} µs per call` },
      { name: 'the same tool through executeComponent from TypeScript (no script)', value: np * 1000, unit: 'µs', baseline: dp * 1000, ratio: np / dp, note: 'the MCP layer alone: tool validation, hooks/events path, connector, transport' },
      { name: 'client CPU: SDK Client.callTool (baseline)', value: dcp * 1000, unit: 'µs CPU' },
      { name: 'client CPU: Lua Tool.invoke', value: lcp * 1000, unit: 'µs CPU', baseline: dcp * 1000, ratio: lcp / dcp, note: `+${((lcp - dcp) * 1000).toFixed(0)} µs CPU per call` },
      { name: 'client CPU: executeComponent from TypeScript', value: ncp * 1000, unit: 'µs CPU', baseline: dcp * 1000, ratio: ncp / dcp },
    ],
    notes: [
      'Both sides call the `echo` tool of the same fixture server (packages/mcp/src/__fixtures__/fixture-server.mjs, built with the SDK), each on its own server process started once; 7 alternating rounds of 20 batches of 10 sequential calls (a Lua chunk with a loop of 10 `Tool.invoke`s; 10 awaited `callTool`s) after a warm-up, p50 batch of each round divided by 10, median over rounds.',
      'The gap between the Lua row and the TypeScript row is the Lua bridge awaiting a host promise that settles on I/O (a coroutine yield, a deadline timer, a resume), which any asynchronous tool pays from Lua; the MCP layer itself is the TypeScript row.',
      'The Lua side is the whole path: the Lua bridge, Tool.invoke, executeComponent (validation against the tool\'s input schema, hook and event checks), the result conversion and redaction, and the SDK Client inside llmspell\'s process-group stdio transport.',
    ],
  };
}
