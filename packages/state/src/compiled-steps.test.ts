import { applyFieldStep, compileFieldSteps, normalizeStep, type FieldStep } from './migration/migration-steps.js';
import { compileRules, checkRules, normalizeRule } from './migration/validation-rules.js';

// A tiny deterministic PRNG so a failure can be replayed.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const NAMES = ['a', 'b', 'c', 'name', 'age', 'p.q', 'a.b', 'x'];

function randomValue(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * (depth > 1 ? 5 : 7));
  switch (k) {
    case 0: return null;
    case 1: return Math.floor(r() * 100);
    case 2: return String(Math.floor(r() * 100));
    case 3: return r() < 0.5;
    case 4: return `s${Math.floor(r() * 10)}`;
    case 5: return [randomValue(r, depth + 1), randomValue(r, depth + 1)];
    default: return randomObject(r, depth + 1);
  }
}

function randomObject(r: () => number, depth = 0): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const n of ['a', 'b', 'c', 'name', 'age', 'p', 'x']) if (r() < 0.6) o[n] = randomValue(r, depth);
  return o;
}

function randomStep(r: () => number, plainOnly: boolean): FieldStep {
  const names = plainOnly ? NAMES.filter((n) => !n.includes('.')) : NAMES;
  const pick = () => names[Math.floor(r() * names.length)];
  const kinds = ['add', 'remove', 'rename', 'copy', 'convert', ...(plainOnly ? [] : ['split', 'merge'])];
  const kind = kinds[Math.floor(r() * kinds.length)];
  const raw: Record<string, unknown> = { type: kind };
  if (kind === 'add') Object.assign(raw, { field: pick(), value: r() < 0.5 ? 1 : { nested: [1] } });
  if (kind === 'remove') raw.field = pick();
  if (kind === 'rename' || kind === 'copy') Object.assign(raw, { from: pick(), to: pick() });
  if (kind === 'convert') Object.assign(raw, { field: pick(), to: r() < 0.5 ? undefined : pick(), converter: ['to_string', 'to_array', 'json_stringify', 'to_boolean'][Math.floor(r() * 4)] });
  if (kind === 'split') Object.assign(raw, { from: pick(), to: [pick(), pick()] });
  if (kind === 'merge') Object.assign(raw, { from: [pick(), pick()], to: pick(), merger: 'to_array' });
  return normalizeStep(raw, 'step', () => undefined) as FieldStep;
}

function sequential(steps: FieldStep[], value: unknown): { value?: unknown; error?: string; at?: number } {
  for (let i = 0; i < steps.length; i++) {
    try {
      value = applyFieldStep(steps[i], value);
    } catch (error) {
      return { error: (error as Error).message, at: i, value };
    }
  }
  return { value };
}

describe('compiled field steps', () => {
  it.each([true, false])('give exactly what applying the steps one by one gives, key order included (plain names only: %s)', (plainOnly) => {
    const r = rng(plainOnly ? 7 : 11);
    let failures = 0;
    for (let round = 0; round < 400; round++) {
      const steps = Array.from({ length: 1 + Math.floor(r() * 6) }, () => randomStep(r, plainOnly));
      const run = compileFieldSteps(steps);
      for (let n = 0; n < 5; n++) {
        const input = round % 17 === 0 && n === 0 ? 'not an object' : randomObject(r);
        const expected = sequential(steps, structuredClone(input));
        let actual: { value?: unknown; error?: string; at?: number };
        const copy = structuredClone(input);
        try {
          actual = { value: run(copy) };
          if (typeof actual.value === 'object') expect(Object.values(actual.value as object).filter((v) => typeof v === 'symbol')).toEqual([]);
        } catch (error) {
          // On failure the object holds what the earlier steps did, exactly, and no marker.
          actual = { error: (error as { reason: Error }).reason.message, at: (error as { index: number }).index, value: copy };
          failures++;
          expect(Object.values(copy as object).filter((v) => typeof v === 'symbol')).toEqual([]);
        }
        const context = JSON.stringify({ steps, input });
        expect({ context, ...actual, value: JSON.stringify(actual.value) }).toEqual({ context, ...expected, value: JSON.stringify(expected.value) });
      }
    }
    expect(failures).toBeGreaterThan(20); // failing steps were exercised too
  });

  it('leave no removal marker behind and keep fast paths exact for the realistic step set', () => {
    const steps = [
      { type: 'rename', from: 'name', to: 'full_name' },
      { type: 'add', field: 'active', value: true },
      { type: 'convert', field: 'age', converter: 'parse_int' },
      { type: 'remove', field: 'unused' },
    ].map((s) => normalizeStep(s, 'step', () => undefined) as FieldStep);
    const out = compileFieldSteps(steps)({ name: 'Ann', age: ' 41 ', unused: 1, keep: [1] }) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['age', 'keep', 'full_name', 'active']);
    expect(out).toEqual({ age: 41, keep: [1], full_name: 'Ann', active: true });
    expect(Object.getOwnPropertySymbols(out)).toEqual([]);
    expect(Object.values(out).some((v) => typeof v === 'symbol')).toBe(false);
  });
});

describe('compiled validation rules', () => {
  it('report what checkRules reports', () => {
    const rules = [
      { field: 'a', rule: 'required' }, { field: 'b', rule: 'not_null' }, { field: 'c', rule: 'type', expected: 'integer' },
      { field: 'age', rule: 'range', min: 0, max: 50 }, { field: 'name', rule: 'length', min: 2 }, { field: 'x', rule: 'pattern', pattern: '^s' },
      { field: 'p.q', rule: 'required' },
    ].map((r, i) => normalizeRule(r, `rule${i}`));
    const check = compileRules(rules);
    const r = rng(3);
    for (let i = 0; i < 2000; i++) {
      const v = randomObject(r);
      const expected = checkRules(v, rules);
      expect(check(v) ?? []).toEqual(expected);
    }
    expect(compileRules([])({})).toBeUndefined();
  });
});
