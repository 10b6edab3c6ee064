import type { Node } from './parse.js';

/**
 * The array constructor `[E]` when a reduce update is `. + [E]` or `. += [E]` and E does not read
 * its input (the accumulator): then each step only appends E's outputs, and the reduce can push
 * into an array it owns instead of copying the accumulator every step (n² for n items). E may not
 * read `.` because an output holding the accumulator would then alias the array being appended to.
 */
export function appendOnlyUpdate(update: Node): Extract<Node, { t: 'array' }> | undefined {
  const plus = (update.t === 'binop' && update.op === '+') || (update.t === 'assign' && update.op === '+=');
  if (!plus || update.left.t !== 'identity' || update.right.t !== 'array') return undefined;
  return update.right.body === null || readsNoInput(update.right.body) ? update.right : undefined;
}

/** True when `node` gives the same outputs whatever its input: literals, `$vars` and what is built from them. */
function readsNoInput(node: Node): boolean {
  switch (node.t) {
    case 'literal':
    case 'var':
      return true;
    case 'string':
      return node.format === undefined && node.parts.every((p) => typeof p === 'string' || readsNoInput(p));
    case 'array':
      return node.body === null || readsNoInput(node.body);
    case 'object':
      // `{a}` and `{"a"}` read `.a`; `{$x}` reads the variable.
      return node.entries.every((e) => (typeof e.key === 'string' || readsNoInput(e.key)) && (e.value === null ? e.keyVar !== undefined : readsNoInput(e.value)));
    case 'field':
    case 'iterate':
      return readsNoInput(node.target);
    case 'index':
      return readsNoInput(node.target) && readsNoInput(node.index);
    case 'slice':
      return readsNoInput(node.target) && (node.from === null || readsNoInput(node.from)) && (node.to === null || readsNoInput(node.to));
    // The right side of a pipe reads the left side's outputs, never the accumulator.
    case 'pipe':
      return readsNoInput(node.left);
    case 'comma':
    case 'binop':
    case 'and':
    case 'or':
    case 'alt':
      return readsNoInput(node.left) && readsNoInput(node.right);
    case 'neg':
      return readsNoInput(node.body);
    default:
      return false;
  }
}
