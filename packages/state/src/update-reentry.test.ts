import { MemoryStateStore } from '@llmspell/state-memory';
import { StateManager } from './index.js';

const refused = (operation: string) => ({
  code: 'OPERATION_NOT_ALLOWED',
  message: expect.stringMatching(new RegExp(`state ${operation} of 'c' in scope global refused: .*writing the key you are updating`)),
  details: expect.objectContaining({ scope: 'global', key: 'c' }),
});

describe('a write to a key from inside its own update function', () => {
  it('is refused at once, the function runs once, and the refused write commits nothing', async () => {
    const m = new StateManager({ store: new MemoryStateStore() });
    await m.set('global', 'c', 0);
    let calls = 0;
    await expect(m.update('global', 'c', async (v) => {
      calls++;
      await m.increment('global', 'c', 10);
      return (v as number) + 1;
    })).rejects.toMatchObject(refused('increment'));
    expect(calls).toBe(1);
    await expect(m.get('global', 'c')).resolves.toBe(0);
  });

  it.each([
    ['save', (m: StateManager) => m.set('global', 'c', 5)],
    ['save', (m: StateManager) => m.setNow('global', 'c', 5)],
    ['delete', (m: StateManager) => m.delete('global', 'c')],
    ['update', (m: StateManager) => m.update('global', 'c', (w) => (w as number) + 1)],
    ['clear', (m: StateManager) => m.clear('global')],
  ])('%s is refused too, synchronous callbacks and nested updates included', async (operation, write) => {
    const m = new StateManager({ store: new MemoryStateStore() });
    await m.set('global', 'c', 0);
    let calls = 0;
    await expect(m.update('global', 'c', (v) => {
      calls++;
      return Promise.resolve(write(m)).then(() => (v as number) + 1);
    })).rejects.toMatchObject(operation === 'clear' ? { code: 'OPERATION_NOT_ALLOWED', details: expect.objectContaining({ key: 'c' }) } : refused(operation));
    expect(calls).toBe(1);
    await expect(m.get('global', 'c')).resolves.toBe(0);
  });

  it('a function that catches the refusal still has its own result stored', async () => {
    const m = new StateManager({ store: new MemoryStateStore() });
    await m.set('global', 'c', 1);
    await expect(m.update('global', 'c', async (v) => {
      await m.set('global', 'c', 99).catch(() => undefined);
      await m.set('global', 'other', 'fine');
      return (v as number) + 1;
    })).resolves.toBe(2);
    await expect(m.get('global', 'c')).resolves.toBe(2);
    await expect(m.get('global', 'other')).resolves.toBe('fine');
  });

  it('another writer changing the key meanwhile is a real conflict: the function runs again', async () => {
    const store = new MemoryStateStore();
    const m = new StateManager({ store });
    const otherProcess = new StateManager({ store });
    await m.set('global', 'c', 0);
    let calls = 0;
    await expect(m.update('global', 'c', async (v) => {
      calls++;
      if (calls === 1) await otherProcess.increment('global', 'c', 10);
      return (v as number) + 1;
    })).resolves.toBe(11);
    expect(calls).toBe(2);
  });

  it('work the function left running may write the key once the function has returned', async () => {
    const m = new StateManager({ store: new MemoryStateStore() });
    await m.set('global', 'c', 0);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let later: Promise<void> | undefined;
    await m.update('global', 'c', (v) => {
      later = gate.then(() => m.set('global', 'c', 42));
      return (v as number) + 1;
    });
    release();
    await later;
    await expect(m.get('global', 'c')).resolves.toBe(42);
  });

  it('parallel updates of one key from separate tasks are not taken for re-entry', async () => {
    const m = new StateManager({ store: new MemoryStateStore() });
    await m.set('global', 'c', 0);
    await Promise.all(Array.from({ length: 5 }, () => m.update('global', 'c', async (v) => {
      await new Promise((resolve) => setImmediate(resolve));
      return (v as number) + 1;
    })));
    await expect(m.get('global', 'c')).resolves.toBe(5);
  });
});
