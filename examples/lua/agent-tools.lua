-- agent-tools.lua: an LLM agent that calls llmspell tools to answer.
--   OPENAI_API_KEY=sk-... llmspell run examples/lua/agent-tools.lua
--   llmspell run examples/lua/agent-tools.lua -- --model ollama/llama3.2     (a local model)
-- Any OpenAI-compatible server works: set OPENAI_BASE_URL (and OPENAI_API_KEY if it wants one),
-- or declare [providers] default_provider + [providers.providers.<name>] in llmspell.toml.

-- The model: --model on the command line, else the configured default provider's model,
-- else OpenAI's gpt-4o-mini.
local model = ARGS.model
if not model and not Config.get("providers.default_provider") then model = "openai/gpt-4o-mini" end

local agent = Agent.create({
  name = "math-helper",
  model = model,
  system_prompt = "You are a careful assistant. Use the calculator tool for arithmetic; never guess.",
  tools = { "calculator" },   -- the model may call these llmspell tools
  max_steps = 4,              -- model -> tool -> model round trips at most
  temperature = 0,
})

-- invoke runs the whole loop: the model asks for a tool, llmspell runs it (with hooks, events
-- and the security policy), hands the result back, and the model answers.
local r = agent:invoke({ text = "What is 1234 * 5678? Use the calculator." })
print("answer: " .. r.text)

-- metadata.tool_calls lists each call: name, arguments, and the result the model was given
-- ({success, message, result = the tool's result}) or the error it got.
local tool_result
for _, call in ipairs(r.metadata.tool_calls) do
  print(string.format("tool %s(%s) -> %s", call.name, JSON.stringify(call.arguments), call.result and call.result.message or JSON.stringify(call.error)))
  if call.name == "calculator" and call.result then tool_result = call.result.result.result end
end
print(string.format("tokens: %d in, %d out; cost: %s", r.usage.input_tokens, r.usage.output_tokens, tostring(r.cost)))

-- Mistakes surface as coded errors: an unknown tool name is refused at creation.
local ok, err = pcall(Agent.create, { name = "broken", model = model, tools = { "no_such_tool" } })
print("unknown tool -> " .. tostring(err))

return {
  calls = #r.metadata.tool_calls,
  tool_result = tool_result,
  mentions_result = r.text:gsub(",", ""):find("7006652", 1, true) ~= nil,
  unknown_tool = tostring(err):match("^([%u_]+):"),
}
