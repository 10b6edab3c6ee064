import { promises as fs } from 'node:fs';
import path from 'node:path';
import { diffCalculator } from '../index.js';
import { applyPatch, parsePatch, structuredPatch } from 'diff';
import { diffSequences } from './edit-script.js';
import { type ToolSandbox, expectToolFailure, toolResult, toolSandbox } from '@llmspell/core/testing';

/** Applies a unified diff to the old lines; a correct diff must give back the new lines. */
function applyUnified(oldLines: string[], diff: string): string[] {
  const out: string[] = [];
  let pos = 0;
  const lines = diff.split('\n');
  for (let i = 2; i < lines.length; i += 1) {
    const h = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@$/.exec(lines[i]);
    if (h) {
      const count = h[2] === undefined ? 1 : Number(h[2]);
      const start = count === 0 ? Number(h[1]) : Number(h[1]) - 1;
      while (pos < start) out.push(oldLines[pos++]);
      continue;
    }
    const l = lines[i];
    if (l.startsWith(' ')) {
      expect(oldLines[pos]).toBe(l.slice(1));
      out.push(oldLines[pos++]);
    } else if (l.startsWith('-')) {
      expect(oldLines[pos]).toBe(l.slice(1));
      pos += 1;
    } else if (l.startsWith('+')) out.push(l.slice(1));
  }
  while (pos < oldLines.length) out.push(oldLines[pos++]);
  return out;
}

/** A deterministic pseudo-random source: rand(n) is in [0, n). */
function seededRandom(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
}

describe('diff_calculator', () => {
  const oldText = 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n';
  const newText = 'a\nB\nc\nd\ne\nf\ng\nh\ni\nJ\nk\n';

  it('produces a unified diff with hunks and stats', async () => {
    const r = await toolResult(diffCalculator, { type: 'text', old_text: oldText, new_text: newText });
    expect(r.format).toBe('unified');
    expect(r.diff).toBe([
      '--- old', '+++ new',
      '@@ -1,5 +1,5 @@', ' a', '-b', '+B', ' c', ' d', ' e',
      '@@ -7,4 +7,5 @@', ' g', ' h', ' i', '-j', '+J', '+k', '',
    ].join('\n'));
    expect(r.stats).toMatchObject({ old_lines: 10, new_lines: 11, insertions: 3, deletions: 2, unchanged: 8, hunks: 2, identical: false });
  });

  it('merges nearby changes and honours context_lines', async () => {
    const r = await toolResult(diffCalculator, { old_text: oldText, new_text: newText, context_lines: 0 });
    expect(r.diff).toContain('@@ -2 +2 @@\n-b\n+B\n@@ -10 +10,2 @@');
    const wide = await toolResult(diffCalculator, { old_text: oldText, new_text: newText, context_lines: 5 });
    expect(wide.stats.hunks).toBe(1);
  });

  it('produces diffs that apply back to the new text (randomised)', async () => {
    const rand = seededRandom(7);
    for (let round = 0; round < 30; round += 1) {
      const a = Array.from({ length: rand(30) }, () => `l${rand(6)}`);
      const b = a.filter(() => rand(4) !== 0).flatMap((l) => (rand(5) === 0 ? [l, `n${rand(6)}`] : [l]));
      if (rand(2)) b.unshift('first');
      const r = await toolResult(diffCalculator, { old_text: a.join('\n'), new_text: b.join('\n'), context_lines: rand(4) });
      expect(applyUnified(a, r.diff)).toEqual(b);
      const edits = diffSequences(a, b);
      expect(r.stats.insertions).toBe(edits.filter((e) => e.kind === 'insert').length);
      expect(r.stats.unchanged + r.stats.deletions).toBe(a.length);
      expect(r.stats.unchanged + r.stats.insertions).toBe(b.length);
    }
  });

  it('gives the hunks jsdiff gives, in a unified diff jsdiff parses and applies (randomised)', async () => {
    const rand = seededRandom(11);
    for (let round = 0; round < 40; round += 1) {
      const a = Array.from({ length: rand(40) }, () => `l${rand(5)}`);
      const b = a.filter(() => rand(5) !== 0).flatMap((l) => (rand(4) === 0 ? [l, `n${rand(5)}`] : [l]));
      const oldText = a.map((l) => `${l}\n`).join('');
      const newText = b.map((l) => `${l}\n`).join('');
      const context = rand(5);
      const r = await toolResult(diffCalculator, { old_text: oldText, new_text: newText, context_lines: context });
      const expected = structuredPatch('old', 'new', oldText, newText, undefined, undefined, { context });
      if (expected.hunks.length === 0) {
        expect(r.diff).toBe('');
        continue;
      }
      const [ours] = parsePatch(r.diff);
      expect({ round, old: ours.oldFileName, new: ours.newFileName, hunks: ours.hunks }).toEqual({ round, old: 'old', new: 'new', hunks: expected.hunks });
      expect(applyPatch(oldText, r.diff)).toBe(newText);
    }
  });

  it('stays bounded on large unrelated inputs and still produces a correct diff', async () => {
    const a = Array.from({ length: 5000 }, (_, i) => `old ${i}`);
    const b = Array.from({ length: 5000 }, (_, i) => (i % 1000 === 0 ? `old ${i}` : `new ${i}`));
    const r = await toolResult(diffCalculator, { old_text: a.join('\n'), new_text: b.join('\n') });
    expect(applyUnified(a, r.diff)).toEqual(b);
    expect(applyPatch(`${a.join('\n')}\n`, r.diff)).toBe(`${b.join('\n')}\n`);
    expect(r.stats.insertions - r.stats.deletions).toBe(0);
  });

  it('diffs sequences of 300 000 changed lines without overflowing the stack', () => {
    const a = Array.from({ length: 300_000 }, (_, i) => `old ${i}`);
    const b = Array.from({ length: 300_000 }, (_, i) => `new ${i}`);
    const edits = diffSequences(a, b);
    expect(edits.filter((e) => e.kind === 'delete')).toHaveLength(300_000);
    expect(edits.filter((e) => e.kind === 'insert')).toHaveLength(300_000);
  });

  it('finds a minimal edit script', () => {
    const edits = diffSequences('ABCABBA'.split(''), 'CBABAC'.split(''));
    // Myers' paper example: the shortest edit script has 5 edits.
    expect(edits.filter((e) => e.kind !== 'equal')).toHaveLength(5);
  });

  it('produces context, inline and simple formats', async () => {
    const ctx = await toolResult(diffCalculator, { old_text: 'a\nb\nc\n', new_text: 'a\nB\nc\nd\n', format: 'context' });
    expect(ctx.diff).toBe(['*** old', '--- new', '***************', '*** 1,3 ****', '  a', '! b', '  c', '--- 1,4 ----', '  a', '! B', '  c', '+ d', ''].join('\n'));
    const inline = await toolResult(diffCalculator, { old_text: 'the quick brown fox', new_text: 'the slow brown dog!', format: 'inline' });
    expect(inline.diff).toBe('the [-quick-]{+slow+} brown [-fox-]{+dog!+}');
    const simple = await toolResult(diffCalculator, { old_text: 'a\nb\nc\n', new_text: 'a\nc\nd\ne\n', format: 'simple' });
    expect(simple.diff).toBe('Total changes: 2\n\nRemoved at line 2: 1 line(s)\nAdded at line 3: 2 line(s)\n');
    const replaced = await toolResult(diffCalculator, { old_text: 'a\nb\n', new_text: 'a\nX\n', format: 'simple' });
    expect(replaced.diff).toContain('Replaced at lines 2-2 with lines 2-2');
  });

  it('handles identical and empty texts', async () => {
    const same = await toolResult(diffCalculator, { old_text: 'x\ny', new_text: 'x\ny' });
    expect(same).toMatchObject({ diff: '', stats: { identical: true, insertions: 0, deletions: 0 } });
    const fromEmpty = await toolResult(diffCalculator, { old_text: '', new_text: 'a\nb\n' });
    expect(fromEmpty.diff).toBe('--- old\n+++ new\n@@ -0,0 +1,2 @@\n+a\n+b\n');
  });

  it('diffs JSON structurally', async () => {
    const r = await toolResult(diffCalculator, {
      type: 'json',
      old_json: { name: 'Ann', age: 30, tags: ['a', 'b'], address: { city: 'Oslo', zip: '0150' } },
      new_json: { name: 'Ann', age: 31, tags: ['a', 'b', 'c'], address: { city: 'Bergen' }, email: 'ann@example.com' },
    });
    expect(r).toMatchObject({
      type: 'json',
      equal: false,
      added: { 'tags[2]': 'c', email: 'ann@example.com' },
      removed: { 'address.zip': '0150' },
      modified: { age: { old: 30, new: 31 }, 'address.city': { old: 'Oslo', new: 'Bergen' } },
      stats: { added: 2, removed: 1, modified: 2, total: 5 },
    });
    const typeChange = await toolResult(diffCalculator, { type: 'json', old_json: [1], new_json: { a: 1 } });
    expect(typeChange.modified).toEqual({ $: { old: [1], new: { a: 1 } } });
    const same = await toolResult(diffCalculator, { operation: 'json', old_json: '{"a":[1,{"b":null}]}', new_json: { a: [1, { b: null }] } });
    expect(same.equal).toBe(true);
  });

  it("accepts the example scripts' operation names text_diff and json_diff", async () => {
    const text = await toolResult(diffCalculator, { operation: 'text_diff', old_text: 'a\nb\n', new_text: 'a\nc\n', format: 'unified' });
    expect(text.type).toBe('text');
    expect(text.diff).toContain('-b');
    expect(text.diff).toContain('+c');
    const json = await toolResult(diffCalculator, { operation: 'json_diff', old_json: { a: 1 }, new_json: { a: 2 } });
    expect(json.modified).toEqual({ a: { old: 1, new: 2 } });
  });

  it('rejects missing or bad parameters naming them', async () => {
    await expectToolFailure(diffCalculator, { new_text: 'x' }, 'INVALID_ARGUMENT', 'old_text');
    await expectToolFailure(diffCalculator, { old_text: 'x' }, 'INVALID_ARGUMENT', 'new_text');
    await expectToolFailure(diffCalculator, { type: 'json', new_json: {} }, 'INVALID_ARGUMENT', 'old_json');
    await expectToolFailure(diffCalculator, { type: 'json', old_json: '{bad', new_json: {} }, 'INVALID_ARGUMENT', 'old_json');
    await expectToolFailure(diffCalculator, { old_text: 'a', new_text: 'b', format: 'side-by-side' }, 'INVALID_ARGUMENT', 'format');
    await expectToolFailure(diffCalculator, { type: 'xml', old_text: 'a', new_text: 'b' }, 'INVALID_ARGUMENT', 'type');
  });

  it('refuses JSON text nested deeper than 200 levels, naming the parameter, instead of overflowing the stack', async () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const e = await expectToolFailure(diffCalculator, { type: 'json', old_json: deep, new_json: '[]' }, 'SIZE_LIMIT_EXCEEDED', 'old_json');
    expect(e).toMatchObject({ details: { parameter: 'old_json', limit: 200, position: 200 } });
    await expectToolFailure(diffCalculator, { type: 'json', old_json: {}, new_json: ` {"a": ${deep}}` }, 'SIZE_LIMIT_EXCEEDED', 'new_json');
    // 200 levels, and brackets inside strings, are fine.
    const ok = await toolResult(diffCalculator, { type: 'json', old_json: `${'['.repeat(200)}${']'.repeat(200)}`, new_json: `{"s": "${'{'.repeat(300)}"}` });
    expect(ok.equal).toBe(false);
  });

  describe('files', () => {
    let box: ToolSandbox;
    beforeEach(async () => {
      box = await toolSandbox();
    });
    afterEach(() => box.cleanup());

    it('diffs files inside the allowed root, labelled with their names', async () => {
      await fs.writeFile(path.join(box.root, 'v1.txt'), 'one\ntwo\n');
      await fs.writeFile(path.join(box.root, 'v2.txt'), 'one\n2\n');
      const r = await toolResult(diffCalculator, { old_file: 'v1.txt', new_file: 'v2.txt' }, { policy: box.policy });
      expect(r.diff).toBe('--- v1.txt\n+++ v2.txt\n@@ -1,2 +1,2 @@\n one\n-two\n+2\n');
      await fs.writeFile(path.join(box.root, 'a.json'), '{"x": 1}');
      await fs.writeFile(path.join(box.root, 'b.json'), '{"x": 2}');
      const j = await toolResult(diffCalculator, { type: 'json', old_file: 'a.json', new_file: 'b.json' }, { policy: box.policy });
      expect(j.modified).toEqual({ x: { old: 1, new: 2 } });
      await fs.writeFile(path.join(box.root, 'bad.json'), 'nope');
      await expectToolFailure(diffCalculator, { type: 'json', old_file: 'bad.json', new_file: 'b.json' }, 'INVALID_ARGUMENT', 'old_file', { policy: box.policy });
      await fs.writeFile(path.join(box.root, 'deep.json'), `${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}`);
      await expectToolFailure(diffCalculator, { type: 'json', old_file: 'a.json', new_file: 'deep.json' }, 'SIZE_LIMIT_EXCEEDED', 'new_file', { policy: box.policy });
    });

    it('refuses files outside the allowed roots', async () => {
      await fs.writeFile(path.join(box.outside, 'x.txt'), 'x');
      await fs.writeFile(path.join(box.root, 'y.txt'), 'y');
      await expectToolFailure(diffCalculator, { old_file: path.join(box.outside, 'x.txt'), new_file: 'y.txt' }, 'PATH_NOT_ALLOWED', undefined, { policy: box.policy });
      await expectToolFailure(diffCalculator, { old_file: 'y.txt', new_file: '../outside/x.txt' }, 'PATH_NOT_ALLOWED', undefined, { policy: box.policy });
    });
  });
});
