-- agent-stream.lua: stream an answer chunk by chunk, and keep a conversation going.
--   OPENAI_API_KEY=sk-... llmspell run examples/lua/agent-stream.lua
--   llmspell run examples/lua/agent-stream.lua -- --model ollama/llama3.2
-- (model selection as in agent-tools.lua: --model, else [providers] default_provider, else OpenAI)

local model = ARGS.model
if not model and not Config.get("providers.default_provider") then model = "openai/gpt-4o-mini" end

local agent = Agent.create({
  name = "storyteller",
  model = model,
  system_prompt = "You tell very short stories (two sentences at most).",
  max_conversation_length = 10,   -- messages remembered between calls (0 = stateless)
})

-- invokeStream calls the function with {text = chunk} as the model writes, then returns the
-- whole output (text, usage...) plus chunks_received.
local pieces = {}
local s = agent:invokeStream({ text = "Tell me a story about a lighthouse." }, function(chunk)
  pieces[#pieces + 1] = chunk.text   -- a chat UI would display it right away
end)
print("streamed " .. s.chunks_received .. " chunks: " .. table.concat(pieces))

-- The agent remembers the conversation: the follow-up sees the story.
local follow = agent:invoke({ text = "Give that story a title of three words." })
print("title: " .. follow.text)
local history = agent:getHistory()
print("conversation: " .. #history .. " messages")

-- The pull form: agent:stream() returns an iterator whose next() gives {done, value = {text}}.
local it = agent:stream("One more, about a cat.")
local n = 0
while true do
  local step = it:next()
  if step.done then break end
  n = n + 1
end

return {
  chunks = s.chunks_received,
  joined_matches = table.concat(pieces) == s.text,
  history = #history,
  pulled_chunks = n,
}
