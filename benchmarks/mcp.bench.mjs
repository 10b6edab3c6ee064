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

const WARM_UP_BATCHES = 200;
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
  // A warm-up of 2,000 calls per side first: until V8 and the WASM tier-up have compiled the
  // path, their compile threads run beside the calls and charge the Lua side (the most code)
  // several times its steady cost; the rounds measure the steady cost of a call.
  for (const fn of [direct10, viaLua10, native10]) for (let i = 0; i < WARM_UP_BATCHES; i++) await fn();
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
      `This run's rounds, SDK / Lua / TypeScript µs (p50 per call): ${d.map((x, i) => `${(x * 1000).toFixed(0)} / ${(l[i] * 1000).toFixed(0)} / ${(n[i] * 1000).toFixed(0)}`).join(', ')}; the Lua/SDK ratio per round: ${d.map((x, i) => (l[i] / x).toFixed(2)).join(', ')}.`,
      'Both sides call the `echo` tool of the same fixture server (packages/mcp/src/__fixtures__/fixture-server.mjs, built with the SDK), each on its own server process started once; after a warm-up of 2,000 calls per side, 7 alternating rounds of 20 batches of 10 sequential calls (a Lua chunk with a loop of 10 `Tool.invoke`s; 10 awaited `callTool`s) after 3 more, p50 batch of each round divided by 10, median over rounds. Client CPU is this process\'s user + system time (all its threads) over each round, per call.',
      'The gap between the Lua row and the TypeScript row is the Lua bridge waiting for a host promise that settles on I/O (the yield — a thrown exception in this WASM build — the resume, and the result converted into Lua tables), which any asynchronous tool pays from Lua; the MCP layer itself is the TypeScript row.',
      'Where the Lua gap went (h-await, 2026-12-04; perf record, --cpu-prof, strace, phase marks; measured on a machine at load ~10, so CPU figures, in one process, base build against this one): it is not scheduling — both sides make 1 write and ~1.1 epoll_wait per call and the Lua thread resumes in the microtask where the promise settles. (1) Warm-up: the old window (1,600 calls per side, 3 warm-up batches) ran while V8 and the WASM tier-up were still compiling the Lua path on background threads: client CPU per call 689 µs (Lua) against 312 µs (TypeScript) without a warm-up, 202 against 134 after 2,000 calls. (2) The waiting host call ran in V8\'s interpreter: V8 never tiers up a function that only ever ends by a throw, and a yield is one; the C function shim now makes the yield, so callHost returns and is optimized (a wait on a resolved promise 9.5 → 7.6 µs CPU, on setImmediate 9.5 → 7.9, a synchronous host call 0.59 → 0.31); Lua allocations call realloc/free directly instead of through wasmoon\'s apply() wrappers. (3) The MCP layer made an AbortController and an SDK abort listener per call (~7.5 µs hot); a light per-request signal replaces them (TypeScript row 162 → 134 µs CPU, Lua row 248 → 202 in the same A/B).',
      'What remains of a Lua wait between an MCP answer and the next request, median wall per phase with marks: resume into the continuation 3.0 µs, result pushed into Lua 8.7, the Lua loop 2.9, arguments read 2.5, the wait set up 4.5, the yield unwound 13.2 (V8\'s unwinder looks up the code of each of ~15 WASM and JS frames), bookkeeping 2.8 — ~40 µs, against ~9 µs for the same path in a hot loop: right after the process wakes on I/O its caches are cold and every step costs 3–5× (a 1 MiB cache thrash between waits adds ~20 µs per wait in lua-await-probe.mjs terms). Left: the yield itself (inherent to Lua coroutines on this WASM build), the size of a tool result (text, result and output carry the same string), and the per-call ExecutionContext signal `createExecutionContext` makes when none is given (~3 µs, the TypeScript row only).',
      'Changed on the mcpbench branch (2026-12-04, machine at load 4–7 from other helpers and a CI run, so read the CPU figures; A/B in one process against main\'s build, interleaved, 21 rounds, both orders): (1) a tool call on a server that is already running now writes its request before `Tool.invoke` returns to Lua, so the yield and its bookkeeping run while the server works instead of before the request leaves (the connector awaited its shared connection first: one async hop); (2) `McpConnection.request` chains promise reactions instead of three `async` layers; (3) a plain result response (exactly jsonrpc, id and a result object without _meta) skips the SDK\'s zod `JSONRPCMessageSchema` union in the transport — a check tested to accept only what the schema accepts, unchanged; (4) the MCP tool\'s run is one `.then`; (5) Lua\'s counting allocator is a 207-byte WebAssembly function (bridge-lua/src/lua-allocator.ts) instead of a JavaScript callback: a Tool.invoke of this tool makes ~30 Lua allocations, each of which left WebAssembly and came back (hot Lua Tool.invoke of an already-resolved MCP tool 22.5 → 20.4 µs CPU in chunks of 10). Client CPU per call, main → branch: SDK Client on llmspell\'s transport 70–72 → 62.5 µs (the SDK\'s own transport: 74), executeComponent of the MCP tool 103–105 → 85–91, Lua Tool.invoke 184.5 → 170.3 and 198.5 → 185.0 with (1)–(5) at load 10 (wall 277 → 271, 279 → 278: on one shared core the gain in CPU is within the wall-time noise). Where the server sits on the other core (pinned: taskset, a diagnosis only), waking it costs this VM ~150 µs more per call on both sides, and writing before the yield is where the Lua row gains most; on the same core the two processes alternate and the Lua row\'s extra CPU is its extra wall time.',
      'How stable the ratio is: the baseline itself moves with where the scheduler puts the server process, and the ratio with it. On this 2-vCPU VM, a call whose answer must wake an idle vCPU costs ~100–150 µs more than one where client and server alternate on one core (pinned with taskset, a diagnosis only: SDK 149 µs p50 on one core, 322–505 µs across cores). On a quiet machine the server tends to run on the other core (SDK 264 µs, Lua 1.39×); on a busy one both share a core (SDK 150–185 µs, and the Lua row\'s extra CPU is all extra wall time: 1.5–1.7× in the runs of 2026-12-04 17:35, branch and main alike within the noise). Read the CPU rows, and compare ratios only between runs of the same load (the table above was run at load ~11: three runs gave Lua 2.04×, 1.76×, 1.65× wall and 2.23×, 2.30×, 2.54× CPU).',
      'Two things this bench measures that are not llmspell overhead: llmspell always sends a progress token (`_meta.progressToken`: progress notifications become `mcp.progress` events and reset the request timeout), the baseline does not — the SDK Client alone with an `onprogress` handler costs 7 µs more wall and 7 µs more client CPU per call (131.7 against 124.4 µs p50). And the pipe write: V8\'s profiler samples by wall clock, and a write that wakes the server on the same core is preempted inside the kernel, so profiles charge `writeUtf8String` with the server\'s time; measured with process.cpuUsage around `stdin.write`, the write itself costs 12 µs CPU (p50) from TypeScript and 20–30 µs from the Lua path, the same call on the same pipe; the transport is not the cause (the SDK Client on llmspell\'s transport costs no more CPU than on its own), most likely the caches the Lua VM left cold.',
      'The Lua side is the whole path: the Lua bridge, Tool.invoke, executeComponent (validation against the tool\'s input schema, hook and event checks), the result conversion and redaction, and the SDK Client inside llmspell\'s process-group stdio transport.',
    ],
  };
}
