-- workflow-sequential.lua: a pipeline of steps whose parameters refer to earlier outputs.
--   llmspell run examples/lua/workflow-sequential.lua -- --title "Quarterly report"
-- Steps are tools, agents, nested workflows or Lua functions. In a step's parameters,
-- {{input.x}} is the workflow input and {{step:NAME:output}} (or .field) an earlier step's output.
-- A string that is exactly one reference keeps the value's type (numbers stay numbers).

local wf = Workflow.sequential({
  name = "report-pipeline",
  steps = {
    -- 1. A tool step: its output is the tool's `result`.
    { name = "slug", tool = "text_manipulator",
      input = { operation = "snake_case", input = "{{input.title}}" } },
    -- 2. Arithmetic on the input.
    { name = "total", tool = "calculator",
      input = { input = "a + b + c", variables = { a = "{{input.q1}}", b = "{{input.q2}}", c = "{{input.q3}}" } } },
    -- 3. A Lua function step: ctx.outputs has every earlier output by step name.
    { name = "summary", type = "custom", execute = function(ctx)
        local total = ctx.outputs.total.result
        return { file = ctx.outputs.slug .. ".md", total = total, average = total / 3 }
      end },
    -- 4. References inside longer text are interpolated.
    { name = "render", tool = "template_engine",
      input = { input = "# {{ title }}\nTotal: {{ total }} ({{ file }})",
                context = { title = "{{input.title}}", total = "{{step:summary:output.total}}", file = "{{step:summary:output.file}}" } } },
  },
})

local r = wf:execute({ title = ARGS.title or "Quarterly report", q1 = 120, q2 = 80, q3 = 100 })
print(r.data.final_output)  -- a tool step's text (r.output keeps the record)

-- Every step's record is in metadata: step_name, success, duration_ms, attempts, output.
for _, step in ipairs(r.metadata.extra.step_results) do
  print(string.format("  %-8s %-6s %.1f ms", step.step_name, step.success and "ok" or "failed", step.duration_ms))
end

-- data.step_outputs has each step's output by name.
local summary = r.data.step_outputs.summary
return { success = r.success, steps = r.metadata.steps_executed, file = summary.file, average = summary.average }
