// How a value refused at the boundary is named in errors: the `$` path of the place, the same in both bridges.
import { LlmspellError } from '@llmspell/core';

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `$.a.b[0]` from the keys walked from the value's root (numbers are array indexes). */
export function formatPath(keys: ReadonlyArray<string | number>): string {
  let out = '$';
  for (const key of keys) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  }
  return out;
}

/** The error for a value that reaches itself: where the cycle closes, and the place it closes on. */
export function cycleError(at: ReadonlyArray<string | number>, to: ReadonlyArray<string | number>, argument?: number): LlmspellError {
  const path = formatPath(at);
  const refersTo = formatPath(to);
  return new LlmspellError(
    'INVALID_ARGUMENT',
    `cannot pass a value that contains itself (a cycle): the value at ${path}${ofArgument(argument)} refers back to ${refersTo}`,
    { details: argument === undefined ? { path, refersTo } : { path, refersTo, argument } },
  );
}

/** A script value with no faithful plain-data form (see README: Values), or a cycle, found while walking it. */
export class BoundaryProblem {
  constructor(
    /** The keys from the root to the value (a copy). */
    readonly at: ReadonlyArray<string | number>,
    /** What the value is and what to do instead; for a cycle, undefined. */
    readonly what: string | undefined,
    /** For a cycle, the keys of the place it closes on. */
    readonly refersTo: ReadonlyArray<string | number> = [],
  ) {}

  /** As the error the script sees; `argument` (1-based) when the value is a host call's argument. */
  toError(argument?: number): LlmspellError {
    if (this.what === undefined) return cycleError(this.at, this.refersTo, argument);
    const path = formatPath(this.at);
    return new LlmspellError('INVALID_ARGUMENT', `value at ${path}${ofArgument(argument)} is ${this.what}`, {
      details: argument === undefined ? { path } : { path, argument },
    });
  }
}

function ofArgument(argument: number | undefined): string {
  return argument === undefined ? '' : ` (argument ${argument})`;
}
