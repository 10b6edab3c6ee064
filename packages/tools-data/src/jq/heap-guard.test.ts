import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The built module, in a process of its own with a small heap (the package's test task builds it).
const built = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/jq/evaluate.js')).href;

const child = `
import { runInNewContext } from 'node:vm';
const { runJq } = await import(${JSON.stringify(built)});
let code;
try {
  runJq('def f: [range(2000000)] as $a | f; f', null, { maxSteps: 1e9, deadline: Date.now() + 120000 });
} catch (error) {
  code = error.code;
}
console.log(JSON.stringify({ code, gc: runInNewContext('typeof gc') }));
`;

test('values that fill the heap stop with a coded error, and V8 flags are left as they were (no --expose-gc)', () => {
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', '--input-type=module', '-e', child], { encoding: 'utf8' });
  expect(r.stderr).not.toContain('heap out of memory');
  expect(r.status).toBe(0);
  // Each frame keeps a 2,000,000-item array alive: the guard stops it before V8's fatal OOM.
  expect(JSON.parse(r.stdout)).toEqual({ code: 'SIZE_LIMIT_EXCEEDED', gc: 'undefined' });
});
