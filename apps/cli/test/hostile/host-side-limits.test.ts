import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bin, cli, scratch, write } from '../helpers.js';

/**
 * Limits the host side of a run keeps, through the built CLI: whole-file reads bounded by what
 * the script can hold, deeply nested JSON a JavaScript script can catch, no Node warnings on the
 * user's stderr, and a prompt Ctrl-C of a busy script.
 */
const HARNESS_MS = 30_000;

test('a whole-file read larger than the script can hold is SIZE_LIMIT_EXCEEDED; hashing it works', async () => {
  const dir = scratch();
  write(dir, 'llmspell.toml', '[runtime.security]\nmax_file_bytes = 4000000000\n');
  // Sparse: 80 MiB of file, no disk used; over the 64 MiB memory limit.
  fs.writeFileSync(path.join(dir, 'big.bin'), '');
  fs.truncateSync(path.join(dir, 'big.bin'), 80 * 1024 * 1024);
  write(dir, 'read.lua', 'local r = Tool.invoke("file_operations", {operation = "read", path = "big.bin"}) print(#r.text)');
  const read = await cli(['run', '--max-memory', '64', 'read.lua'], { cwd: dir, timeoutMs: HARNESS_MS });
  expect(read.code).toBe(1);
  expect(read.stderr).toMatch(/^SIZE_LIMIT_EXCEEDED: read\.lua:1: parameter 'path': file big\.bin is 83886080 bytes, over the limit of 67108864 bytes \(the script's memory limit/m);
  write(dir, 'hash.lua', 'local r = Tool.invoke("hash_calculator", {operation = "hash", algorithm = "md5", input_type = "file", file = "big.bin"}) print(r.result.hash, r.result.file_size)');
  const hash = await cli(['run', '--max-memory', '64', 'hash.lua'], { cwd: dir, timeoutMs: HARNESS_MS });
  expect(hash.stderr).toBe('');
  const md5 = createHash('md5');
  for (let i = 0; i < 80; i++) md5.update(Buffer.alloc(1024 * 1024));
  expect(hash.stdout.trim()).toBe(`${md5.digest('hex')}\t83886080`);
}, 60_000);

test('JSON.parse and JSON.stringify of a deeply nested value fail catchably in JavaScript; ordinary depths work', async () => {
  const dir = scratch();
  write(dir, 'deep.js', [
    "try { JSON.parse('['.repeat(100000) + ']'.repeat(100000)); print('parsed'); } catch (e) { print('caught parse', e.name); }",
    'let o = []; let c = o; for (let i = 0; i < 100000; i++) { const n = []; c.push(n); c = n; }',
    "try { print(JSON.stringify(o).length); } catch (e) { print('caught stringify', e.name); }",
    "print(JSON.stringify(JSON.parse('['.repeat(3000) + ']'.repeat(3000))).length);",
  ].join('\n'));
  const run = await cli(['run', 'deep.js'], { cwd: dir, timeoutMs: HARNESS_MS });
  expect(run.stderr).toBe('');
  expect(run.stdout.trim().split('\n')).toEqual(['caught parse SyntaxError', 'caught stringify InternalError', '6000']);
  expect(run.code).toBe(0);
}, 60_000);

test('20 host calls waiting at once (also 20 parallel workflow branches or loop iterations) print no Node warning on stderr', async () => {
  const dir = scratch();
  write(dir, 'sleeps.js', 'await Promise.all(Array.from({ length: 20 }, () => Utils.sleep(0.2))); print("ok");');
  write(dir, 'receive.js', 'const id = Event.subscribe("x.*"); await Promise.all(Array.from({ length: 20 }, () => Event.receive(id, 200))); print("ok");');
  const branches = Array.from({ length: 20 }, (_, i) => `{ name = "b${i}", steps = { { name = "s", type = "custom", execute = function() Utils.sleep(0.05) return ${i} end } } }`);
  write(dir, 'parallel.lua', `local r = Workflow.parallel({ name = "p", max_concurrency = 20, branches = { ${branches.join(', ')} } }):execute({})\nprint(r.success and "ok" or tostring(r.error))`);
  write(dir, 'loop.lua', 'local r = Workflow.loop({ name = "l", parallel = true, max_concurrency = 20, iterator = { range = { start = 1, ["end"] = 20 } }, body = { { name = "s", type = "custom", execute = function() Utils.sleep(0.05) return 1 end } } }):execute({})\nprint(r.success and "ok" or tostring(r.error))');
  for (const file of ['sleeps.js', 'receive.js', 'parallel.lua', 'loop.lua']) {
    const run = await cli(['run', file], { cwd: dir, timeoutMs: HARNESS_MS });
    expect([file, run.stdout.trim(), run.stderr]).toEqual([file, 'ok', '']);
  }
}, 60_000);

test('Ctrl-C stops a busy script promptly: CANCELLED, and the run history says so', async () => {
  const dir = scratch();
  write(dir, 'busy.lua', 'print("started")\nlocal x = 0\nwhile true do x = x + 1 end');
  const env = { PATH: process.env.PATH ?? '', HOME: dir, XDG_DATA_HOME: path.join(dir, '.data'), NO_COLOR: '1' };
  const result = await new Promise<{ code: number | null; stderr: string; ms: number }>((resolve) => {
    const child = spawn(process.execPath, [bin, 'run', 'busy.lua'], { cwd: dir, env });
    let stderr = '';
    let sent = 0;
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      if (!sent && String(d).includes('started')) {
        sent = performance.now();
        child.kill('SIGINT');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), HARNESS_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, ms: performance.now() - sent });
    });
  });
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^CANCELLED: busy\.lua: interrupted \(Ctrl-C\)/m);
  // The host answers no cancel while the script runs: it is killed after 250 ms, not the 1 s grace.
  expect(result.ms).toBeLessThan(1500);
  const runs = await cli(['runs', 'list'], { cwd: dir, env: { XDG_DATA_HOME: path.join(dir, '.data') }, timeoutMs: HARNESS_MS });
  expect(runs.stdout).toMatch(/busy\.lua\s+error\b.*CANCELLED/);
}, 60_000);
