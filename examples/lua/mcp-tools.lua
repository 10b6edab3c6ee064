-- mcp-tools.lua: use the tools of a Model Context Protocol server.
-- Configure a server in llmspell.toml; for example the reference "everything" server:
--   [mcp.servers.everything]
--   command = "npx"
--   args = ["-y", "@modelcontextprotocol/server-everything@2026.8.31"]
-- then:  llmspell run examples/lua/mcp-tools.lua -- everything
-- Without an argument the first configured server is used.

local name = ARGS[1] or MCP.servers()[1]
if not name then
  print("no MCP server configured: add one under [mcp.servers.NAME] in llmspell.toml")
  return { servers = 0 }
end

-- A client speaks the protocol directly: list the server's tools, call one.
local client = MCP.connect(name)
local names = {}
for _, tool in ipairs(client:listTools()) do names[#names + 1] = tool.name end
table.sort(names)
print(name .. " offers: " .. table.concat(names, ", "))

local echoed = client:callTool("echo", { message = "hello over MCP" })
print(echoed.text)   -- the text of the content; echoed.content keeps every block

-- The same tools are ordinary llmspell tools named "<server>.<tool>": hooks, events,
-- agents and workflows use them like the built-in ones.
local via_tool = Tool.invoke(name .. ".echo", { message = "hello as a tool" })

-- Errors are coded like any other: a wrong argument names the parameter.
local ok, err = pcall(function() return Tool.invoke(name .. ".echo", { message = 42 }) end)

client:close()
return {
  server = name,
  echoed = echoed.text,
  as_tool = via_tool.text,
  bad_argument = (not ok) and tostring(err):match("^(%u[%u_]+)") or nil,
}
