-- tool-basics.lua: find, inspect and call the built-in tools; catch their errors.
--   llmspell run examples/lua/tool-basics.lua
-- No API key needed.

-- Discover what is there: Tool.list() gives {name, description, category, ...} per tool.
local tools = Tool.list()
print(#tools .. " tools, categories: " .. table.concat(Tool.categories(), ", "))
print("calculator exists: " .. tostring(Tool.exists("calculator")))

-- A tool's schema lists its parameters (what `llmspell tools show calculator` prints).
local names = {}
for _, p in ipairs(Tool.get("calculator"):getSchema().parameters) do names[#names + 1] = p.name end
print("calculator takes: " .. table.concat(names, ", "))

-- Tool.invoke(name, params) returns {text, success, result, metadata}; `result` is parsed data.
local r = Tool.invoke("calculator", { input = "sqrt(x^2 + y^2)", variables = { x = 3, y = 4 } })
print("hypotenuse = " .. r.result.result)

-- Tool.<name> is a shortcut object: call it with :execute(params).
local upper = Tool.text_manipulator:execute({ input = "hello tools", operation = "uppercase" })
print(upper.result)

-- Failures raise a Lua error "CODE: detail". pcall catches it; the code tells what went wrong.
local function code_of(err) return tostring(err):match("^([%u_]+):") end

local ok, err = pcall(Tool.invoke, "calculator", { input = "1 +" })
print("bad expression -> " .. tostring(code_of(err)))
local ok2, err2 = pcall(Tool.invoke, "no_such_tool", {})
print("unknown tool   -> " .. tostring(code_of(err2)))
local ok3, err3 = pcall(Tool.invoke, "calculator", { input = 42 })   -- wrong parameter type
print("bad parameter  -> " .. tostring(err3))

return {
  hypotenuse = r.result.result,
  upper = upper.result,
  bad_expression = code_of(err),
  unknown_tool = code_of(err2),
  bad_parameter = code_of(err3),
  caught = not (ok or ok2 or ok3),
}
