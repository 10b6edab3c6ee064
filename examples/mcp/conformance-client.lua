-- conformance-client.lua: a generic MCP client, the "client under test" of the official
-- MCP conformance scenarios (npm @modelcontextprotocol/conformance):
--   llmspell run examples/mcp/conformance-client.lua -- http://localhost:3001/mcp
-- It opens the server at the URL, lists its tools, resources and prompts, and calls every
-- tool once with arguments made from the tool's input schema. It fails (exit 1) when a call
-- fails. A server's elicitation form is accepted with the form's defaults. Loopback URLs need
-- runtime.security.allow_private_network (see README.md). conformance-client.js is its twin.

local url = ARGS[1]
if not url then error("usage: llmspell run conformance-client.lua -- <server-url>") end

-- A value for one property of an input schema: its default, its first enum value, or a
-- small sample of its type (numbers count up so a sum is visibly a sum).
local counter = 0
local function sample(schema)
  if schema.default ~= nil then return schema.default end
  if schema.enum then return schema.enum[1] end
  local t = schema.type
  if t == "number" or t == "integer" then counter = counter + 1; return counter end
  if t == "boolean" then return true end
  if t == "array" then return {} end
  if t == "object" then return {} end
  return "conformance"
end

local function arguments_for(tool)
  local args = {}
  local schema = tool.inputSchema or {}
  for name, property in pairs(schema.properties or {}) do args[name] = sample(property) end
  return args
end

-- elicitation = "defaults": accept a form the server sends with its defaults (the default
-- with no one at a terminal is to decline it).
local client = MCP.connect{ url = url, elicitation = "defaults" }
local report = { tools = {}, failures = {} }

for _, tool in ipairs(client:listTools()) do
  local args = arguments_for(tool)
  local ok, result = pcall(function() return client:callTool(tool.name, args) end)
  if not ok then
    report.failures[#report.failures + 1] = tool.name .. ": " .. tostring(result)
  elseif result.isError then
    report.failures[#report.failures + 1] = tool.name .. " returned an error: " .. tostring(result.text)
  else
    print(tool.name .. " -> " .. tostring(result.text))
    report.tools[#report.tools + 1] = tool.name
  end
end

-- Resources and prompts are optional capabilities: a server without them says so.
for _, what in ipairs({ "listResources", "listPrompts" }) do
  local ok, items = pcall(function() return client[what](client) end)
  report[what] = ok and #items or nil
end

client:close()
if #report.failures > 0 then error(table.concat(report.failures, "\n")) end
return report
