// Not a bench section (run.mjs skips it): a probe of what a Lua wait on a host promise costs,
// against the same await in TypeScript, for a promise settled by real I/O (a loopback echo),
// by setImmediate, already resolved, and a plain synchronous answer; wall and CPU per call.
//   node benchmarks/lua-await-probe.mjs                 (JS=1 adds the JavaScript engine)
//   ONLY=echo N=20000 node --cpu-prof benchmarks/lua-await-probe.mjs
import net from 'node:net';
import { createLuaEngine } from '@llmspell/bridge-lua';
import { createJsEngine } from '@llmspell/bridge-js';

const server = net.createServer((s) => s.on('data', (d) => s.write(d)));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const sock = net.connect(server.address().port, '127.0.0.1');
await new Promise((r) => sock.once('connect', r));
sock.setNoDelay(true);
let waiter;
sock.on('data', () => {
  const w = waiter;
  waiter = undefined;
  w?.();
});
const host = {
  echo: () => new Promise((r) => {
    waiter = r;
    sock.write('x');
  }),
  imm: () => new Promise((r) => setImmediate(() => r(1))),
  res: () => Promise.resolve(1),
  sync: () => 1,
};

const output = { stdout() {}, stderr() {} };
const limits = { timeoutMs: 600000, memoryBytes: 64 * 2 ** 20 };
const globals = { H: host };
const lua = await createLuaEngine().createContext({ globals, limits, output });
const js = process.env.JS ? await createJsEngine().createContext({ globals, limits, output }) : undefined;

const N = Number(process.env.N ?? 2000);
async function time(label, fn) {
  await fn();
  await fn();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const R = 5;
  for (let r = 0; r < R; r++) await fn();
  const wall = ((performance.now() - t0) / R / N) * 1000;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / R / N;
  console.log(`${label.padEnd(28)} wall ${wall.toFixed(2).padStart(8)} µs  cpu ${cpu.toFixed(2).padStart(8)} µs`);
}
for (const k of (process.env.ONLY ?? 'sync,res,imm,echo').split(',')) {
  const f = host[k];
  await time(`ts ${k}`, async () => {
    for (let i = 0; i < N; i++) await f();
  });
  await time(`lua ${k} (1 chunk)`, () => lua.run(`for i = 1, ${N} do H.${k}() end`, { filename: 'p.lua' }));
  await time(`lua ${k} (chunks of 10)`, async () => {
    for (let i = 0; i < N / 10; i++) await lua.run(`for i = 1, 10 do H.${k}() end`, { filename: 'p.lua' });
  });
  if (js) await time(`js ${k} (1 chunk)`, () => js.run(`for (let i = 0; i < ${N}; i++) await H.${k}();`, { filename: 'p.js' }));
}
await time('lua empty chunk', async () => {
  for (let i = 0; i < N; i++) await lua.run('local x = 1', { filename: 'p.lua' });
});
sock.destroy();
server.close();
lua.dispose();
js?.dispose();
