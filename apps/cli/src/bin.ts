#!/usr/bin/env node
import nodeModule from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { COMMANDS, commandHelp, mainHelp } from './help.js';
import { markProcessStart, startMark } from './start-marks.js';
import { cliVersion } from './version.js';

// Node 22+ keeps V8's compiled code of what loads next between runs, in the user's own cache
// folder (a shared /tmp one could be planted by another user); Node 20 has no such cache.
const enableCompileCache = (nodeModule as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache;
if (enableCompileCache && process.env.NODE_COMPILE_CACHE === undefined && process.env.NODE_DISABLE_COMPILE_CACHE === undefined) {
  try {
    enableCompileCache(path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'llmspell', 'compile-cache'));
  } catch {
    // a cache is an optimisation: never a reason not to start
  }
}

/**
 * `--version` and help answer from two dependency-free modules: loading the runtime, zod
 * and the tools for them would make the commonest calls several times slower than `node`.
 * Only the exact simple forms are answered here; anything else goes through main, which
 * gives the same answers for them.
 */
function quickAnswer(argv: string[]): { text: string; code: number } | undefined {
  const [first, second] = argv;
  const isHelp = (a: string | undefined) => a === '--help' || a === '-h';
  if (argv.length === 0) return { text: mainHelp(cliVersion()), code: 2 };
  if (argv.length === 1 && (first === '--version' || first === '-V')) return { text: `llmspell ${cliVersion()}\n`, code: 0 };
  if (argv.length === 1 && (isHelp(first) || first === 'help')) return { text: mainHelp(cliVersion()), code: 0 };
  if (argv.length === 2 && first === 'help' && !second.startsWith('-')) return { text: commandHelp(second) ?? mainHelp(cliVersion()), code: 0 };
  if (argv.length === 2 && isHelp(second) && Object.hasOwn(COMMANDS, first)) return { text: commandHelp(first)!, code: 0 };
  return undefined;
}

// `llmspell tools list | head` closes the pipe early: that is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

markProcessStart('main');
startMark('main: bin loaded');
process.on('exit', () => startMark('main: exit'));
const argv = process.argv.slice(2);
const quick = quickAnswer(argv);
if (quick) {
  process.stdout.write(quick.text);
  process.exitCode = quick.code;
} else {
  // A script must never take the CLI down with an unhandled rejection from a late host
  // callback; report it and keep the exit code honest.
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`llmspell: unhandled error: ${reason instanceof Error ? reason.message : String(reason)}\n`);
    process.exitCode = 1;
  });

  // `run` and `exec` start the script host first and load nothing heavy here: the runtime,
  // engines and tools load once, in the host, which starts before the run command loads.
  const prestart = argv[0] === 'run' || argv[0] === 'exec' ? import('./host-prestart.js') : undefined;
  (prestart ? prestart.then((m) => m.prestartScriptHost(argv), () => undefined) : Promise.resolve())
    .then(() => import('./script-main.js'))
    .then(({ scriptMain }) => {
      startMark('main: script-main loaded');
      return scriptMain(argv);
    })
    .finally(() => prestart?.then((m) => m.discardPrestartedHost(), () => undefined))
    .then((code) => code ?? import('./main.js').then(({ main }) => main(argv)))
    .then(
      async (code) => {
        process.exitCode = code;
        // a worker-thread host stuck in native code would hold a normal exit forever
        const isolation = await import('@llmspell/runtime/isolation');
        if (isolation.stuckHostCount() > 0) isolation.exitProcessNow(code);
      },
      (error) => {
        process.stderr.write(`llmspell: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
      },
    );
}
