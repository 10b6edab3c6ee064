import { IsolatedHostPool } from './index.js';

const setupModule = new URL('./__fixtures__/host-js-setup.mjs', import.meta.url);

/** A pool over the fixture's in-host engine, with the setups it ran counted. */
function pool(spares = 1) {
  let setups = 0;
  const waiters: Array<() => void> = [];
  const p = new IsolatedHostPool({
    setupModule, graceMs: 300, spares,
    write: {
      stdout: () => undefined,
      stderr: (text) => {
        if (!text.includes('setup done')) return;
        setups++;
        for (const wake of waiters.splice(0)) wake();
      },
    },
  });
  /** Resolves once `n` setups have finished. */
  const setupsDone = async (n: number) => {
    while (setups < n) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { pool: p, setups: () => setups, setupsDone };
}

const lines = () => {
  const out: string[] = [];
  return { out, sink: { stdout: (l: string) => out.push(l), stderr: (l: string) => out.push(`! ${l}`) } };
};

describe('IsolatedHostPool', () => {
  test('a run takes a host set up before it was asked for, and a fresh one waits for the next run', async () => {
    const { pool: p, setups, setupsDone } = pool();
    try {
      p.warm('hostjs');
      await setupsDone(1);
      expect(p.waiting()).toEqual({ hostjs: 1 });
      const first = (await p.run('return process.pid', { engine: 'hostjs', filename: 'a.hjs' })) as number;
      // the run used the host set up ahead; taking it started the next one
      await setupsDone(2);
      expect(p.waiting()).toEqual({ hostjs: 1 });
      const second = (await p.run('return process.pid', { engine: 'hostjs', filename: 'b.hjs' })) as number;
      expect(second).not.toBe(first);
      expect(second).not.toBe(process.pid);
      await setupsDone(3);
      expect(setups()).toBe(3);
    } finally {
      await p.close();
    }
  });

  test('runs share nothing: what one script leaves in its host is not there for the next', async () => {
    const { pool: p } = pool();
    try {
      await p.run('globalThis.leftBehind = "secret of job 1"; return 1', { engine: 'hostjs', filename: 'a.hjs' });
      expect(await p.run('return globalThis.leftBehind ?? "nothing"', { engine: 'hostjs', filename: 'b.hjs' })).toBe('nothing');
    } finally {
      await p.close();
    }
  });

  test('each run gets its own output, its prepare data reaches the setup\'s beforeRun, its arguments the script', async () => {
    const { pool: p } = pool();
    try {
      const a = lines();
      const b = lines();
      const [ra, rb] = await Promise.all([
        p.run('print("from", ARGS[0]); return globalThis.llmspellPrepared', { engine: 'hostjs', filename: 'a.hjs', output: a.sink, args: { positional: ['a'], named: {} }, prepare: { job: 'a' } }),
        p.run('print("from", ARGS[0]); return globalThis.llmspellPrepared ?? null', { engine: 'hostjs', filename: 'b.hjs', output: b.sink, args: { positional: ['b'], named: {} } }),
      ]);
      expect(ra).toEqual({ job: 'a' });
      expect(rb).toBeNull();
      expect(a.out).toEqual(['from a']);
      expect(b.out).toEqual(['from b']);
    } finally {
      await p.close();
    }
  });

  test('a run may have a shorter time limit than the host: past it (and the grace) its host is killed', async () => {
    const { pool: p } = pool();
    try {
      await expect(p.run('for (;;) {}', { engine: 'hostjs', filename: 'spin.hjs', timeoutMs: 200 })).rejects.toMatchObject({
        code: 'SCRIPT_TIMEOUT', message: expect.stringContaining('200 ms'), details: { hostEnded: true },
      });
      // the pool goes on with its next host
      expect(await p.run('return 7', { engine: 'hostjs', filename: 'ok.hjs' })).toBe(7);
    } finally {
      await p.close();
    }
  });

  test('a failing setup fails the run that took the host, with its code; closed pools refuse runs', async () => {
    const p = new IsolatedHostPool({ setupModule, setupData: { fail: 'CONFIG_INVALID' }, write: { stdout: () => undefined, stderr: () => undefined } });
    await expect(p.run('return 1', { engine: 'hostjs', filename: 'x.hjs' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await p.close();
    expect(p.waiting()).toEqual({});
    await expect(p.run('return 1', { engine: 'hostjs', filename: 'x.hjs' })).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
