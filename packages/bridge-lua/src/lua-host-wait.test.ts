import net from 'node:net';
import { LlmspellError, type ScriptCallback, type ScriptValue } from '@llmspell/core';
import type { LuaContext } from './lua-context.js';
import { harness } from '../test/harness.js';

/** A loopback echo server and a client whose `send` resolves with the echoed text (real I/O). */
async function loopbackEcho(): Promise<{ send(text: string): Promise<string>; close(): void }> {
  const server = net.createServer((socket) => socket.on('data', (data) => socket.write(data)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const client = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  client.setNoDelay(true);
  const waiting: Array<(text: string) => void> = [];
  let buffered = '';
  client.on('data', (data) => {
    buffered += data.toString('utf8');
    let end: number;
    while ((end = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      waiting.shift()?.(line);
    }
  });
  return {
    send: (text) => new Promise((resolve) => {
      waiting.push(resolve);
      client.write(`${text}\n`);
    }),
    close: () => {
      client.destroy();
      server.close();
    },
  };
}

describe('a Lua thread waiting on host promises', () => {
  it('gets every answer in order, whatever settles the promise: real I/O, setImmediate, an already resolved one', async () => {
    const echo = await loopbackEcho();
    const h = await harness({
      extraGlobals: {
        io: (text: ScriptValue) => echo.send(String(text)),
        immediate: (n: ScriptValue) => new Promise((resolve) => setImmediate(() => resolve({ n, twice: (n as number) * 2 }))),
        resolved: (n: ScriptValue) => Promise.resolve([n, 'x']),
      },
    });
    try {
      const result = await h.run(`
        local seen = {}
        for i = 1, 300 do
          local text = io("line " .. i)
          local pair = resolved(i)
          local value = immediate(i)
          if text ~= "line " .. i or pair[1] ~= i or pair[2] ~= "x" or value.n ~= i or value.twice ~= 2 * i then
            error("out of order at " .. i .. ": " .. tostring(text))
          end
          seen[#seen + 1] = text
        end
        return { #seen, seen[1], seen[300] }
      `);
      expect(result).toEqual([300, 'line 1', 'line 300']);
    } finally {
      echo.close();
      await h.close();
    }
  });

  it('raises a rejected promise as a Lua error carrying its code, catchable by pcall; uncaught it fails the run with that code', async () => {
    const h = await harness({
      extraGlobals: {
        refuse: (why: ScriptValue) => new Promise((_resolve, reject) => setImmediate(() => reject(new LlmspellError('PATH_NOT_ALLOWED', `refused: ${String(why)}`)))),
        crash: () => Promise.reject(new Error('plain crash')),
      },
    });
    try {
      await expect(h.run(`
        local results = {}
        for i = 1, 50 do
          local ok, err = pcall(refuse, "try " .. i)
          results[#results + 1] = (not ok) and err == "PATH_NOT_ALLOWED: refused: try " .. i
        end
        local ok2, err2 = pcall(crash)
        local all = true
        for _, r in ipairs(results) do all = all and r end
        return { all, #results, ok2, err2 }
      `)).resolves.toEqual([true, 50, false, 'INTERNAL: plain crash']);
      await expect(h.run('refuse("at the top")', 'refused.lua')).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED', details: { file: 'refused.lua' } });
      // the context still serves waits after the failures
      await expect(h.run('return refuse ~= nil and select(2, pcall(refuse, "again"))')).resolves.toBe('PATH_NOT_ALLOWED: refused: again');
    } finally {
      await h.close();
    }
  });

  it('ends a wait on a promise that never settles at the time limit, and one that waits in a loop too', async () => {
    let calls = 0;
    const h = await harness({
      extraGlobals: {
        never: () => new Promise(() => undefined),
        tick: () => new Promise((resolve) => setImmediate(() => resolve(++calls))),
      },
    });
    try {
      await expect(h.run('never()', 'never.lua', 150)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT', details: { file: 'never.lua' } });
      await expect(h.run('while true do tick() end', 'ticks.lua', 150)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
      expect(calls).toBeGreaterThan(0);
      // pcall cannot catch the stop, even around the wait
      await expect(h.run('while true do pcall(never) end', 'pcall.lua', 150)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
      await expect(h.run('return tick() > 0')).resolves.toBe(true);
    } finally {
      await h.close();
    }
  });

  it('stops a run that waits in a loop when its signal aborts', async () => {
    let calls = 0;
    // counted when the script calls, not when the answer comes: no call may start after the cancel
    const tick = () => {
      calls++;
      return new Promise<number>((resolve) => setImmediate(() => resolve(calls)));
    };
    const h = await harness({ extraGlobals: { tick } });
    try {
      const running = h.run('while true do tick() end', 'cancel.lua');
      const aborted = new Promise<void>((resolve) => {
        const check = () => (calls >= 20 ? (h.controller.abort(), resolve()) : setImmediate(check));
        check();
      });
      await aborted;
      await expect(running).rejects.toMatchObject({ code: 'CANCELLED', details: { file: 'cancel.lua' } });
      // the call in flight settles on the next turn; a thread still driven would call again then
      const after = calls;
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
      expect(calls).toBe(after);
    } finally {
      await h.close();
    }
  });

  it('runs many callbacks waiting at once, each resumed by its own promise, in the order they settle', async () => {
    const release: Array<() => void> = [];
    const h = await harness({
      extraGlobals: {
        keep: (cb: ScriptValue) => cb,
        gate: (n: ScriptValue) => new Promise((resolve) => {
          release[n as number] = () => resolve(n);
        }),
      },
    });
    try {
      const callback = (await h.run(`
        log = {}
        return keep(function(n) local v = gate(n) log[#log + 1] = v return v * 10 end)
      `)) as ScriptCallback;
      const calls = [1, 2, 3, 4, 5].map((n) => callback.call(n));
      await new Promise((resolve) => setImmediate(resolve));
      for (const n of [4, 2, 5, 1, 3]) {
        release[n]!();
        await new Promise((resolve) => setImmediate(resolve));
      }
      await expect(Promise.all(calls)).resolves.toEqual([10, 20, 30, 40, 50]);
      await expect(h.run('return log')).resolves.toEqual([4, 2, 5, 1, 3]);
    } finally {
      await h.close();
    }
  });

  it('counts Lua memory against the cap as it waits, and refuses allocations past it', async () => {
    const h = await harness({ limits: { memoryBytes: 8 * 1024 * 1024 }, extraGlobals: { later: (v: ScriptValue) => Promise.resolve(v) } });
    try {
      const context = h.context as LuaContext;
      const before = context.memoryUsed();
      await h.run('keep = {} for i = 1, 2000 do keep[i] = later({ i = i, s = "value " .. i }) end');
      expect(context.memoryUsed()).toBeGreaterThan(before);
      await expect(h.run('local t = {} while true do t[#t + 1] = later(string.rep("x", 1e5)) end')).rejects.toMatchObject({ code: 'SCRIPT_MEMORY_LIMIT' });
      await expect(h.run('keep = nil collectgarbage() return later(7)')).resolves.toBe(7);
    } finally {
      await h.close();
    }
  });
});
