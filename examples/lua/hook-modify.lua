-- hook-modify.lua: hooks that watch, change and block tool calls.
--   llmspell run examples/lua/hook-modify.lua
-- Hook.register(point, fn, priority) runs fn(ctx) at that point for every tool, agent, workflow
-- or state operation of this run. ctx.data holds the operation's data ({input = params} before a
-- tool runs, {input, output, duration_ms} after). What fn returns decides what happens:
-- nil = continue, {type="modified", data=...} = change it, {type="cancel", reason=...} = stop it.

local seen = {}

-- 1. Watch: record every tool call (priority "low" runs after the others).
local audit = Hook.register("BeforeToolExecution", function(ctx)
  table.insert(seen, ctx.component_id.name)
end, "low")

-- 2. Change the input: let users write "x" for multiplication in calculator expressions.
Hook.register("BeforeToolExecution", function(ctx)
  if ctx.component_id.name ~= "calculator" then return nil end
  local params = ctx.data.input
  params.input = params.input:gsub("x", "*")
  return { type = "modified", data = { input = params } }
end, "high")

-- 3. Change the output: round calculator results to two decimals.
Hook.register("AfterToolExecution", function(ctx)
  if ctx.component_id.name ~= "calculator" then return nil end
  local out = ctx.data.output
  out.result.result = math.floor(out.result.result * 100 + 0.5) / 100
  return { type = "modified", data = { output = out } }
end)

-- 4. Block: no process execution from this script, whatever it asks for.
Hook.register("BeforeToolExecution", function(ctx)
  if ctx.component_id.name == "process_executor" then
    return { type = "cancel", reason = "process execution is disabled by policy" }
  end
end, { priority = "highest", name = "no-processes" })

local product = Tool.invoke("calculator", { input = "6 x 7 / 9" })
print("6 x 7 / 9 = " .. product.result.result)

-- A cancel stops the chain: the "low" audit hook never sees this call.
local ok, err = pcall(Tool.invoke, "process_executor", { executable = "echo", arguments = { "hi" } })
print("blocked: " .. tostring(err))

-- Hooks are listed per point; a handle unregisters its hook (all are removed when the script ends).
print("BeforeToolExecution hooks: " .. #Hook.list("BeforeToolExecution"))
audit:unregister()
Tool.invoke("uuid_generator", {})

return {
  result = product.result.result,
  blocked = tostring(err):match("^([%u_]+):"),
  seen = seen,
  remaining = #Hook.list("BeforeToolExecution"),
}
