-- replay-whatif.lua: what-if runs of a tool call with Replay configs, and a diff of the results.
--   llmspell run examples/lua/replay-whatif.lua
-- Replay.create_config(mode) holds modifications ("context.data.<key>" = value, dots for nested
-- keys); config:apply(ctx) returns a copy of a hook context with them set, which a hook can hand
-- back as {type="modified", data=...}. Replay.create_comparator() diffs two results. llmspell
-- records nothing for you to replay: you run the what-if yourself, as below.

-- 1. The baseline: a calculator call as the script makes it.
local function calculate(expression, config)
  local hook
  if config then
    -- 2. The what-if: the same call, its input changed by the config's modifications.
    hook = Hook.register("BeforeToolExecution", function(ctx)
      if ctx.component_id.name ~= "calculator" then return nil end
      return { type = "modified", data = config:apply(ctx).data }
    end)
  end
  local ok, result = pcall(Tool.invoke, "calculator", { input = expression })
  if hook then hook:unregister() end
  return ok and result.result or { error = tostring(result) }
end

local whatif = Replay.create_config(Replay.modes.modified)
whatif:add_modification("context.data.input.input", "(2 + 3) * 10")
local disabled = whatif:add_modification("context.data.input.precision", 2, false)
print("mode:", whatif:get_mode():name(), "modifications:", #whatif:get_modifications(), "enabled:", disabled:is_enabled())

local baseline = calculate("2 + 3 * 10")
local replayed = calculate("2 + 3 * 10", whatif)
print("baseline:", JSON.stringify(baseline))
print("what-if: ", JSON.stringify(replayed))

-- 3. Compare: which fields moved, and how alike the two results are (share of equal leaf values).
local comparison = Replay.create_comparator():compare_json(baseline, replayed)
for _, d in ipairs(comparison.differences) do print(d.path .. ": " .. d.description) end
print("similarity:", comparison.similarity_score)

return {
  baseline = baseline.result,
  whatif = replayed.result,
  identical = comparison.identical,
  changed = #comparison.differences,
}
