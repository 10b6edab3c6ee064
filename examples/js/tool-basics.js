// tool-basics.js: find, inspect and call the built-in tools; catch their errors.
//   llmspell run examples/js/tool-basics.js
// No API key needed. Tool calls return promises: await them.

// Discover what is there: Tool.list() gives {name, description, category, ...} per tool.
const tools = Tool.list();
print(`${tools.length} tools, categories: ${Tool.categories().join(', ')}`);

// Tool.discover filters by category (or security_level, tag).
const utilities = Tool.discover({ category: 'utility' }).map((t) => t.name);
print(`utility tools: ${utilities.join(', ')}`);

// Tool.invoke(name, params) resolves to {text, success, result, metadata}; `result` is parsed data.
const hash = await Tool.invoke('hash_calculator', { operation: 'hash', algorithm: 'sha256', input: 'llmspell' });
print(`sha256: ${JSON.stringify(hash.result).slice(0, 80)}`);

const words = await Tool.invoke('text_manipulator', { input: 'one two three', operation: 'split' });
print(`split: ${JSON.stringify(words.result)}`);

// Failures reject with an Error carrying `code` (and `message` "CODE: detail").
async function codeOf(promise) {
  try {
    await promise;
    return 'no error';
  } catch (err) {
    return err.code;
  }
}
const badExpression = await codeOf(Tool.invoke('calculator', { input: '1 +' }));
const unknownTool = await codeOf(Tool.invoke('no_such_tool', {}));
const badParameter = await codeOf(Tool.invoke('calculator', { input: 42 }));
print(`errors: ${badExpression}, ${unknownTool}, ${badParameter}`);

export default {
  has_calculator: utilities.includes('calculator'),
  words: words.result,
  bad_expression: badExpression,
  unknown_tool: unknownTool,
  bad_parameter: badParameter,
};
