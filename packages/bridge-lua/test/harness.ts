import { DEFAULT_SCRIPT_LIMITS, defineTool, z, type ScriptContext, type ScriptLimits, type ScriptValue } from '@llmspell/core';
import { LlmspellRuntime, type ScriptArgs } from '@llmspell/runtime';
import { createLuaEngine } from '../src/index.js';

export const engine = createLuaEngine();

/** A tool that echoes its input after a real timer (so the call is truly asynchronous). */
export const echoTool = defineTool({
  name: 'echo_tool',
  description: 'Echoes its input back after a short delay',
  category: 'utility',
  securityLevel: 'safe',
  parameters: z.object({ input: z.string(), delayMs: z.number().int().min(0).default(5) }),
  async execute(params) {
    await new Promise((resolve) => setTimeout(resolve, params.delayMs));
    return { result: { echoed: params.input } };
  },
});

/** Adds two numbers synchronously. */
export const addTool = defineTool({
  name: 'add_numbers',
  description: 'Adds a and b',
  category: 'utility',
  securityLevel: 'safe',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: (params) => ({ result: params.a + params.b }),
});

export interface Harness {
  runtime: LlmspellRuntime;
  context: ScriptContext;
  stdout: string[];
  stderr: string[];
  controller: AbortController;
  run(source: string, filename?: string, timeoutMs?: number): Promise<ScriptValue>;
  close(): Promise<void>;
}

export async function harness(options: {
  extraGlobals?: Record<string, ScriptValue>;
  args?: ScriptArgs;
  limits?: Partial<ScriptLimits>;
} = {}): Promise<Harness> {
  const runtime = await LlmspellRuntime.create({ tools: [echoTool, addTool] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const output = { stdout: (t: string) => stdout.push(t), stderr: (t: string) => stderr.push(t) };
  const controller = new AbortController();
  const globals = { ...runtime.buildGlobals({ language: 'lua', output, signal: controller.signal, args: options.args }), ...options.extraGlobals };
  const context = await engine.createContext({ globals, limits: { ...DEFAULT_SCRIPT_LIMITS, ...options.limits }, output });
  return {
    runtime, context, stdout, stderr, controller,
    run: (source, filename = 'test.lua', timeoutMs) => context.run(source, { filename, signal: controller.signal, timeoutMs }),
    close: async () => {
      context.dispose();
      await runtime.close();
    },
  };
}
