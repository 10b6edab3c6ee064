-- workflow-conditional.lua: route work to the first branch whose condition holds.
--   llmspell run examples/lua/workflow-conditional.lua -- --amount 250
-- Conditions: {type="input_equals", key, value}, {type="expression", expression="input.n > 3"},
-- shared_data_*/step_output_* tests, and/or/not, or a Lua function(input, shared) -> boolean.
-- No match runs default_branch.

local function classify(amount)
  local wf = Workflow.conditional({
    name = "expense-approval",
    branches = {
      { name = "rejected",
        condition = function(input) return input.amount <= 0 end,
        steps = { { name = "why", type = "custom", execute = function() return "amount must be positive" end } } },
      { name = "manager",
        condition = { type = "expression", expression = "input.amount > 100 and input.amount <= 1000" },
        steps = {
          { name = "vat", tool = "calculator", input = { input = "amount * 0.2", variables = { amount = "{{input.amount}}" } } },
          { name = "note", type = "custom", execute = function(ctx)
              return "needs a manager; VAT " .. ctx.outputs.vat.result
            end },
        } },
      { name = "board",
        condition = { type = "expression", expression = "input.amount > 1000" },
        steps = { { name = "note", type = "custom", execute = function() return "needs the board" end } } },
    },
    default_branch = {
      steps = { { name = "note", type = "custom", execute = function(ctx) return "auto-approved: " .. ctx.input.amount end } },
    },
  })
  local r = wf:execute({ amount = amount })
  -- data.branch_output is the last output of the branch that ran.
  local branch = r.metadata.extra.executed_branches[1].branch_name
  print(string.format("%6s -> %-8s %s", tostring(amount), branch, r.data.branch_output))
  return branch
end

local requested = tonumber(ARGS.amount or "")
return {
  small = classify(40),
  medium = classify(250),
  large = classify(5000),
  invalid = classify(-5),
  requested = requested and classify(requested) or nil,
}
