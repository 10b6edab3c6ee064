// replay-whatif.js: what-if runs of a tool call with Replay configs, and a diff of the results.
//   llmspell run examples/js/replay-whatif.js
// Replay.create_config(mode) holds modifications ("context.data.<key>" = value, dots for nested
// keys); config.apply(ctx) returns a copy of a hook context with them set, which a hook can hand
// back as {type: "modified", data}. Replay.create_comparator() diffs two results. llmspell
// records nothing for you to replay: you run the what-if yourself, as below.

// 1. The baseline: a calculator call as the script makes it.
async function calculate(expression, config) {
  let hook;
  if (config) {
    // 2. The what-if: the same call, its input changed by the config's modifications.
    hook = Hook.register('BeforeToolExecution', (ctx) => {
      if (ctx.component_id.name !== 'calculator') return null;
      return { type: 'modified', data: config.apply(ctx).data };
    });
  }
  try {
    return (await Tool.invoke('calculator', { input: expression })).result;
  } catch (err) {
    return { error: String(err) };
  } finally {
    hook?.unregister();
  }
}

const whatif = Replay.create_config('modified');
whatif.add_modification('context.data.input.input', '(2 + 3) * 10');
const baseline = await calculate('2 + 3 * 10');
const replayed = await calculate('2 + 3 * 10', whatif);
console.log('baseline:', JSON.stringify(baseline));
console.log('what-if: ', JSON.stringify(replayed));

// 3. Compare, leaving out fields that are expected to differ.
const comparator = Replay.create_comparator({ ignore_paths: ['expression'] });
const comparison = comparator.compare_json(baseline, replayed);
for (const d of comparison.differences) console.log(`${d.path}: ${d.description}`);
console.log('summary:', comparison.summary);

export default { baseline: baseline.result, whatif: replayed.result, identical: comparison.identical, changed: comparison.differences.map((d) => d.path) };
