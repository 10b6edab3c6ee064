import { defineTool, z, type ScriptContext, type ScriptLimits, type ScriptValue, type Tool } from '@llmspell/core';
import { LlmspellRuntime, type ScriptArgs } from '@llmspell/runtime';
import { createJsEngine } from '../js-engine.js';

export const engine = createJsEngine();

/** A calculator-like test tool: adds two numbers, or fails with a coded error. */
export const adderTool: Tool = defineTool({
  name: 'adder',
  description: 'Adds two numbers',
  category: 'utility',
  securityLevel: 'safe',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: async ({ a, b }) => ({ result: { sum: a + b }, message: `sum is ${a + b}` }),
});

/** Waits until the signal aborts (a slow host call for cancellation tests). */
export const hangTool: Tool = defineTool({
  name: 'hang',
  description: 'Never finishes on its own',
  category: 'utility',
  securityLevel: 'safe',
  parameters: z.object({}),
  execute: (_params, ctx) => new Promise((_resolve, reject) => {
    ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
  }),
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
  limits?: Partial<ScriptLimits>;
  args?: ScriptArgs;
  tools?: Tool[];
} = {}): Promise<Harness> {
  const runtime = await LlmspellRuntime.create({ tools: options.tools ?? [adderTool, hangTool] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const output = { stdout: (t: string) => stdout.push(t), stderr: (t: string) => stderr.push(t) };
  const controller = new AbortController();
  const globals = runtime.buildGlobals({ language: 'javascript', output, signal: controller.signal, args: options.args });
  Object.assign(globals, options.extraGlobals ?? {});
  const context = await engine.createContext({
    globals,
    limits: { memoryBytes: 32 * 1024 * 1024, timeoutMs: 5_000, ...options.limits },
    output,
  });
  return {
    runtime, context, stdout, stderr, controller,
    run: (source, filename = 'script.js', timeoutMs) => context.run(source, { filename, signal: controller.signal, timeoutMs }),
    close: async () => {
      context.dispose();
      await runtime.close();
    },
  };
}
