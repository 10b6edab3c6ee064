-- workflow-loop.lua: repeat steps while a condition holds, keeping data between iterations.
--   llmspell run examples/lua/workflow-loop.lua -- --target 1000
-- A while loop checks its condition before each iteration; `max_iterations` (default 100 for
-- while loops) is the safety net. Function steps keep data across iterations with
-- ctx.set_shared/get_shared; a condition function gets (input, shared).

local target = tonumber(ARGS.target or "1000")

local wf = Workflow.loop({
  name = "compound-interest",
  iterator = {
    while_condition = function(input, shared) return (shared.balance or input.start) < input.target end,
  },
  max_iterations = 50,
  body = {
    -- This iteration's opening balance: the shared one, or the start amount the first time.
    { name = "opening", type = "custom", execute = function(ctx)
        return ctx.get_shared("balance") or ctx.input.start
      end },
    -- The calculator does the arithmetic on this iteration's outputs.
    { name = "grow", tool = "calculator",
      input = { input = "round(b * (1 + r), 2)", variables = { b = "{{step:opening:output}}", r = "{{input.rate}}" } } },
    { name = "book", type = "custom", execute = function(ctx)
        local balance = ctx.outputs.grow.result
        ctx.set_shared("balance", balance)
        return { year = ctx.current_index + 1, balance = balance }
      end },
  },
  -- collect_all (default): a list with the last output of each iteration.
  aggregation_strategy = "collect_all",
})

local r = wf:execute({ start = 500, rate = 0.07, target = target })
local years = r.data.aggregated_results
for _, y in ipairs(years) do print(string.format("year %2d: %.2f", y.year, y.balance)) end
print("stopped because: " .. r.data.break_reason)

return { success = r.success, years = #years, final = years[#years].balance, reason = r.data.break_reason }
