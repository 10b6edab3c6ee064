// Evaluates a source as a classic script or else as an ES module, and reports its parse errors (split from js-vm.ts).
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten-core';

const MODULE_HINT = /^\s*(?:import|export)\b|\bawait\b/m;

export interface SyntaxProblem {
  name: string;
  message: string;
  line: number | null;
}

export type EvalOutcome =
  | { kind: 'ok'; mode: 'global' | 'module'; value: QuickJSHandle }
  /** Thrown while running synchronously; the caller owns `error`. */
  | { kind: 'thrown'; error: QuickJSHandle }
  | { kind: 'syntax'; problem: SyntaxProblem };

/**
 * A parse error of the evaluated source itself: QuickJS's parser gives it own
 * `fileName`/`lineNumber`; runtime SyntaxErrors (JSON.parse, eval, RegExp) name
 * "<input>" or nothing.
 */
function parseProblem(ctx: QuickJSContext, error: QuickJSHandle, file: string): SyntaxProblem | null {
  if (ctx.typeof(error) !== 'object') return null;
  const read = (key: string): unknown => {
    const h = ctx.getProp(error, key);
    try {
      const t = ctx.typeof(h);
      return t === 'string' ? ctx.getString(h) : t === 'number' ? ctx.getNumber(h) : undefined;
    } finally {
      h.dispose();
    }
  };
  if (read('fileName') !== file || read('name') !== 'SyntaxError') return null;
  const line = read('lineNumber');
  return { name: 'SyntaxError', message: String(read('message') ?? 'syntax error'), line: typeof line === 'number' ? line : null };
}

/**
 * Evaluates a source as a classic script when it parses as one (the last expression is
 * the result and top-level declarations persist between REPL runs), else as an ES module
 * (top-level await, `export default`). Parsing happens before anything runs, so a source
 * never runs twice. (QuickJS's compile-only flag is not used: in this build it corrupts
 * memory for modules.)
 */
export function evaluateSource(ctx: QuickJSContext, source: string, file: string): EvalOutcome {
  const asGlobal = ctx.evalCode(source, file, { type: 'global' });
  if (!asGlobal.error) return { kind: 'ok', mode: 'global', value: asGlobal.value };
  const globalProblem = parseProblem(ctx, asGlobal.error, file);
  if (!globalProblem) return { kind: 'thrown', error: asGlobal.error };
  asGlobal.error.dispose();
  const asModule = ctx.evalCode(source, file, { type: 'module' });
  if (!asModule.error) return { kind: 'ok', mode: 'module', value: asModule.value };
  const moduleProblem = parseProblem(ctx, asModule.error, file);
  if (!moduleProblem) return { kind: 'thrown', error: asModule.error };
  asModule.error.dispose();
  return { kind: 'syntax', problem: MODULE_HINT.test(source) ? moduleProblem : globalProblem };
}

export function syntaxText(problem: SyntaxProblem): string {
  return problem.name && problem.name !== 'SyntaxError' ? `${problem.name}: ${problem.message}` : problem.message;
}
