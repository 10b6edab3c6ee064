-- workflow-loop.lua: repeat steps while a condition holds, keeping data between iterations.
--   llmspell run examples/lua/workflow-loop.lua -- --target 1000
-- A while loop checks its condition before each iteration; `max_iterations` (default 100 for
-- while loops) is the safety net. Function steps share data through ctx.set_shared/get_shared,
-- and conditions read it as `shared.<key>`.

local target = tonumber(ARGS.target or "1000")

local wf = Workflow.loop({
  name = "compound-interest",
  iterator = { while_condition = "shared.balance < input.target" },
  max_iterations = 50,
  body = {
    -- The calculator does the arithmetic; {{shared.balance}} is this iteration's balance.
    { name = "grow", tool = "calculator",
      input = { input = "round(b * (1 + r), 2)", variables = { b = "{{shared.balance}}", r = "{{input.rate}}" } } },
    { name = "book", type = "custom", execute = function(ctx)
        local balance = ctx.outputs.grow.result
        ctx.set_shared("balance", balance)
        ctx.set_shared("years", (ctx.get_shared("years") or 0) + 1)
        return { year = ctx.get_shared("years"), balance = balance }
      end },
  },
  aggregation_strategy = "collect_all",
})

-- Shared data starts from a function step too: a one-step workflow could seed it, but the
-- simplest seed is the loop's own first read: we start the balance with the input.
local seed = Workflow.sequential({
  name = "seed-and-grow",
  steps = {
    { name = "seed", type = "custom", execute = function(ctx) ctx.set_shared("balance", ctx.input.start) return ctx.input.start end },
    { name = "grow", type = "workflow", workflow = wf, input = "{{input}}" },
  },
})

local r = seed:execute({ start = 500, rate = 0.07, target = target })
local years = r.data.final_output.data.aggregated_results
for _, y in ipairs(years) do print(string.format("year %2d: %.2f", y.year, y.balance)) end

return { success = r.success, years = #years, final = years[#years].balance }
