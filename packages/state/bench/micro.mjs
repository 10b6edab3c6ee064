import { compileFieldSteps } from '../dist/migration/migration-steps.js';
import { normalizeStep } from '../dist/migration/migration-steps.js';
import { StateManager } from '@llmspell/state';
import { MemoryStateStore } from '@llmspell/state-memory';
const M = 100000;
const texts = Array.from({ length: M }, (_, i) => JSON.stringify({ name: `User ${i}`, age: String(20 + (i % 50)), email: `u${i}@example.com`, tags: ['a', 'b'], unused: 'x', profile: { city: 'Paris' } }));
const steps = [
  { type: 'rename', from: 'name', to: 'full_name' },
  { type: 'add', field: 'active', value: true },
  { type: 'convert', field: 'age', converter: 'parse_int' },
  { type: 'remove', field: 'unused' },
].map((s, i) => normalizeStep(s, 'x', () => undefined));
const run = compileFieldSteps(steps);
const m = new StateManager({ store: new MemoryStateStore() });
for (let rep = 0; rep < 3; rep++) {
  let t = performance.now();
  const vals = texts.map((x) => JSON.parse(x));
  const tp = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < M; i++) vals[i] = run(vals[i]);
  const tt = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < M; i++) JSON.stringify(vals[i]);
  const ts = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < M; i++) m.prepare(vals[i], 'k');
  const tprep = performance.now() - t;
  console.log(`parse ${tp.toFixed(0)}ms transform ${tt.toFixed(0)}ms (${Math.round(M / tt * 1000)}/s) stringify ${ts.toFixed(0)}ms prepare ${tprep.toFixed(0)}ms`);
}
