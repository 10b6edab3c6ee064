import { LlmspellError, hostAsync } from '@llmspell/core';
import { harness, type Harness } from './__fixtures__/harness.js';
import { engineStats } from './js-vm.js';

// Host calls cross as one engine call each (see `call` in prelude.ts): plain-data arguments
// and answers as JSON text, anything else as handles. Both ways must give the script the
// same values, promises and errors.
describe('host calls', () => {
  let h: Harness;
  const seen: unknown[][] = [];
  beforeAll(async () => {
    h = await harness({
      extraGlobals: {
        echo: (...args) => (seen.push(args), args.length === 1 ? args[0] : args),
        later: (...args) => Promise.resolve(args.length === 1 ? args[0] : args),
        laterAsync: hostAsync((x) => Promise.resolve(x)),
        nowAsync: hostAsync((x) => x),
        failLater: hostAsync(() => Promise.reject(new LlmspellError('PATH_NOT_ALLOWED', 'not there'))),
      },
    });
  });
  afterAll(() => h.close());

  test('plain data and strings arrive unchanged, whatever the function returns', async () => {
    await expect(h.run(`
      export default [echo('a"b\\\\c'), echo(''), echo('[1,2]'), echo('5'), echo({ a: [1, { b: null }] }), echo(), echo(1, 'two', true)];
    `)).resolves.toEqual(['a"b\\c', '', '[1,2]', '5', { a: [1, { b: null }] }, [], [1, 'two', true]]);
  });

  test('values that are not plain data take the handle path both ways', async () => {
    seen.splice(0);
    await expect(h.run(`
      const f = () => 1;
      const r = echo({ f, u: undefined, d: new Date(0) }, NaN);
      export default [typeof r[0].f, r[0].u === undefined, r[0].d, Number.isNaN(r[1])];
    `)).resolves.toEqual(['function', true, '1970-01-01T00:00:00.000Z', true]);
    expect(Number.isNaN(seen[0]?.[1])).toBe(true);
  });

  test('asynchronous answers: strings, numbers and non-finite numbers resolve as themselves', async () => {
    await expect(h.run(`
      export default [await nowAsync('7'), await nowAsync(7), Number.isNaN(await nowAsync(NaN)), await nowAsync(null),
        await laterAsync('x'), await laterAsync(8), await later(1, 2), await nowAsync(undefined) === undefined];
    `)).resolves.toEqual(['7', 7, true, null, 'x', 8, [1, 2], true]);
  });

  test('a host rejection handled after it happened does not fail the run', async () => {
    await expect(h.run(`
      const p = failLater();
      await later(1); await later(2);
      export default await p.catch((e) => e.code);
    `)).resolves.toBe('PATH_NOT_ALLOWED');
  });

  test('awaiting in try/catch or Promise.all handles a host rejection', async () => {
    await expect(h.run(`
      let caught = [];
      try { await failLater(); } catch (e) { caught.push(e.code); }
      const p = failLater();
      await later(1);
      try { await Promise.all([later(2), p]); } catch (e) { caught.push(e.code); }
      const q = failLater();
      await Promise.allSettled([q]);
      export default caught;
    `)).resolves.toEqual(['PATH_NOT_ALLOWED', 'PATH_NOT_ALLOWED']);
  });

  test('a host rejection nobody handles fails the run with its code', async () => {
    await expect(h.run(`const p = failLater(); await later(1); export default 1;`)).rejects.toMatchObject({
      code: 'PATH_NOT_ALLOWED', message: expect.stringContaining('unhandled promise rejection'),
    });
  });

  test('a script function receives what a host function gives', async () => {
    await expect(h.run(`export default [echo.name, later.name, typeof echo, (await later({ k: [1] })).k[0]];`))
      .resolves.toEqual(['echo', 'later', 'function', 1]);
  });

  test('many waiting host calls leave nothing behind when the context is disposed', async () => {
    const before = engineStats.uncleanDisposals;
    const c = await harness({ extraGlobals: { tick: (i) => Promise.resolve(i) } });
    await expect(c.run('let s = 0; for (let i = 0; i < 20000; i++) s += await tick(1); export default s;')).resolves.toBe(20000);
    await c.close();
    expect(engineStats.uncleanDisposals).toBe(before);
  });
});
