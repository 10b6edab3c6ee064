import { type Edit, diffSequences } from './edit-script.js';

export type TextDiffFormat = 'unified' | 'context' | 'inline' | 'simple';

export interface TextDiffStats {
  old_lines: number;
  new_lines: number;
  insertions: number;
  deletions: number;
  unchanged: number;
  changes: number;
  hunks: number;
  identical: boolean;
}

export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

interface Run {
  kind: 'equal' | 'change';
  oldStart: number;
  oldEnd: number;
  newStart: number;
  newEnd: number;
}

/** Groups an edit script into equal runs and change runs (deletions + insertions). */
function runs(edits: Edit[]): Run[] {
  const out: Run[] = [];
  let i = 0;
  let o = 0;
  let n = 0;
  while (i < edits.length) {
    const equal = edits[i].kind === 'equal';
    const start = { o, n };
    while (i < edits.length && (edits[i].kind === 'equal') === equal) {
      if (edits[i].kind !== 'insert') o += 1;
      if (edits[i].kind !== 'delete') n += 1;
      i += 1;
    }
    out.push({ kind: equal ? 'equal' : 'change', oldStart: start.o, oldEnd: o, newStart: start.n, newEnd: n });
  }
  return out;
}

interface Hunk {
  runs: Run[];
  oldStart: number;
  oldEnd: number;
  newStart: number;
  newEnd: number;
}

/**
 * Change runs with up to `context` equal lines either side; changes separated by at most
 * 2 × context equal lines share a hunk (as GNU diff does).
 */
function hunks(all: Run[], context: number): Hunk[] {
  // Runs alternate equal/change, so the run between two changes is their equal gap.
  const groups: Array<[number, number]> = [];
  for (let i = 0; i < all.length; i += 1) {
    if (all[i].kind !== 'change') continue;
    const last = groups[groups.length - 1];
    const gap = all[i - 1];
    if (last && last[1] === i - 2 && gap.oldEnd - gap.oldStart <= 2 * context) last[1] = i;
    else groups.push([i, i]);
  }
  return groups.map(([first, last]) => {
    const body = all.slice(first, last + 1);
    const before = all[first - 1];
    const after = all[last + 1];
    if (before && context > 0) {
      const k = Math.min(context, before.oldEnd - before.oldStart);
      body.unshift({ kind: 'equal', oldStart: before.oldEnd - k, oldEnd: before.oldEnd, newStart: before.newEnd - k, newEnd: before.newEnd });
    }
    if (after && context > 0) {
      const k = Math.min(context, after.oldEnd - after.oldStart);
      body.push({ kind: 'equal', oldStart: after.oldStart, oldEnd: after.oldStart + k, newStart: after.newStart, newEnd: after.newStart + k });
    }
    return { runs: body, oldStart: body[0].oldStart, newStart: body[0].newStart, oldEnd: body[body.length - 1].oldEnd, newEnd: body[body.length - 1].newEnd };
  });
}

function unifiedRange(start: number, end: number): string {
  const count = end - start;
  if (count === 1) return `${start + 1}`;
  return `${count === 0 ? start : start + 1},${count}`;
}

function contextRange(start: number, end: number): string {
  const count = end - start;
  if (count === 0) return `${start}`;
  if (count === 1) return `${start + 1}`;
  return `${start + 1},${end}`;
}

function unified(hs: Hunk[], a: string[], b: string[], oldLabel: string, newLabel: string): string {
  if (hs.length === 0) return '';
  const out = [`--- ${oldLabel}`, `+++ ${newLabel}`];
  for (const h of hs) {
    out.push(`@@ -${unifiedRange(h.oldStart, h.oldEnd)} +${unifiedRange(h.newStart, h.newEnd)} @@`);
    for (const r of h.runs) {
      if (r.kind === 'equal') for (let i = r.oldStart; i < r.oldEnd; i += 1) out.push(` ${a[i]}`);
      else {
        for (let i = r.oldStart; i < r.oldEnd; i += 1) out.push(`-${a[i]}`);
        for (let j = r.newStart; j < r.newEnd; j += 1) out.push(`+${b[j]}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}

/** POSIX `diff -c` layout: `!` for changed lines, `-` deleted, `+` added. */
function contextFormat(hs: Hunk[], a: string[], b: string[], oldLabel: string, newLabel: string): string {
  if (hs.length === 0) return '';
  const out = [`*** ${oldLabel}`, `--- ${newLabel}`];
  for (const h of hs) {
    out.push('***************');
    out.push(`*** ${contextRange(h.oldStart, h.oldEnd)} ****`);
    if (h.runs.some((r) => r.kind === 'change' && r.oldEnd > r.oldStart)) {
      for (const r of h.runs) {
        const mark = r.kind === 'equal' ? ' ' : r.newEnd > r.newStart ? '!' : '-';
        for (let i = r.oldStart; i < r.oldEnd; i += 1) out.push(`${mark} ${a[i]}`);
      }
    }
    out.push(`--- ${contextRange(h.newStart, h.newEnd)} ----`);
    if (h.runs.some((r) => r.kind === 'change' && r.newEnd > r.newStart)) {
      for (const r of h.runs) {
        const mark = r.kind === 'equal' ? ' ' : r.oldEnd > r.oldStart ? '!' : '+';
        for (let j = r.newStart; j < r.newEnd; j += 1) out.push(`${mark} ${b[j]}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}

/** Word-level diff of the whole text, git `--word-diff=plain` style: `[-old-]{+new+}`. */
function inline(oldText: string, newText: string): string {
  const tokenize = (s: string): string[] => s.match(/\s+|[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) ?? [];
  const a = tokenize(oldText);
  const b = tokenize(newText);
  const edits = diffSequences(a, b);
  let out = '';
  let del = '';
  let ins = '';
  const flush = () => {
    if (del) out += `[-${del}-]`;
    if (ins) out += `{+${ins}+}`;
    del = '';
    ins = '';
  };
  for (const e of edits) {
    if (e.kind === 'equal') {
      flush();
      out += a[e.oldIndex];
    } else if (e.kind === 'delete') del += a[e.oldIndex];
    else ins += b[e.newIndex];
  }
  flush();
  return out;
}

function simple(all: Run[]): string {
  const lines: string[] = [];
  for (const r of all) {
    if (r.kind !== 'change') continue;
    const dels = r.oldEnd - r.oldStart;
    const ins = r.newEnd - r.newStart;
    if (dels > 0 && ins > 0) lines.push(`Replaced at lines ${r.oldStart + 1}-${r.oldEnd} with lines ${r.newStart + 1}-${r.newEnd}`);
    else if (dels > 0) lines.push(`Removed at line ${r.oldStart + 1}: ${dels} line(s)`);
    else lines.push(`Added at line ${r.newStart + 1}: ${ins} line(s)`);
  }
  return `Total changes: ${lines.length}\n\n${lines.map((l) => `${l}\n`).join('')}`;
}

export function textDiff(
  oldText: string,
  newText: string,
  format: TextDiffFormat,
  options: { context?: number; oldLabel?: string; newLabel?: string } = {},
): { diff: string; stats: TextDiffStats } {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  const edits = diffSequences(a, b);
  const all = runs(edits);
  const context = options.context ?? 3;
  const hs = hunks(all, context);
  const insertions = edits.filter((e) => e.kind === 'insert').length;
  const deletions = edits.filter((e) => e.kind === 'delete').length;
  const stats: TextDiffStats = {
    old_lines: a.length,
    new_lines: b.length,
    insertions,
    deletions,
    unchanged: edits.length - insertions - deletions,
    changes: all.filter((r) => r.kind === 'change').length,
    hunks: hs.length,
    identical: insertions === 0 && deletions === 0,
  };
  const oldLabel = options.oldLabel ?? 'old';
  const newLabel = options.newLabel ?? 'new';
  let diff: string;
  switch (format) {
    case 'unified': diff = unified(hs, a, b, oldLabel, newLabel); break;
    case 'context': diff = contextFormat(hs, a, b, oldLabel, newLabel); break;
    case 'inline': diff = inline(oldText, newText); break;
    default: diff = simple(all);
  }
  return { diff, stats };
}
