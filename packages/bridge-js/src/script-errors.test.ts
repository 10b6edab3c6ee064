import { hostAsync, markScriptError, markScriptSnapshot, type ScriptValue } from '@llmspell/core';
import { harness, type Harness } from './__fixtures__/harness.js';

const toolError = () => markScriptError({ code: 'X', message: 'X: boom' });
// a failed tool call's result: the error nested in plain data
const failedCall = () => ({ success: false, result: null, error: toolError(), metadata: { n: 1 } });
const failedWorkflow = () => markScriptSnapshot({
  success: false,
  error: markScriptError({ error_type: 'SequentialExecutionError', message: 'TIMEOUT: step timed out', code: 'TIMEOUT', location: 's' }),
});

// every way rs-llmspell's examples use an error value, as one list of answers
const USES = `(e) => [
  typeof e,
  'failed: ' + e,
  \`[\${e}]\`,
  String(e),
  e.message,
  e.code,
  e.match(/boom|timed out/)[0],
  e.includes('boom') || e.includes('timed out'),
  e.startsWith(e.code),
  e.toUpperCase() === e.message.toUpperCase(),
  e == e.message,
  JSON.stringify(e),
  Object.keys(e).join(','),
  e.no_such_field,
]`;

describe('error values (core markScriptError) in JavaScript', () => {
  let h: Harness;
  const received: ScriptValue[] = [];
  beforeAll(async () => {
    h = await harness({
      extraGlobals: {
        failing: () => toolError(),
        failedCall,
        failedLater: hostAsync(() => Promise.resolve(failedCall())),
        failedWorkflow,
        plain: () => ({ code: 'X', message: 'X: boom' }),
        echo: (value: ScriptValue) => {
          received.push(value);
          return null;
        },
      },
    });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    received.length = 0;
  });

  test('an error value is its fields and, used as text, its message', async () => {
    const result = await h.run(`const uses = ${USES};
      export default [uses(failing()), uses(failedCall().error), uses((await failedLater()).error), uses(failedWorkflow().error)];`);
    const fields = '{"code":"X","message":"X: boom"}';
    const tool = ['object', 'failed: X: boom', '[X: boom]', 'X: boom', 'X: boom', 'X', 'boom', true, true, true, true, fields, 'code,message', undefined];
    expect(result).toEqual([tool, tool, tool, [
      'object', 'failed: TIMEOUT: step timed out', '[TIMEOUT: step timed out]', 'TIMEOUT: step timed out', 'TIMEOUT: step timed out',
      'TIMEOUT', 'timed out', true, true, true, true,
      '{"error_type":"SequentialExecutionError","message":"TIMEOUT: step timed out","code":"TIMEOUT","location":"s"}',
      'error_type,message,code,location', undefined,
    ]]);
  });

  test('the methods are not the value\'s fields: key loops, spreads and the host see the fields alone', async () => {
    const result = await h.run(`const e = failing();
      const keys = []; for (const k in e) keys.push(k);
      echo(e); echo({ nested: e }); echo(failedCall());
      export default { keys, spread: { ...e }, own: Object.getOwnPropertyNames(e), back: e };`);
    expect(result).toEqual({ keys: ['code', 'message'], spread: { code: 'X', message: 'X: boom' }, own: ['code', 'message'], back: { code: 'X', message: 'X: boom' } });
    expect(received).toEqual([{ code: 'X', message: 'X: boom' }, { nested: { code: 'X', message: 'X: boom' } }, { success: false, result: null, error: { code: 'X', message: 'X: boom' }, metadata: { n: 1 } }]);
    for (const value of [received[0], (received[1] as Record<string, ScriptValue>).nested]) {
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
      expect(Object.getOwnPropertyNames(value)).toEqual(['code', 'message']);
    }
  });

  test('only marked values get the behaviour, and all of a context share one prototype', async () => {
    const result = await h.run(`const p = plain();
      export default [String(p), typeof p.match, Object.getPrototypeOf(failing()) === Object.getPrototypeOf(failedCall().error)];`);
    expect(result).toEqual(['[object Object]', 'undefined', true]);
  });
});
