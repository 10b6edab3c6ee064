/**
 * Myers' O(ND) difference algorithm over arrays of strings. Past `maxEdits` it stops searching
 * and reports the unmatched middle as one replacement, so huge unrelated inputs stay bounded in
 * time and memory (the result is still a correct, if not minimal, edit script).
 */
export type EditKind = 'equal' | 'delete' | 'insert';

export interface Edit {
  kind: EditKind;
  /** Index in the old sequence (equal/delete) or -1. */
  oldIndex: number;
  /** Index in the new sequence (equal/insert) or -1. */
  newIndex: number;
}

export const DEFAULT_MAX_EDITS = 3000;

export function diffSequences(a: readonly string[], b: readonly string[], maxEdits = DEFAULT_MAX_EDITS): Edit[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix += 1;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix += 1;

  const edits: Edit[] = [];
  for (let i = 0; i < prefix; i += 1) edits.push({ kind: 'equal', oldIndex: i, newIndex: i });
  // A loop, not push(...): spreading a long edit list into one call overflows the stack.
  for (const e of middle(a, b, prefix, a.length - suffix, prefix, b.length - suffix, maxEdits)) edits.push(e);
  for (let i = suffix; i > 0; i -= 1) edits.push({ kind: 'equal', oldIndex: a.length - i, newIndex: b.length - i });
  return edits;
}

function middle(a: readonly string[], b: readonly string[], a0: number, a1: number, b0: number, b1: number, maxEdits: number): Edit[] {
  const n = a1 - a0;
  const m = b1 - b0;
  const replaceAll = (): Edit[] => [
    ...Array.from({ length: n }, (_, i): Edit => ({ kind: 'delete', oldIndex: a0 + i, newIndex: -1 })),
    ...Array.from({ length: m }, (_, j): Edit => ({ kind: 'insert', oldIndex: -1, newIndex: b0 + j })),
  ];
  if (n === 0 || m === 0) return replaceAll();

  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d += 1) {
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[a0 + x] === b[b0 + y]) {
        x += 1;
        y += 1;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    trace.push(v.slice(offset - d, offset + d + 1));
  }
  if (found < 0) return replaceAll();

  const out: Edit[] = [];
  let x = n;
  let y = m;
  const at = (snap: Int32Array, d: number, k: number): number => snap[k + d];
  for (let d = found; d > 0; d -= 1) {
    const prev = trace[d - 1];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(prev, d - 1, k - 1) < at(prev, d - 1, k + 1)) ? k + 1 : k - 1;
    const prevX = at(prev, d - 1, prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x -= 1;
      y -= 1;
      out.push({ kind: 'equal', oldIndex: a0 + x, newIndex: b0 + y });
    }
    if (x === prevX) {
      y -= 1;
      out.push({ kind: 'insert', oldIndex: -1, newIndex: b0 + y });
    } else {
      x -= 1;
      out.push({ kind: 'delete', oldIndex: a0 + x, newIndex: -1 });
    }
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    x -= 1;
    y -= 1;
    out.push({ kind: 'equal', oldIndex: a0 + x, newIndex: b0 + y });
  }
  out.reverse();
  // Within a change run, list deletions before insertions (the conventional diff order).
  return normaliseRuns(out);
}

function normaliseRuns(edits: Edit[]): Edit[] {
  const out: Edit[] = [];
  let dels: Edit[] = [];
  let ins: Edit[] = [];
  const flush = () => {
    for (const e of dels) out.push(e);
    for (const e of ins) out.push(e);
    dels = [];
    ins = [];
  };
  for (const e of edits) {
    if (e.kind === 'equal') {
      flush();
      out.push(e);
    } else if (e.kind === 'delete') dels.push(e);
    else ins.push(e);
  }
  flush();
  return out;
}
