// workflow-parallel.js: fan out independent work, then combine the branch outputs.
//   llmspell run examples/js/workflow-parallel.js
// Branches run at the same time (up to max_concurrency). A required branch that fails stops
// the others (fail_fast); an optional one just reports its error.

const text = 'llmspell runs Lua and JavaScript scripts that drive LLMs, tools and workflows.';

const wf = Workflow.parallel({
  name: 'analyze-text',
  max_concurrency: 3,
  branches: [
    { name: 'hash', steps: [{ name: 'sha', tool: 'hash_calculator', input: { operation: 'hash', algorithm: 'sha256', input: '{{input.text}}' } }] },
    { name: 'words', steps: [{ name: 'split', tool: 'text_manipulator', input: { operation: 'split', input: '{{input.text}}' } }] },
    {
      name: 'stats',
      steps: [
        // A JavaScript step function receives ctx (input, outputs, shared...) and may be async.
        { name: 'count', type: 'custom', execute: async (ctx) => ({ chars: ctx.input.text.length, vowels: (ctx.input.text.match(/[aeiou]/gi) ?? []).length }) },
        // Later steps of a branch see that branch's earlier outputs.
        { name: 'ratio', tool: 'calculator', input: { input: 'v / c', variables: { v: '{{step:count:output.vowels}}', c: '{{step:count:output.chars}}' } } },
      ],
    },
    // Optional: its failure (a bad expression) does not fail the workflow.
    { name: 'broken', optional: true, steps: [{ name: 'oops', tool: 'calculator', input: { input: '1 +' } }] },
  ],
});

const r = await wf.execute({ text });
const out = r.data.branch_outputs; // last output of each successful branch, by name
print(`success: ${r.success}, branches ok: ${r.data.successful_branches}, failed: ${r.data.failed_branches}`);
print(`sha256: ${out.hash.hash.slice(0, 16)}...  words: ${out.words.length}  vowel ratio: ${out.stats.result.toFixed(3)}`);
for (const b of r.metadata.extra.branch_details) print(`  ${b.branch_name}: ${b.success ? 'ok' : `failed (${b.error})`}`);

export default {
  success: r.success,
  words: out.words.length,
  branches: Object.keys(out).sort(),
  failed_optional: r.metadata.extra.branch_details.filter((b) => !b.success).map((b) => b.branch_name),
};
