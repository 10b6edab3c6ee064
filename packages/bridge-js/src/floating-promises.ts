import { parse, type Node } from 'acorn';

/**
 * The global a rewritten script calls around each floating call (see `markFloatingCalls`).
 * QuickJS, as built by quickjs-emscripten, exposes no host promise-rejection tracker, so a
 * promise the script makes and drops (`main();` where `main` is async) would reject silently.
 */
export const FLOATING_HELPER = '__llmspellFloating';

/** A script that can make a promise of its own: the rest need no parse. */
const MAKES_PROMISES = /\basync\b|\bPromise\b|\.then\s*\(/;

interface Insertion {
  at: number;
  text: string;
}

/**
 * Rewrites `f(x);` statements (a call or `new` whose value the script drops) to
 * `__llmspellFloating(f(x), line);`, so a rejection of the dropped promise reaches the host
 * and fails the run, as an unhandled rejection ends a Node program. A dropped value cannot be
 * handled later by anyone, which makes this exact for statements; a promise kept in a variable
 * and never handled is not seen. Only text is inserted, on the same lines, so line and column
 * numbers of errors stay those of the source. The last top-level statement is left alone: in a
 * classic script it is the result, which the host already awaits and reports.
 * Returns the source unchanged when it does not parse (QuickJS reports the syntax error).
 */
export function markFloatingCalls(source: string): string {
  if (!MAKES_PROMISES.test(source)) return source;
  const program = parseEither(source);
  if (!program) return source;
  const insertions: Insertion[] = [];
  const lineStarts = startsOfLines(source);
  const body = (program as unknown as { body: Node[] }).body;
  const last = body[body.length - 1];
  visit(program, (statement) => {
    if (statement === last) return;
    const expression = (statement as unknown as { expression: Node }).expression;
    if (expression.type !== 'CallExpression' && expression.type !== 'NewExpression') return;
    const line = lineAt(lineStarts, expression.start);
    insertions.push({ at: expression.start, text: `${FLOATING_HELPER}(` }, { at: expression.end, text: `, ${line})` });
  });
  if (insertions.length === 0) return source;
  insertions.sort((a, b) => a.at - b.at);
  let out = '';
  let from = 0;
  for (const { at, text } of insertions) {
    out += source.slice(from, at) + text;
    from = at;
  }
  return out + source.slice(from);
}

function parseEither(source: string): Node | null {
  for (const sourceType of ['script', 'module'] as const) {
    try {
      return parse(source, {
        ecmaVersion: 'latest', sourceType, allowReturnOutsideFunction: true, allowAwaitOutsideFunction: sourceType === 'module',
        allowHashBang: true,
      });
    } catch {
      // try the other source type
    }
  }
  return null;
}

/** Calls `onStatement` for every expression statement, at any depth, without recursion. */
function visit(root: Node, onStatement: (statement: Node) => void): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (const child of node) stack.push(child);
      continue;
    }
    if (!isNode(node)) continue;
    if (node.type === 'ExpressionStatement' && !(node as unknown as { directive?: string }).directive) onStatement(node);
    for (const key of Object.keys(node)) {
      if (key === 'type' || key === 'start' || key === 'end' || key === 'loc') continue;
      const child = (node as unknown as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function startsOfLines(source: string): number[] {
  const starts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** The 1-based line holding `offset` (binary search over the line starts). */
function lineAt(starts: number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}
