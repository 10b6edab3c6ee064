import { markScriptError, markScriptSnapshot, type ScriptValue } from '@llmspell/core';
import { harness, type Harness } from '../test/harness.js';

const MESSAGE = 'MISSING_API_KEY: web_search: Google needs an API key';
const toolError = () => markScriptError({ code: 'MISSING_API_KEY', message: MESSAGE });
// a failed tool call's result: the error nested in plain data
const failedCall = () => ({ success: false, result: null, error: toolError(), metadata: { n: 1 } });
// a failed workflow's result as the runtime returns it: a snapshot, large enough that its records wait too
const failedWorkflow = () => markScriptSnapshot({
  success: false,
  error: markScriptError({ error_type: 'SequentialExecutionError', message: 'TIMEOUT: step timed out', code: 'TIMEOUT', location: 's' }),
  error_details: { error_type: 'SequentialExecutionError', message: 'TIMEOUT: step timed out', code: 'TIMEOUT', location: 's' },
  metadata: { extra: { step_results: Array.from({ length: 300 }, (_, i) => ({ step_name: `s${i}`, output: 'x'.repeat(20) })) } },
});

// every way rs-llmspell's examples use an error value, as one list of answers
const USES = `
local e = ...
return {
  type(e),
  "x: " .. e,
  e .. " :y",
  tostring(e),
  e.message,
  e.code,
  e:match("API key") or e:match("timed out"),
  e:match("^[^:]+"),
  e:upper() == string.upper(e.message),
  #e == #e.message,
  string.format("%s", e) == e.message,
  e < "zzz",
  e.no_such_field,
}
`;

describe('error values (core markScriptError) in Lua', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({
      extraGlobals: {
        toolError: () => toolError(),
        failedCall: () => failedCall(),
        failedWorkflow: () => failedWorkflow(),
        plainError: () => ({ code: 'C', message: 'm' }),
        echo: (v: ScriptValue) => v,
      },
    });
  });
  afterAll(() => h.close());

  const uses = (expression: string) => h.run(`local f = load(${JSON.stringify(USES)}) return f(${expression})`);

  test('a tool error, alone or inside a result: its fields, and its message wherever a script uses it as text', async () => {
    const expected = ['table', `x: ${MESSAGE}`, `${MESSAGE} :y`, MESSAGE, MESSAGE, 'MISSING_API_KEY', 'API key', 'MISSING_API_KEY', true, true, true, true];
    await expect(uses('toolError()')).resolves.toEqual(expected);
    await expect(uses('failedCall().error')).resolves.toEqual(expected);
  });

  test("a failed workflow's error, in a result filled on first read", async () => {
    const answers = await uses('failedWorkflow().error');
    expect(answers).toEqual(['table', 'x: TIMEOUT: step timed out', 'TIMEOUT: step timed out :y', 'TIMEOUT: step timed out', 'TIMEOUT: step timed out', 'TIMEOUT',
      'timed out', 'TIMEOUT', true, true, true, true]);
    await expect(h.run('local r = failedWorkflow() return { r.error.error_type, r.error.location, r.error_details.message, getmetatable(r.error_details) == nil }'))
      .resolves.toEqual(['SequentialExecutionError', 's', 'TIMEOUT: step timed out', true]);
  });

  test('back in the host (a returned result, JSON.stringify, a tool argument) it is its plain fields', async () => {
    await expect(h.run('return failedCall()')).resolves.toEqual({ success: false, error: { code: 'MISSING_API_KEY', message: MESSAGE }, metadata: { n: 1 } });
    await expect(h.run('return echo(toolError())')).resolves.toEqual({ code: 'MISSING_API_KEY', message: MESSAGE });
  });

  test('plain tables stay plain, and a bad operand still fails at the script line', async () => {
    await expect(h.run('local e = plainError() return { getmetatable(e) == nil, pcall(function() return "x" .. e end) }')).resolves.toEqual([true, false, expect.stringContaining("attempt to concatenate a table value (upvalue 'e')")]);
    await expect(h.run('local e = toolError()\nlocal s = e .. {}', 'bad.lua')).rejects.toMatchObject({ message: expect.stringMatching(/^SCRIPT_ERROR: bad\.lua:2: attempt to concatenate a table value/) });
  });
});
