import { createRequire } from 'node:module';
import type { diffArrays as DiffArrays } from 'diff';

export type EditKind = 'equal' | 'delete' | 'insert';

export interface Edit {
  kind: EditKind;
  /** Index in the old sequence (equal/delete) or -1. */
  oldIndex: number;
  /** Index in the new sequence (equal/insert) or -1. */
  newIndex: number;
}

/**
 * Past this many edits jsdiff gives up (about 0.2 s on 10,000 lines) and the unmatched middle is
 * reported as one replacement: huge unrelated inputs stay bounded in time and memory, and the
 * result is still a correct, if not minimal, edit script.
 */
export const DEFAULT_MAX_EDITS = 1000;

// Loaded on first use, from its CommonJS build so diffing stays synchronous; importing the tool
// package only builds its definitions (as tools-web's webpage_monitor does).
let diffArrays: typeof DiffArrays | undefined;

/** The shortest edit script turning `a` into `b` (Myers, via jsdiff), deletions before insertions in each change. */
export function diffSequences(a: readonly string[], b: readonly string[], maxEdits = DEFAULT_MAX_EDITS): Edit[] {
  diffArrays ??= (createRequire(import.meta.url)('diff') as typeof import('diff')).diffArrays;
  const changes = diffArrays(a as string[], b as string[], { maxEditLength: maxEdits });
  if (!changes) return replaceMiddle(a, b);
  const edits: Edit[] = [];
  // jsdiff may interleave the removed and added parts of one change; inserts wait for the next equal run.
  let inserts: Edit[] = [];
  let o = 0;
  let n = 0;
  for (const change of changes) {
    if (!change.added && !change.removed && inserts.length > 0) {
      // Loops, not push(...): spreading a long run into one call overflows the stack.
      for (const e of inserts) edits.push(e);
      inserts = [];
    }
    for (let i = 0; i < change.count; i += 1) {
      if (change.added) inserts.push({ kind: 'insert', oldIndex: -1, newIndex: n++ });
      else if (change.removed) edits.push({ kind: 'delete', oldIndex: o++, newIndex: -1 });
      else edits.push({ kind: 'equal', oldIndex: o++, newIndex: n++ });
    }
  }
  for (const e of inserts) edits.push(e);
  return edits;
}

/** The common prefix and suffix kept, everything between them deleted and inserted. */
function replaceMiddle(a: readonly string[], b: readonly string[]): Edit[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix += 1;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix += 1;
  const edits: Edit[] = [];
  for (let i = 0; i < prefix; i += 1) edits.push({ kind: 'equal', oldIndex: i, newIndex: i });
  for (let i = prefix; i < a.length - suffix; i += 1) edits.push({ kind: 'delete', oldIndex: i, newIndex: -1 });
  for (let j = prefix; j < b.length - suffix; j += 1) edits.push({ kind: 'insert', oldIndex: -1, newIndex: j });
  for (let i = suffix; i > 0; i -= 1) edits.push({ kind: 'equal', oldIndex: a.length - i, newIndex: b.length - i });
  return edits;
}
