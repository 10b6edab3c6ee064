import { cli, scratch, write } from './helpers.js';

/**
 * Lines from rs-llmspell v0.5.0's own scripts, which its users' scripts copy: they must run
 * and print what they mean to print.
 */
describe('reference scripts', () => {
  test('Event.subscribe("") gives a subscription that matches nothing', async () => {
    const dir = scratch();
    // llmspell-testing/fixtures/lua/cross_language.lua, "Test 2: Empty subscription pattern".
    write(dir, 'empty.lua', `
local success2, sub_result2 = pcall(function()
    return Event.subscribe("")  -- Empty pattern
end)
local everything = Event.subscribe("*")
Event.publish("user.login", { user = "ada" })
local nothing = Event.receive(sub_result2, 0)
local something = Event.receive(everything, 100)
return { ok = success2, id = type(sub_result2), nothing = nothing == nil, something = something.event_type, unsubscribed = Event.unsubscribe(sub_result2) }`);
    const r = await cli(['run', 'empty.lua'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({ ok: true, id: 'string', nothing: true, something: 'user.login', unsubscribed: true });
  });

  test("a failed workflow's error prints as its message, with the structure beside it", async () => {
    const dir = scratch();
    // examples/lua/workflows/workflow-basics-loop.lua prints the error with tostring().
    write(dir, 'batch.lua', `
local batch_workflow = Workflow.sequential({
  name = "batch",
  steps = { { name = "sum", tool = "calculator", parameters = { input = "1 +" } } },
})
local batch_result = batch_workflow:execute()
print("✗ Batch processing failed: " .. tostring(batch_result and batch_result.error or "Unknown error"))
return { success = batch_result.success, code = batch_result.error_code, details = batch_result.error_details }`);
    const r = await cli(['run', 'batch.lua'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([0, '']);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^✗ Batch processing failed: INVALID_ARGUMENT: calculator: parameter 'input': /);
    expect(r.stdout).not.toContain('table: 0x');
    expect(JSON.parse(lines.pop()!)).toEqual({
      success: false,
      code: 'INVALID_ARGUMENT',
      details: { error_type: 'SequentialExecutionError', message: expect.stringMatching(/^INVALID_ARGUMENT: calculator:/), code: 'INVALID_ARGUMENT', location: 'sum' },
    });

    write(dir, 'batch.js', `
const wf = Workflow.sequential({ name: 'batch', steps: [{ name: 'sum', tool: 'calculator', parameters: { input: '1 +' } }] });
const r = await wf.execute();
print(\`failed: \${r.error}\`);
export default { type: typeof r.error, message: r.error.message.startsWith('INVALID_ARGUMENT: calculator:'), matches: r.error.startsWith('INVALID_ARGUMENT'), code: r.error_code, location: r.error_details.location };`);
    const js = await cli(['run', 'batch.js'], { cwd: dir });
    expect([js.code, js.stderr]).toEqual([0, '']);
    expect(js.stdout).toMatch(/^failed: INVALID_ARGUMENT: calculator: parameter 'input': /);
    expect(JSON.parse(js.stdout.trim().split('\n').pop()!)).toEqual({ type: 'object', message: true, matches: true, code: 'INVALID_ARGUMENT', location: 'sum' });
  });
});
