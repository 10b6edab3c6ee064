import { LlmspellRuntime } from '@llmspell/runtime';
import { createLuaEngine } from './dist/index.js';
import { DEFAULT_SCRIPT_LIMITS } from '@llmspell/core';

const runtime = await LlmspellRuntime.create();
const engine = createLuaEngine();

const result = await runtime.runScript(engine, `
  print("tools:", #Tool.list())
  local ok, err = pcall(Tool.invoke, "no_such_tool", {})
  print(ok, err)                                  --> false   TOOL_NOT_FOUND: Tool 'no_such_tool' not found
  return { answer = 42, args = ARGS }
`, { filename: 'hello.lua', args: { positional: ['a'], named: { name: 'Ada' } } });

console.log(result); // { answer: 42, args: ['a'] }
await runtime.close();
const output = { stdout: (line) => console.log(line), stderr: (line) => console.error(line) };
const context = await engine.createContext({
  globals: { double: async (n) => n * 2 },
  limits: { ...DEFAULT_SCRIPT_LIMITS, memoryBytes: 32 * 1024 * 1024 },
  output,
});
await context.run('print(double(21))', { filename: 'x.lua', timeoutMs: 5_000 });
console.log(await context.checkSyntax('local x = = 1', 'bad.lua'));
context.dispose();
