import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const fixtures = fileURLToPath(new URL('.', import.meta.url));

export interface Child {
  child: ChildProcess;
  lines: AsyncIterableIterator<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts `fixtures/<script>` in its own Node process, its stdout read line by line. */
export function start(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Child {
  const child = spawn(process.execPath, [join(fixtures, script), ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]() as AsyncIterableIterator<string>;
  return { child, lines, exited };
}

/** The child's next line; fails when it exits first, with its stderr. */
export async function nextLine(lines: AsyncIterableIterator<string>, exited: Promise<{ stderr: string }>): Promise<string> {
  const r = await Promise.race([lines.next(), exited.then((e) => ({ done: true, value: `exited: ${e.stderr}` }))]);
  if (r.done) throw new Error(`child ended early ${r.value ?? ''}`);
  return r.value as string;
}

/**
 * Runs `fixtures/counter.mjs` in two processes at once (both wait for "go", so their work
 * overlaps) and resolves their exit codes and stderr.
 */
export async function runTwoCounters(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Array<[number | null, string]>> {
  const children = [start('counter.mjs', args, env), start('counter.mjs', args, env)];
  for (const c of children) if ((await nextLine(c.lines, c.exited)) !== 'ready') throw new Error('counter did not start');
  for (const c of children) c.child.stdin!.write('go\n');
  return (await Promise.all(children.map((c) => c.exited))).map((e) => [e.code, e.stderr]);
}
