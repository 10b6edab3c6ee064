/**
 * The CLI's program, loaded by its launcher (bin.ts) once that has started what it can.
 */
import { COMMANDS, commandHelp, mainHelp } from './help.js';
import { startMark } from './start-marks.js';
import { cliVersion } from './version.js';

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

  // `run` and `exec` use the script host the launcher (bin.ts) started and load nothing heavy
  // here: the runtime, engines and tools load once, in the host.
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
