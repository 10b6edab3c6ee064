import { compileFieldSteps, normalizeStep } from '../dist/migration/migration-steps.js';
const M = 100000;
const texts = Array.from({ length: M }, (_, i) => JSON.stringify({ name: `User ${i}`, age: String(20 + (i % 50)), email: `u${i}@example.com`, tags: ['a', 'b'], unused: 'x', profile: { city: 'Paris' } }));
const steps = [
  { type: 'rename', from: 'name', to: 'full_name' },
  { type: 'add', field: 'active', value: true },
  { type: 'convert', field: 'age', converter: 'parse_int' },
  { type: 'remove', field: 'unused' },
].map((s) => normalizeStep(s, 'x', () => undefined));
const run = compileFieldSteps(steps);
const R = Symbol('r'); const hasOwn = Object.prototype.hasOwnProperty; const INT = /^\s*[-+]?\d+\s*$/;
function ideal(o) {
  let dirty = false;
  if (hasOwn.call(o, 'name') && o.name !== R) { const v = o.name; o.full_name = v; o.name = R; dirty = true; }
  if (!(hasOwn.call(o, 'active') && o.active !== R)) o.active = true;
  if (hasOwn.call(o, 'age') && o.age !== R) { const v = o.age; o.age = typeof v === 'number' ? Math.trunc(v) : typeof v === 'string' && INT.test(v) ? Number.parseInt(v, 10) : (() => { throw new Error('x'); })(); }
  if (hasOwn.call(o, 'unused') && o.unused !== R) { o.unused = R; dirty = true; }
  if (!dirty) return o;
  const out = {};
  for (const k in o) { if (!hasOwn.call(o, k)) continue; const v = o[k]; if (v !== R) out[k] = v; }
  return out;
}
function idealNoRebuild(o) {
  if (hasOwn.call(o, 'name') && o.name !== R) { const v = o.name; o.full_name = v; o.name = R; }
  if (!(hasOwn.call(o, 'active') && o.active !== R)) o.active = true;
  if (hasOwn.call(o, 'age') && o.age !== R) { const v = o.age; o.age = typeof v === 'number' ? Math.trunc(v) : typeof v === 'string' && INT.test(v) ? Number.parseInt(v, 10) : 0; }
  if (hasOwn.call(o, 'unused') && o.unused !== R) { o.unused = R; }
  return o;
}
for (let rep = 0; rep < 4; rep++) {
  for (const [label, fn] of [['compiled', run], ['ideal', ideal], ['ideal-norebuild', idealNoRebuild]]) {
    const vals = texts.map((x) => JSON.parse(x));
    const t = performance.now();
    for (let i = 0; i < M; i++) vals[i] = fn(vals[i]);
    const tt = performance.now() - t;
    process.stdout.write(`${label} ${Math.round(M / tt * 1000)}/s  `);
  }
  console.log();
}
