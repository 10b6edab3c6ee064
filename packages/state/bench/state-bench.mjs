// Scratch benchmark (not a test): save+load latency at the adapter and through the
// StateManager, and migration throughput. Run after building:
//   pnpm --filter @llmspell/state build && node packages/state/bench/state-bench.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateManager, openStateStore } from '@llmspell/state';

const N = Number(process.env.N ?? 5000);
const value = { role: 'assistant', content: 'x'.repeat(200), tokens: 42, tags: ['a', 'b'], meta: { ok: true } };
const text = JSON.stringify(value);

function stats(samples) {
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  return { p50_us: +(at(0.5) * 1000).toFixed(1), p99_us: +(at(0.99) * 1000).toFixed(1) };
}

async function timeLoop(fn) {
  for (let i = 0; i < 200; i++) await fn(i); // warm-up
  const samples = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await fn(i);
    samples.push(performance.now() - t);
  }
  return stats(samples);
}

const root = mkdtempSync(join(tmpdir(), 'llmspell-bench-'));
const rows = [];
for (const backend of ['memory', 'sqlite', 'rocksdb']) {
  const path = join(root, backend === 'sqlite' ? 'state.db' : 'rocks');
  const store = await openStateStore({ backend_type: backend, path }, {});
  const adapter = await timeLoop(async (i) => {
    await store.put(`bench:${i}`, text);
    await store.get(`bench:${i}`);
  });
  const manager = new StateManager({ store });
  const viaManager = await timeLoop(async (i) => {
    await manager.set('agent:bench', `k${i}`, value);
    await manager.get('agent:bench', `k${i}`);
  });
  const increment = await timeLoop(async () => manager.increment('global', 'counter', 1));
  rows.push({ backend, op: 'put+get (adapter)', ...adapter });
  rows.push({ backend, op: 'save+load (manager)', ...viaManager });
  rows.push({ backend, op: 'increment (manager)', ...increment });

  // Migration throughput: M items, five steps, one atomic batch.
  const M = 10_000;
  const ops = Array.from({ length: M }, (_, i) => ({ type: 'put', key: `state:custom:users:u${i}`, value: JSON.stringify({ name: `User ${i}`, age: String(20 + (i % 50)), first: 'A', last: 'B' }) }));
  await store.batch(ops);
  manager.migrations.registerMigration({
    from: '1.0.0', to: '2.0.0', scopes: ['custom:users'],
    steps: [
      { type: 'rename', from: 'name', to: 'full_name' },
      { type: 'convert', field: 'age', converter: 'parse_int' },
      { type: 'merge', from: ['first', 'last'], to: 'initials' },
      { type: 'add', field: 'active', value: true },
      { type: 'remove', field: 'unused' },
    ],
  });
  const t = performance.now();
  const result = await manager.migrations.migrate('2.0.0', { backup: false });
  const secs = (performance.now() - t) / 1000;
  if (!result.success) throw new Error(JSON.stringify(result.errors));
  rows.push({ backend, op: `migrate ${M} items (5 steps)`, items_per_s: Math.round(result.items_migrated / secs), total_ms: Math.round(secs * 1000) });
  await store.close();
}
rmSync(root, { recursive: true, force: true });
console.table(rows);
