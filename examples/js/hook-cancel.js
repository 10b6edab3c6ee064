// hook-cancel.js: guard rails with hooks — cancel a tool call, clean state writes, recover errors.
//   llmspell run examples/js/hook-cancel.js
// A hook is a function of the context ({point, component_id, data, ...}); it may be async.
// Return nothing to continue, {type: 'cancel', reason} to stop, {type: 'modified', data} to change.

// 1. Cancel: file_operations may read, but nothing may write or delete.
Hook.register('BeforeToolExecution', (ctx) => {
  const op = ctx.data.input.operation;
  if (ctx.component_id.name === 'file_operations' && op !== 'read' && op !== 'exists') {
    return { type: 'cancel', reason: `read-only mode: '${op}' refused` };
  }
}, { priority: 'high', name: 'read-only-files' });

let refused;
try {
  await Tool.invoke('file_operations', { operation: 'write', path: 'notes.txt', content: 'hi' });
} catch (err) {
  refused = err.code;
  print(err.message);
}

// 2. Modify state writes: every value stored in "custom:profile" gets trimmed.
Hook.register('BeforeStateWrite', (ctx) => {
  const { scope, value } = ctx.data;
  if (scope === 'custom:profile' && typeof value === 'string') {
    return { type: 'modified', data: { ...ctx.data, value: value.trim() } };
  }
});
await State.save('custom:profile', 'name', '   Ada Lovelace   ');
const name = await State.load('custom:profile', 'name');
print(`stored name: '${name}'`);

// 3. Recover from a failure: on ToolError, answer with a fallback output instead of failing.
Hook.register('ToolError', (ctx) => {
  if (ctx.component_id.name !== 'calculator') return;
  print(`calculator failed (${ctx.data.error.code}); using 0`);
  return { type: 'modified', data: { output: { text: '0', success: false, result: { result: 0 } } } };
});
const recovered = await Tool.invoke('calculator', { input: '1 / 0' });
print(`1 / 0 -> ${recovered.result.result}`);

// Reading is still allowed, and shows the refused write never happened.
const exists = await Tool.invoke('file_operations', { operation: 'exists', path: 'notes.txt' });

export default {
  refused,
  file_written: exists.result,
  name,
  recovered: recovered.result.result,
};
