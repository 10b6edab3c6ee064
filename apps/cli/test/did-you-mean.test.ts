import { cli, scratch, write } from './helpers.js';

/**
 * A misspelt tool name or parameter key is refused with the name meant, wherever a user
 * writes one: Tool.invoke, `llmspell tools show`, an agent's tool list, a workflow step.
 * Known aliases and the reference's extra keys keep working.
 */
describe('did you mean', () => {
  // An endpoint nothing listens on: agents are created (and refused) without any request.
  const toml = '[providers]\ndefault_provider = "local"\n[providers.providers.local]\nprovider_type = "openai"\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "m"\n';

  test('Lua: tool names, parameter keys, agent tools and workflow steps', async () => {
    const dir = scratch();
    write(dir, 'llmspell.toml', toml);
    write(dir, 'typos.lua', `
local function err(f) local ok, e = pcall(f); assert(not ok, "expected an error"); return tostring(e) end
local wf = Workflow.sequential({ name = "w", steps = { { name = "sum", tool = "calculater", parameters = { input = "1+1" } } } })
local failed = wf:execute()
return {
  tool = err(function() return Tool.invoke("calculater", { input = "1+1" }) end),
  key = err(function() return Tool.invoke("calculator", { inptu = "1+1" }) end),
  far_key = err(function() return Tool.invoke("calculator", { input = "1+1", colour = "red" }) end),
  agent = err(function() return Agent.create({ name = "a", tools = { "calculater" } }) end),
  step = tostring(failed.error),
  step_code = failed.error_code,
  validate = wf:validate().errors[1],
  old_name = Tool.invoke("calculator", { expression = "6*7" }).result.result,
  alias_tool = Tool.invoke("datetime_handler", { operation = "parse", input = "2024-01-15" }).result.parsed.year,
  reference_key = Tool.invoke("text_manipulator", { input = "hi", operation = "uppercase", format = "plain" }).result,
}`);
    const r = await cli(['run', 'typos.lua'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({
      tool: "TOOL_NOT_FOUND: Tool 'calculater' not found (did you mean 'calculator'?)",
      key: "INVALID_ARGUMENT: calculator: unknown parameter 'inptu' (did you mean 'input'?)",
      far_key: "INVALID_ARGUMENT: calculator: unknown parameter 'colour' (known parameters: operation, input, expression, variables)",
      agent: "TOOL_NOT_FOUND: agent 'a': tool 'calculater' not found (did you mean 'calculator'?)",
      step: "TOOL_NOT_FOUND: step 'sum': Tool 'calculater' not found (did you mean 'calculator'?)",
      step_code: 'TOOL_NOT_FOUND',
      validate: "step 'sum': Tool 'calculater' not found (did you mean 'calculator'?)",
      old_name: 42,
      alias_tool: 2024,
      reference_key: 'HI',
    });
  });

  test('JavaScript: the same refusals, with their codes', async () => {
    const dir = scratch();
    write(dir, 'typos.js', `
const out = {};
for (const [k, call] of Object.entries({
  tool: () => Tool.invoke('uuid_genrator', {}),
  key: () => Tool.invoke('uuid_generator', { opration: 'validate', uuid: 'x' }),
})) {
  try { await call(); out[k] = 'no error'; } catch (e) { out[k] = [e.code, e.message]; }
}
export default out;`);
    const r = await cli(['run', 'typos.js'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({
      tool: ['TOOL_NOT_FOUND', "TOOL_NOT_FOUND: Tool 'uuid_genrator' not found (did you mean 'uuid_generator'?)"],
      key: ['INVALID_ARGUMENT', "INVALID_ARGUMENT: uuid_generator: unknown parameter 'opration' (did you mean 'operation'?)"],
    });
  });

  test('llmspell tools show suggests the tool meant', async () => {
    const r = await cli(['tools', 'show', 'calculater']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("TOOL_NOT_FOUND: Tool 'calculater' not found (did you mean 'calculator'?)");
    const far = await cli(['tools', 'show', 'weather']);
    expect(far.stderr).toContain("TOOL_NOT_FOUND: Tool 'weather' not found (llmspell tools list shows them all)");
  });
});
