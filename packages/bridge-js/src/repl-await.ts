import { parse, type Node } from 'acorn';

/*
 * The JS REPL's top-level `await`, done as Node's REPL does it (lib/internal/repl/await.js):
 * an input that awaits at its top level cannot run as a classic script, and as a module its
 * declarations would vanish with the module. So it runs as an async function evaluated as a
 * (sloppy) classic script, its top-level declarations rewritten into assignments that create
 * globals, and its last expression returned as the input's value.
 */

interface AnyNode extends Node {
  [key: string]: unknown;
}

const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'MethodDefinition', 'PropertyDefinition', 'StaticBlock']);

/** Whether `node` awaits outside any function of its own (the only awaits that need the rewrite). */
function awaitsAtTopLevel(node: unknown): boolean {
  if (!node || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some(awaitsAtTopLevel);
  const n = node as AnyNode;
  if (typeof n.type !== 'string') return false;
  if (n.type === 'AwaitExpression' || (n.type === 'ForOfStatement' && n.await === true)) return true;
  if (FUNCTION_TYPES.has(n.type)) return false;
  return Object.entries(n).some(([key, value]) => key !== 'loc' && typeof value === 'object' && awaitsAtTopLevel(value));
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * The input rewritten to run as `(async () => { … })()` with its declarations kept as globals,
 * or undefined when it has no top-level `await` (or does not parse: the engine then reports the
 * syntax error as usual). Line numbers stay those of the input.
 */
export function rewriteTopLevelAwait(source: string): string | undefined {
  let program: AnyNode;
  try {
    program = parse(source, { ecmaVersion: 'latest', sourceType: 'script', allowAwaitOutsideFunction: true }) as unknown as AnyNode;
  } catch {
    return undefined;
  }
  const body = program.body as AnyNode[];
  if (!awaitsAtTopLevel(body)) return undefined;
  const edits: Edit[] = [];
  const hoisted: string[] = [];
  const slice = (n: AnyNode) => source.slice(n.start, n.end);
  for (const statement of body) {
    if (statement.type === 'VariableDeclaration') {
      // `const {a, b} = await f()` → `void ({a, b} = await f())`: sloppy assignments make globals
      const parts = (statement.declarations as AnyNode[]).map((d) => `(${slice(d.id as AnyNode)} = ${d.init ? slice(d.init as AnyNode) : 'undefined'})`);
      edits.push({ start: statement.start, end: statement.end, text: `void (${parts.join(', ')});` });
    } else if (statement.type === 'FunctionDeclaration') {
      // stays a declaration (hoisted inside the wrapper) and is published before anything runs
      hoisted.push(`globalThis[${JSON.stringify((statement.id as AnyNode).name)}] = ${(statement.id as AnyNode).name as string};`);
    } else if (statement.type === 'ClassDeclaration') {
      const name = (statement.id as AnyNode).name as string;
      edits.push({ start: statement.start, end: statement.start, text: `${name} = ` });
      edits.push({ start: statement.end, end: statement.end, text: ';' });
    }
  }
  const last = body.at(-1);
  if (last?.type === 'ExpressionStatement') {
    edits.push({ start: last.start, end: last.end, text: `return (${slice(last.expression as AnyNode)});` });
  }
  let out = source;
  for (const edit of edits.sort((a, b) => b.start - a.start || b.end - a.end)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return `(async () => { ${hoisted.join(' ')}${out}\n})()`;
}
