// scratch: migration throughput, 100K items
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateManager, openStateStore } from '@llmspell/state';
const M = Number(process.env.M ?? 100000);
const backend = process.env.B ?? 'sqlite';
const root = mkdtempSync(join(tmpdir(), 'llmspell-mig-'));
const store = await openStateStore({ backend_type: backend, path: join(root, backend === 'sqlite' ? 's.db' : 'rocks') }, {});
const manager = new StateManager({ store });
const ops = Array.from({ length: M }, (_, i) => ({ type: 'put', key: `state:custom:users:u${String(i).padStart(6, '0')}`, value: JSON.stringify({ name: `User ${i}`, age: String(20 + (i % 50)), email: `u${i}@example.com`, tags: ['a', 'b'], unused: 'x', profile: { city: 'Paris' } }) }));
await store.batch(ops);
manager.migrations.registerMigration({
  from: '1.0.0', to: '2.0.0', scopes: ['custom:users'],
  steps: [
    { type: 'rename', from: 'name', to: 'full_name' },
    { type: 'add', field: 'active', value: true },
    { type: 'convert', field: 'age', converter: 'parse_int' },
    { type: 'remove', field: 'unused' },
  ],
});
const t = performance.now();
const r = await manager.migrations.migrate('2.0.0', { backup: false });
const s = (performance.now() - t) / 1000;
console.log(r.timings_ms); console.log(backend, r.status, r.items_migrated, 'items', (s * 1000).toFixed(0), 'ms', Math.round(r.items_migrated / s), 'items/s');
console.log(await manager.get('custom:users', 'u000007'));
await store.close();
rmSync(root, { recursive: true, force: true });
