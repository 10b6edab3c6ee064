import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LlmspellError, type StateStore } from '@llmspell/core';
import { makeReadOnly } from '@llmspell/core/testing';
import { MemoryStateStore } from '@llmspell/state-memory';
import { StateManager, openStateStore } from './index.js';
import { tempDirs } from './__fixtures__/tmp-dir.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const refusal = () => new LlmspellError('STATE_READ_ONLY', 'cannot open /data/state.db: its directory /data is not writable', { details: { path: '/data/state.db' } });

describe('openStateStore on a store that refuses writing', () => {
  it('opens it read-only instead, passes the reason, and says so through onReadOnly', async () => {
    const calls: Array<Record<string, unknown>> = [];
    const readOnly = new MemoryStateStore();
    const importer = async () => ({
      createStateStore: (o: Record<string, unknown>) => {
        calls.push(o);
        if (o.readonly !== true) throw refusal();
        return readOnly;
      },
    });
    const told: LlmspellError[] = [];
    const store = await openStateStore({ backend_type: 'acme-state', path: '/data/state.db' }, {}, { importer, onReadOnly: (e) => told.push(e) });
    expect(store).toBe(readOnly);
    expect(calls).toEqual([
      { path: '/data/state.db' },
      { path: '/data/state.db', readonly: true, readonlyReason: 'cannot open /data/state.db: its directory /data is not writable' },
    ]);
    expect(told.map((e) => e.code)).toEqual(['STATE_READ_ONLY']);
  });

  it('throws the first refusal when the read-only open fails too, and any other error as it is', async () => {
    const never = async () => ({ createStateStore: (): StateStore => { throw refusal(); } });
    const told: unknown[] = [];
    await expect(openStateStore({ backend_type: 'acme-state' }, {}, { importer: never, onReadOnly: (e) => told.push(e) })).rejects.toThrow('its directory /data is not writable');
    expect(told).toEqual([]);
    const broken = async () => ({ createStateStore: (): StateStore => { throw new LlmspellError('IO_ERROR', 'disk on fire'); } });
    await expect(openStateStore({ backend_type: 'acme-state' }, {}, { importer: broken })).rejects.toMatchObject({ code: 'IO_ERROR' });
  });

  it.each(['sqlite', 'rocksdb'])('a real %s store in a read-only directory: reads work, writes fail with STATE_READ_ONLY naming the path', async (backend) => {
    const root = dirs.make('ro');
    const dir = join(root, 'state');
    mkdirSync(dir);
    const path = join(dir, backend === 'sqlite' ? 'state.db' : 'state.rocksdb');
    const first = await openStateStore({ backend_type: backend, path });
    await new StateManager({ store: first }).set('global', 'a', 1);
    await first.close();
    const undo = makeReadOnly(backend === 'sqlite' ? dir : path);
    try {
      const told: LlmspellError[] = [];
      const store = await openStateStore({ backend_type: backend, path }, {}, { onReadOnly: (e) => told.push(e) });
      expect(told).toHaveLength(1);
      const m = new StateManager({ store });
      await expect(m.get('global', 'a')).resolves.toBe(1);
      await expect(m.keys('global')).resolves.toEqual(['a']);
      await expect(m.set('global', 'b', 2)).rejects.toMatchObject({ code: 'STATE_READ_ONLY', message: expect.stringContaining(path) });
      await store.close();
    } finally {
      undo();
    }
  });
});
