-- hello.lua: a first llmspell script. Run it with
--   llmspell run examples/hello.lua -- Ada
-- No API key needed: it uses the built-in tools only.

local name = ARGS[1] or ARGS.name or "world"
print("Hello, " .. name .. "!")

-- Tools return {text, metadata, success, result}; `result` is already parsed.
local sum = Tool.invoke("calculator", { input = "sqrt(16) + 2^3" })
print("sqrt(16) + 2^3 = " .. tostring(sum.result.result))

local id = Tool.invoke("uuid_generator", { operation = "generate", version = "v4" })
local encoded = Tool.invoke("base64_encoder", { operation = "encode", input = "llmspell" })
print("base64('llmspell') = " .. encoded.result.output)

-- Errors carry a code; pcall catches them.
local ok, err = pcall(Tool.invoke, "calculator", { input = "1 +" })
print("bad expression caught: " .. tostring(not ok))

-- JSON round trip and Utils.
local doc = JSON.parse('{"tools": ' .. #Tool.list() .. '}')
print("tools available: " .. doc.tools)

return {
  greeting = "Hello, " .. name .. "!",
  answer = sum.result.result,
  uuid_length = #(id.result.uuid or id.result.id or ""),
  hash = Utils.hash("llmspell"):sub(1, 12),
}
