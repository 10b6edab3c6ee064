// Issue: agents. Agent loop overhead over a raw ai-SDK generateText call with the same mock
// model, and the per-step overhead of a 5-step tool loop over raw generateText doing the same
// 5 steps with plain ai tools.
import { createExecutionContext, defineTool, executeComponent, z } from '@llmspell/core';
import { LlmspellRuntime } from '@llmspell/runtime';
import { PriceTable, ProviderRegistry, createAgent } from '@llmspell/agents';
import { generateText, jsonSchema, stepCountIs, tool } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';

export const title = 'Agents: overhead over raw ai generateText (same mock model, same run)';

const ROUNDS = Number(process.env.BENCH_AGENT_ROUNDS ?? 9);
const TEXT_CALLS = Number(process.env.BENCH_AGENT_CALLS ?? 300);
const LOOP_CALLS = Number(process.env.BENCH_AGENT_LOOP_CALLS ?? 80);
const LOOP_STEPS = 5;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const usage = { inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 5, text: 5, reasoning: undefined } };

/** A latency-free model with a fixed answer. The SDK mock keeps every call's options; we clear them. */
function textModel() {
  return new MockLanguageModelV3({
    doGenerate: async () => ({ content: [{ type: 'text', text: 'hello world' }], finishReason: { unified: 'stop', raw: undefined }, usage, warnings: [] }),
  });
}

/**
 * Asks for the `adder` tool until the prompt holds 4 tool results, then answers: 4 tool steps
 * + 1 final answer = 5 model steps. Stateless, so one instance serves every call.
 */
function loopModel() {
  return new MockLanguageModelV3({
    doGenerate: async ({ prompt }) => {
      const done = prompt.filter((m) => m.role === 'tool').length;
      if (done >= LOOP_STEPS - 1) return { content: [{ type: 'text', text: 'done' }], finishReason: { unified: 'stop', raw: undefined }, usage, warnings: [] };
      return {
        content: [{ type: 'tool-call', toolCallId: `call_${done}`, toolName: 'adder', input: JSON.stringify({ a: done, b: 1 }) }],
        finishReason: { unified: 'tool-calls', raw: undefined }, usage, warnings: [],
      };
    },
  });
}

/**
 * Alternating rounds of `calls` sequential calls per contender; per-call mean of each round,
 * median over rounds. Alternation spreads the machine's load changes over all contenders.
 */
async function compare(contenders, calls, rounds, models) {
  const wall = contenders.map(() => []);
  const cpu = contenders.map(() => []);
  for (const [, fn] of contenders) for (let i = 0; i < Math.min(100, calls); i++) await fn();
  for (let r = 0; r < rounds; r++) {
    for (const [k, [, fn]] of contenders.entries()) {
      for (const m of models) m.doGenerateCalls.length = 0;
      const c = process.cpuUsage();
      const t = performance.now();
      for (let i = 0; i < calls; i++) await fn();
      wall[k].push(((performance.now() - t) / calls) * 1000);
      const d = process.cpuUsage(c);
      cpu[k].push((d.user + d.system) / calls);
    }
  }
  return contenders.map((_, k) => ({ wall: median(wall[k]), cpu: median(cpu[k]) }));
}

export async function run() {
  const adder = defineTool({
    name: 'adder', description: 'Adds two numbers', category: 'utility', securityLevel: 'safe',
    parameters: z.object({ a: z.number(), b: z.number() }),
    execute: ({ a, b }) => ({ result: a + b }),
  });
  const lookup = { tool: (n) => (n === 'adder' ? adder : undefined), agent: () => undefined, workflow: () => undefined, tools: () => [adder] };
  const ctx = createExecutionContext({ components: lookup });
  const runtime = await LlmspellRuntime.create({ tools: [adder] });
  const rtCtx = runtime.createContext();

  const text = textModel();
  const deps = (model) => ({ providers: new ProviderRegistry({ env: { OPENAI_API_KEY: 'sk-bench' }, modelFactory: () => model }), prices: new PriceTable() });
  const agent = await createAgent({ model: 'gpt-4o-mini', max_conversation_length: 0 }, deps(text));
  const agentHist = await createAgent({ model: 'gpt-4o-mini' }, deps(text));
  for (let i = 0; i < 60; i++) await executeComponent(agentHist, { text: 'hi' }, ctx);
  const history = agentHist.getHistory();
  const check = await executeComponent(agent, { text: 'hi' }, ctx);
  if (check.text !== 'hello world') throw new Error(`agent answered ${JSON.stringify(check.text)}`);

  const [raw, ours, oursRt, rawHist, oursHist] = await compare([
    ['raw', () => generateText({ model: text, prompt: 'hi' })],
    ['agent', () => executeComponent(agent, { text: 'hi' }, ctx)],
    ['agent, runtime ctx', () => executeComponent(agent, { text: 'hi' }, rtCtx)],
    ['raw, history', () => generateText({ model: text, messages: [...history, { role: 'user', content: 'hi' }] })],
    ['agent, history', () => executeComponent(agentHist, { text: 'hi' }, ctx)],
  ], TEXT_CALLS, ROUNDS, [text]);

  // 5-step tool loop.
  const loop = loopModel();
  const rawTools = {
    adder: tool({
      description: 'Adds two numbers',
      inputSchema: jsonSchema({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] }),
      execute: async ({ a, b }) => ({ success: true, result: a + b }),
    }),
  };
  const loopAgent = await createAgent({ model: 'gpt-4o-mini', tools: ['adder'], max_conversation_length: 0 }, deps(loop));
  const rawLoopCall = () => generateText({ model: loop, prompt: 'go', tools: rawTools, stopWhen: stepCountIs(10) });
  const r1 = await rawLoopCall();
  const a1 = await executeComponent(loopAgent, { text: 'go' }, ctx);
  if (r1.steps.length !== LOOP_STEPS || a1.metadata.steps !== LOOP_STEPS || a1.metadata.tool_calls.length !== LOOP_STEPS - 1 || a1.text !== 'done') {
    throw new Error(`tool loop did not run ${LOOP_STEPS} steps (raw ${r1.steps.length}, agent ${a1.metadata.steps})`);
  }
  if (a1.metadata.tool_calls.some((c) => c.result?.result !== c.arguments.a + 1)) throw new Error('agent tool results are wrong');
  const [rawLoop, oursLoop] = await compare([
    ['raw loop', rawLoopCall],
    ['agent loop', () => executeComponent(loopAgent, { text: 'go' }, ctx)],
  ], LOOP_CALLS, ROUNDS, [loop]);
  await runtime.close();

  const cpuNote = (o, b) => `CPU ${o.cpu.toFixed(0)} vs ${b.cpu.toFixed(0)} µs = ${(o.cpu / b.cpu).toFixed(2)}×`;
  const rows = [
    { name: 'raw generateText (mock model, prompt "hi")', value: raw.wall, unit: 'µs', note: `CPU ${raw.cpu.toFixed(0)} µs` },
    { name: 'agent via executeComponent (no history)', value: ours.wall, unit: 'µs', baseline: raw.wall, ratio: ours.wall / raw.wall, goal: '≤ 1.1×', note: `+${(ours.wall - raw.wall).toFixed(0)} µs wall; ${cpuNote(ours, raw)}` },
    { name: 'agent via executeComponent, runtime context (hooks + events installed, none used)', value: oursRt.wall, unit: 'µs', baseline: raw.wall, ratio: oursRt.wall / raw.wall, goal: '≤ 1.1×', note: `+${(oursRt.wall - raw.wall).toFixed(0)} µs wall; ${cpuNote(oursRt, raw)}` },
    { name: 'agent (no history), CPU time ratio ours / raw', value: ours.cpu / raw.cpu, unit: '×', goal: '≤ 1.1×', note: 'process.cpuUsage per call: less disturbed by other processes than wall time' },
    { name: `raw generateText with the same ${history.length}-message history`, value: rawHist.wall, unit: 'µs', note: `CPU ${rawHist.cpu.toFixed(0)} µs` },
    { name: 'agent with history (default cap 50 messages)', value: oursHist.wall, unit: 'µs', baseline: rawHist.wall, ratio: oursHist.wall / rawHist.wall, goal: '≤ 1.1×', note: `+${(oursHist.wall - rawHist.wall).toFixed(0)} µs wall; ${cpuNote(oursHist, rawHist)}` },
    { name: `raw generateText, ${LOOP_STEPS}-step tool loop (plain ai tool)`, value: rawLoop.wall, unit: 'µs', note: `${(rawLoop.wall / LOOP_STEPS).toFixed(0)} µs per step; CPU ${rawLoop.cpu.toFixed(0)} µs` },
    { name: `agent, ${LOOP_STEPS}-step tool loop (llmspell tool via executeComponent)`, value: oursLoop.wall, unit: 'µs', baseline: rawLoop.wall, ratio: oursLoop.wall / rawLoop.wall, note: `${(oursLoop.wall / LOOP_STEPS).toFixed(0)} µs per step; ${cpuNote(oursLoop, rawLoop)}` },
    { name: 'tool loop: agent overhead per step (wall)', value: (oursLoop.wall - rawLoop.wall) / LOOP_STEPS, unit: 'µs', note: '(agent − raw) / 5' },
    { name: 'tool loop: agent overhead per step (CPU)', value: (oursLoop.cpu - rawLoop.cpu) / LOOP_STEPS, unit: 'µs', note: '(agent − raw) / 5, process CPU time' },
  ];
  return {
    rows,
    notes: [
      `One MockLanguageModelV3 ('ai/test') with a fixed, latency-free answer ("hello world", 10/5 tokens) serves both sides; the agent gets it through ProviderRegistry's modelFactory. The tool-loop model asks for the adder tool until the prompt holds ${LOOP_STEPS - 1} tool results, then answers: ${LOOP_STEPS} model steps on both sides, checked.`,
      `Figures are per call: ${ROUNDS} alternating rounds of ${TEXT_CALLS} sequential calls (${LOOP_CALLS} for the tool loop) per contender after a warm-up; mean of each round, median over rounds, for wall time and for process CPU time (user + system). The SDK mock's call log is cleared between rounds.`,
      'The agent side is the whole component path: executeComponent (hook/event checks), LlmAgent.run (timeout timer, abort race, usage/cost, history trim, output redaction) and generateText with the agent\'s options. The plain context has a component lookup only; the runtime context also has the hook executor and event bus of a default LlmspellRuntime.',
    ],
  };
}
