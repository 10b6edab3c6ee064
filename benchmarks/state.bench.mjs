// Issue: state. save+load latency per backend (adapter, StateManager, Lua `State` global),
// migration throughput (the compiled transform alone, and end to end over 100K stored items),
// and full/incremental backup, validate and restore of 100K keys.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LlmspellRuntime } from '@llmspell/runtime';
import { createLuaEngine } from '@llmspell/bridge-lua';
import { StateManager, compileMigrationSteps, openStateStore } from '@llmspell/state';

export const title = 'State: save+load per backend, migrations, backups of 100K keys';

const BACKENDS = ['memory', 'sqlite', 'rocksdb'];
const ITEMS = 100_000;
const RS_STATE_CLAIM_US = 5000; // rs-llmspell: "State Operations Read/Write < 5 ms" (claimed, not measured)
const RS_MIGRATION_CLAIM = 483_000; // rs-llmspell: 483K items/s = 1 / 2.07 µs, an in-memory JSON edit of 1000 items
const value = { role: 'assistant', content: 'x'.repeat(200), tokens: 42, tags: ['a', 'b'], meta: { ok: true } };
const text = JSON.stringify(value);

// The realistic step set of the issue: rename, add a default, convert a type, remove a field.
const STEPS = [
  { type: 'rename', from: 'name', to: 'full_name' },
  { type: 'add', field: 'active', value: true },
  { type: 'convert', field: 'age', converter: 'parse_int' },
  { type: 'remove', field: 'unused' },
];
const itemText = (i) => JSON.stringify({ name: `User ${i}`, age: String(20 + (i % 50)), email: `u${i}@example.com`, tags: ['a', 'b'], unused: 'x', profile: { city: 'Paris' } });
const itemKey = (i) => `state:custom:users:u${String(i).padStart(6, '0')}`;

const us = (ms) => ms * 1000;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function open(backend, dir, name) {
  return openStateStore({ backend_type: backend, path: path.join(dir, `${name}.${backend === 'sqlite' ? 'db' : 'store'}`) }, {});
}

async function seed(store, n = ITEMS) {
  const CHUNK = 20_000;
  for (let i = 0; i < n; i += CHUNK) {
    const ops = [];
    for (let j = i; j < Math.min(n, i + CHUNK); j++) ops.push({ type: 'put', key: itemKey(j), value: itemText(j) });
    await store.batch(ops);
  }
}

async function latency(rows, dir, { measure, percentile }) {
  const output = { stdout() {}, stderr() {} };
  const engine = createLuaEngine();
  for (const backend of BACKENDS) {
    const persisted = backend !== 'memory';
    const goal = persisted ? '≤ 50 µs' : undefined;
    const store = await open(backend, dir, `latency-${backend}`);
    const adapter = await measure(async (i) => {
      await store.put(`bench:${i % 500}`, text);
      await store.get(`bench:${i % 500}`);
    }, { iterations: 3000, warmup: 300 });
    const manager = new StateManager({ store });
    const viaManager = await measure(async (i) => {
      await manager.set('agent:bench', `k${i % 500}`, value);
      await manager.get('agent:bench', `k${i % 500}`);
    }, { iterations: 3000, warmup: 300 });
    const a50 = us(percentile(adapter, 50));
    const m50 = us(percentile(viaManager, 50));
    rows.push({ name: `${backend}: put+get at the adapter, p50`, value: a50, unit: 'µs', goal, note: `p99 ${us(percentile(adapter, 99)).toFixed(0)} µs` });
    rows.push({ name: `${backend}: save+load through StateManager, p50`, value: m50, unit: 'µs', baseline: RS_STATE_CLAIM_US, ratio: m50 / RS_STATE_CLAIM_US, goal, note: `p99 ${us(percentile(viaManager, 99)).toFixed(0)} µs; adapter + validation, cycle/secret checks, JSON` });

    // Through the script API: the runtime owns (and closes) the store from here on.
    const runtime = await LlmspellRuntime.create({ stateStore: store });
    const lua = await engine.createContext({ globals: runtime.buildGlobals({ language: 'lua', output }), limits: runtime.scriptLimits, output });
    await lua.run(`
      V = { role = "assistant", content = string.rep("x", 200), tokens = 42, tags = { "a", "b" }, meta = { ok = true } }
      function step() State.save("agent:lua", "k", V); local v = State.load("agent:lua", "k") end
      function noop() end`, { filename: 'setup.lua' });
    const call = await measure(() => lua.run('step()', { filename: 'b.lua' }), { iterations: 1500, warmup: 150 });
    const empty = await measure(() => lua.run('noop()', { filename: 'e.lua' }), { iterations: 1500, warmup: 150 });
    const n = 2000;
    const t = performance.now();
    await lua.run(`for i = 1, ${n} do State.save("agent:lua", "k" .. (i % 100), V); local v = State.load("agent:lua", "k" .. (i % 100)) end`, { filename: 'loop.lua' });
    const loopUs = us((performance.now() - t) / n);
    const l50 = us(percentile(call, 50) - percentile(empty, 50));
    rows.push({ name: `${backend}: Lua State.save+State.load, p50`, value: l50, unit: 'µs', baseline: RS_STATE_CLAIM_US, ratio: l50 / RS_STATE_CLAIM_US, goal, note: `one-call chunk minus an empty chunk (${us(percentile(empty, 50)).toFixed(0)} µs); mean in a ${n}-iteration loop ${loopUs.toFixed(1)} µs` });
    lua.dispose();
    await runtime.close();
  }
}

function transformOnly(rows) {
  // Transform alone: the compiled step list over 100K parsed items (parsing is outside the timing).
  const run = compileMigrationSteps(STEPS);
  const texts = Array.from({ length: ITEMS }, (_, i) => itemText(i));
  const rates = [];
  for (let rep = 0; rep < 7; rep++) {
    const values = texts.map((t) => JSON.parse(t));
    const t = performance.now();
    for (let i = 0; i < ITEMS; i++) values[i] = run(values[i]);
    rates.push(ITEMS / ((performance.now() - t) / 1000));
    if (rep === 0 && JSON.stringify(values[7]) !== '{"age":27,"email":"u7@example.com","tags":["a","b"],"profile":{"city":"Paris"},"full_name":"User 7","active":true}') {
      throw new Error(`transform gave ${JSON.stringify(values[7])}`);
    }
  }
  const transform = median(rates);
  rows.push({ name: 'migration: transform only (4 steps, compiled), 100K items', value: transform, unit: 'items/s', baseline: RS_MIGRATION_CLAIM, ratio: transform / RS_MIGRATION_CLAIM, goal: '≥ 1,000,000 items/s', note: `median of 7 runs (best ${Math.round(Math.max(...rates)).toLocaleString('en')}); the same kind of in-memory edit rs-llmspell timed` });
  // The floor of any stored-JSON migration: decoding and re-encoding each item, nothing else.
  const floors = [];
  for (let rep = 0; rep < 3; rep++) {
    const t = performance.now();
    for (let i = 0; i < ITEMS; i++) JSON.stringify(JSON.parse(texts[i]));
    floors.push(ITEMS / ((performance.now() - t) / 1000));
  }
  const floor = median(floors);
  rows.push({ name: 'migration: floor — JSON.parse + JSON.stringify only, 100K items', value: floor, unit: 'items/s', note: 'no steps, no checks: what any engine over stored JSON text must pay' });
  return floor;
}

async function migration(rows, dir) {
  const floor = transformOnly(rows);
  // Warm-up: one small migration so the engine's code is optimised before the timed runs.
  const warm = new StateManager({ store: await open('memory', dir, 'warm') });
  await seed(warm.store, 5000);
  warm.migrations.registerMigration({ from: '1.0.0', to: '2.0.0', scopes: ['custom:users'], steps: STEPS });
  await warm.migrations.migrate('2.0.0');
  await warm.close();

  for (const backend of ['memory', 'sqlite']) {
    const store = await open(backend, dir, `migration-${backend}`);
    await seed(store);
    const manager = new StateManager({ store, backup: { dir: path.join(dir, `migration-backups-${backend}`) } });
    manager.migrations.registerMigration({ from: '1.0.0', to: '2.0.0', scopes: ['custom:users'], steps: STEPS });
    // Persistent stores take a full backup before a migration that changes data (the default).
    const r = await manager.migrations.migrate('2.0.0');
    if (!r.success || r.items_migrated !== ITEMS) throw new Error(`migration failed: ${JSON.stringify(r.errors)}`);
    const check = await manager.get('custom:users', 'u000007');
    if (check.age !== 27 || check.full_name !== 'User 7' || 'unused' in check) throw new Error(`migration gave ${JSON.stringify(check)}`);
    const { read, transform: inMemory, backup, write } = r.timings_ms;
    rows.push({ name: `migration: ${backend}, decode + transform + validate + encode, 100K items`, value: ITEMS / (inMemory / 1000), unit: 'items/s', baseline: floor, ratio: ITEMS / (inMemory / 1000) / floor, note: `${inMemory.toFixed(0)} ms: JSON.parse, steps, schema checks, cycle + secret scan, JSON.stringify per item; baseline = the parse+stringify floor` });
    const endToEnd = read + inMemory + write;
    rows.push({ name: `migration: ${backend}, end to end (read + migrate + one atomic write), 100K items`, value: ITEMS / (endToEnd / 1000), unit: 'items/s', baseline: RS_MIGRATION_CLAIM, ratio: ITEMS / (endToEnd / 1000) / RS_MIGRATION_CLAIM, note: `read ${read.toFixed(0)} ms, in memory ${inMemory.toFixed(0)} ms, write ${write.toFixed(0)} ms${backup ? `; plus the pre-migration backup ${backup.toFixed(0)} ms (total ${r.duration_ms.toFixed(0)} ms)` : ''}` });
    await store.close();
  }
}

async function backups(rows, dir) {
  const store = await open('sqlite', dir, 'backup');
  await seed(store);
  const backupDir = path.join(dir, 'backups');
  const manager = new StateManager({ store, backup: { dir: backupDir, maxBackups: 0, maxBackupAgeSeconds: 0 } });
  const time = async (fn) => {
    const t = performance.now();
    const result = await fn();
    return [performance.now() - t, result];
  };
  const [fullMs, full] = await time(() => manager.backups.create());
  rows.push({ name: 'backup: create full, 100K keys (sqlite)', value: fullMs, unit: 'ms', note: `${(full.size_bytes / 1e6).toFixed(2)} MB gzip of ${(JSON.parse(fs.readFileSync(path.join(backupDir, `${full.id}.meta`), 'utf8')).compression.original_size / 1e6).toFixed(1)} MB JSON` });
  // 1% of the keys change.
  const ops = [];
  for (let i = 0; i < ITEMS; i += 100) ops.push({ type: 'put', key: itemKey(i), value: itemText(i).replace('Paris', 'Lyon') });
  await store.batch(ops);
  const [incMs, inc] = await time(() => manager.backups.create({ incremental: true }));
  if (inc.backup_type !== 'incremental' || inc.changed_entries !== ops.length) throw new Error(`incremental backup: ${JSON.stringify(inc)}`);
  rows.push({ name: 'backup: create incremental after 1% changed, 100K keys', value: incMs, unit: 'ms', note: `${inc.changed_entries} changed entries, ${(inc.size_bytes / 1e3).toFixed(1)} kB; reads and diffs against the parent's snapshot` });
  const [valFullMs, v1] = await time(() => manager.backups.validate(full.id));
  const [valIncMs, v2] = await time(() => manager.backups.validate(inc.id));
  if (!v1.valid || !v2.valid) throw new Error('validation failed');
  rows.push({ name: 'backup: validate full (SHA-256 + decode)', value: valFullMs, unit: 'ms' });
  rows.push({ name: 'backup: validate incremental (whole chain)', value: valIncMs, unit: 'ms' });
  const [restoreFullMs, rf] = await time(() => manager.backups.restore(full.id));
  rows.push({ name: 'backup: restore full over live state differing by 1%', value: restoreFullMs, unit: 'ms', note: `${rf.restored_keys} keys rewritten of ${rf.total_keys}, one atomic batch` });
  await manager.clear('custom:users');
  const [restoreIncMs, ri] = await time(() => manager.backups.restore(inc.id));
  if (ri.restored_keys !== ITEMS) throw new Error(`restore wrote ${ri.restored_keys}`);
  rows.push({ name: 'backup: restore incremental chain into an empty scope', value: restoreIncMs, unit: 'ms', note: `${ri.restored_keys} keys written in one atomic batch` });
  await store.close();
}

export async function run(tools) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-bench-state-'));
  const rows = [];
  try {
    await latency(rows, dir, tools);
    await migration(rows, dir);
    await backups(rows, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return {
    rows,
    notes: [
      'Latency: p50 of 3000 put+get / set+get pairs (240-byte JSON value) after 300 warm-ups; SQLite in WAL mode, synchronous=normal; RocksDB without per-write fsync.',
      'rs-llmspell figures are its documentation\'s claims (state read/write < 5 ms; migration 483K items/s derived from 2.07 µs/item over 1000 in-memory items), not re-measured.',
      'Migration items: 6-field objects; steps rename, add default, convert string→integer, remove. End to end on SQLite includes reading all 100K rows and writing them back in one transaction.',
      `Machine load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(', ')} (${os.cpus().length} cores).`,
    ],
  };
}
