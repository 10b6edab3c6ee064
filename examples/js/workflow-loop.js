// workflow-loop.js: run the same steps for every item of a list (or a range, or while a
// condition holds), and collect the results.
//   llmspell run examples/js/workflow-loop.js
// Inside the body, {{loop:current_item}} / {{loop:current_index}} (and ctx.current_item in a
// function step) name the item.

const files = ['Read Me.md', 'Change Log.txt', 'TODO list.org'];

const wf = Workflow.loop({
  name: 'slugify-files',
  iterator: { collection: files },
  body: [
    { name: 'slug', tool: 'text_manipulator', input: { operation: 'snake_case', input: '{{loop:current_item}}' } },
    {
      name: 'record',
      type: 'custom',
      execute: (ctx) => ({ index: ctx.current_index, from: ctx.current_item, to: ctx.outputs.slug }),
    },
  ],
  // collect_all (the default) keeps the last output of each iteration.
  aggregation_strategy: 'collect_all',
});

const r = await wf.execute();
for (const item of r.data.aggregated_results) print(`${item.index}: ${item.from} -> ${item.to}`);

// A range loop that stops early: break_conditions are checked after each iteration and may
// read the step outputs (`outputs.<step>`), the input and the shared data.
const squares = Workflow.loop({
  name: 'find-first-square-over-50',
  iterator: { range: { start: 1, end: 20, step: 1 } },
  body: [{ name: 'square', tool: 'calculator', input: { input: 'n ^ 2', variables: { n: '{{loop:current_item}}' } } }],
  break_conditions: [{ type: 'expression', expression: 'outputs.square.result > 50' }],
  aggregation_strategy: 'last',
});
const r2 = await squares.execute();
print(`range loop: ${r2.data.completed_iterations} iterations (${r2.data.break_reason}), last square ${r2.data.aggregated_results.result}`);

export default {
  slugs: r.data.aggregated_results.map((x) => x.to),
  iterations: r.data.completed_iterations,
  range_iterations: r2.data.completed_iterations,
  first_square_over_50: r2.data.aggregated_results.result,
};
