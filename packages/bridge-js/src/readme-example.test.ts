import { LlmspellRuntime } from '@llmspell/runtime';
import { utilTools } from '@llmspell/tools-util';
import { createJsEngine } from './index.js';

test('the README example runs with the real utility tools', async () => {
  const runtime = await LlmspellRuntime.create({ tools: utilTools });
  const engine = createJsEngine();
  const lines: string[] = [];
  try {
    const result = await runtime.runScript(engine, `
      const tools = Tool.list();
      print('tools:', tools.length);
      const sum = await Tool.calculator.execute({ input: '2 + 3 * 4' });
      const id = await Tool.invoke('uuid_generator', {});
      export default { count: tools.length, success: sum.success, text: JSON.parse(sum.text), uuid: id.success };
    `, { filename: 'hello.js', limits: { timeoutMs: 10_000 }, output: { stdout: (t) => lines.push(t), stderr: (t) => lines.push(t) } });
    expect(result).toMatchObject({ count: 9, success: true, uuid: true });
    expect(JSON.stringify((result as { text: unknown }).text)).toContain('14');
    expect(lines).toEqual(['tools: 9']);
  } finally {
    await runtime.close();
  }
});
