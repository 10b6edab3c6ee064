import { join } from 'node:path';
import { openStateStore, StateManager } from './index.js';
import { STATE_PACKAGES, ensureBuilt } from './__fixtures__/build-dist.js';
import { nextLine, runTwoCounters, start } from './__fixtures__/child-process.js';
import { tempDirs } from './__fixtures__/tmp-dir.js';

const dirs = tempDirs();

beforeAll(() => ensureBuilt(STATE_PACKAGES), 120_000);
afterAll(() => dirs.cleanup());

const expected = (i: number) => ({ i, text: `value-${i}-`.repeat(20), list: Array.from({ length: 10 }, (_, j) => i * j) });

describe.each([
  ['sqlite', 'state.db'],
  ['rocksdb', 'state.rocksdb'],
])('SIGKILL during 50,000 writes (%s)', (backend: string, file: string) => {
  it('the store opens, holds every acknowledged write, and nothing is torn', async () => {
    const path = join(dirs.make(`kill-${backend}`), file);
    // Far more writes than the kill point: a fast writer runs up to a pipe buffer (~10K acks) ahead of this reader.
    const { child, lines, exited } = start('writer.mjs', [backend, path, '50000']);
    expect(await nextLine(lines, exited)).toBe('ready');
    // Early enough that thousands of writes are still to come when the signal lands.
    const killAt = 1000 + Math.floor(Math.random() * 2000);
    let acked = -1;
    while (acked < killAt) acked = Number(await nextLine(lines, exited));
    child.kill('SIGKILL');
    // Acks already in the pipe were acknowledged too.
    for (let r = await lines.next(); !r.done; r = await lines.next()) if (/^\d+$/.test(r.value)) acked = Number(r.value);
    const { signal } = await exited;
    expect(signal).toBe('SIGKILL');
    expect(acked).toBeLessThan(49_999);

    const store = await openStateStore({ backend_type: backend, path }, {});
    const manager = new StateManager({ store });
    // Compared as JSON text and collected, so checking tens of thousands of keys stays quick.
    const wrong: string[] = [];
    const same = (actual: unknown, i: number) => JSON.stringify(actual) === JSON.stringify(expected(i));
    for (let i = 0; i <= acked; i++) {
      if (i % 10 === 0) {
        const a = await store.get(`pair:a:${i}`);
        if (!a || !same(JSON.parse(a), i) || (await store.get(`pair:b:${i}`)) !== a) wrong.push(`pair ${i}`);
      } else if (!same(await manager.get('global', `k${i}`), i)) wrong.push(`k${i}`);
    }
    // Whatever landed after the last ack is whole too (a batch is both keys or neither).
    for (const [key, text] of await store.entries('')) {
      const value = JSON.parse(text) as { i: number };
      if (!same(value, value.i)) wrong.push(`torn ${key}`);
      if (key.startsWith('pair:a:') && (await store.get(key.replace('pair:a:', 'pair:b:'))) !== text) wrong.push(`half batch ${key}`);
    }
    expect(wrong).toEqual([]);
    await store.close();
  }, 60_000);
});

describe('two processes on one SQLite file', () => {
  it.each([
    ['increment', 1000],
    ['update', 300],
  ])('%s from both, %i times each, loses nothing', async (mode: string | number, times: string | number) => {
    const path = join(dirs.make('counter'), 'state.db');
    // Create the database first so neither child races the other on schema creation.
    await (await openStateStore({ backend_type: 'sqlite', path }, {})).close();
    expect(await runTwoCounters([path, String(times), String(mode)])).toEqual([[0, ''], [0, '']]);
    const store = await openStateStore({ backend_type: 'sqlite', path }, {});
    await expect(new StateManager({ store }).get('global', 'counter')).resolves.toBe(2 * Number(times));
    await store.close();
  }, 60_000);
});
