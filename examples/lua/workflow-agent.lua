-- workflow-agent.lua: a workflow whose middle step is an LLM agent.
--   OPENAI_API_KEY=sk-... llmspell run examples/lua/workflow-agent.lua
--   llmspell run examples/lua/workflow-agent.lua -- --model ollama/llama3.2
-- An agent step takes `agent` (an agent object or its name) and a prompt in `input`; its
-- output is the answer text, so later steps can use it as {{step:NAME:output}}.

local model = ARGS.model
if not model and not Config.get("providers.default_provider") then model = "openai/gpt-4o-mini" end

local writer = Agent.create({
  name = "headline-writer",
  model = model,
  system_prompt = "You write one short newspaper headline for the text you are given. Answer with the headline only.",
  max_conversation_length = 0,
})

local wf = Workflow.sequential({
  name = "headline",
  steps = {
    -- 1. Clean the input text with a tool.
    { name = "clean", tool = "text_manipulator",
      input = { operation = "normalize_whitespace", input = "{{input.article}}" } },
    -- 2. The agent reads the cleaned text: the reference is interpolated into the prompt.
    { name = "headline", agent = writer,
      input = "Text: {{step:clean:output}}" },
    -- 3. Post-process the answer in Lua.
    { name = "format", type = "custom", execute = function(ctx)
        local h = ctx.outputs.headline:gsub("^%s+", ""):gsub("%s+$", "")
        return { headline = h, words = select(2, h:gsub("%S+", "")) }
      end },
  },
})

local r = wf:execute({ article = "  The  town   council   voted   to   turn the old   station into a library.  " })
print("headline: " .. r.data.final_output.headline)

return {
  success = r.success,
  headline = r.data.final_output.headline,
  words = r.data.final_output.words,
  cleaned = r.data.step_outputs.clean,
}
