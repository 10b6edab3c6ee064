import { prestartHost, type PrestartedHost } from '@llmspell/runtime/isolation';
import { callerCwd } from './caller-cwd.js';
import { scriptHostEntry } from './script-host-path.js';
import { startMark } from './start-marks.js';

let waiting: PrestartedHost | undefined;

/**
 * Where the CLI's launcher (bin.ts, its own small bundle) leaves the host it started for the
 * rest of the CLI, which loads after it as other modules (with their own copy of this one).
 */
const HANDOVER = Symbol.for('llmspell.cli.prestartedHost');
type HandOver = { [HANDOVER]?: PrestartedHost };

/**
 * `llmspell run …` and `llmspell exec …`: starts the script host now, from the top of bin.ts,
 * so that its start (a second Node, the host bundle) overlaps this process loading the run
 * command and reading the script. Started as runScriptJob will ask for it (the same entry,
 * environment object, working directory and default heap), which is the only way the run
 * takes it (a run whose host would start differently ends this one and starts its own).
 * A flag that changes how the host starts (`--max-memory`), help, or another isolation means
 * no early start. A host no run takes is ended (see discardPrestartedHost).
 */
export function prestartScriptHost(argv: string[], env: NodeJS.ProcessEnv = process.env): void {
  if (waiting || (argv[0] !== 'run' && argv[0] !== 'exec')) return;
  const launched = (globalThis as HandOver)[HANDOVER];
  if (launched) {
    delete (globalThis as HandOver)[HANDOVER];
    waiting = launched;
    return;
  }
  const end = argv.indexOf('--');
  const flags = end < 0 ? argv : argv.slice(0, end);
  if (flags.some((a) => a === '--max-memory' || a.startsWith('--max-memory=') || a === '--help' || a === '-h')) return;
  const isolation = env.LLMSPELL_ISOLATION?.trim().toLowerCase();
  if (isolation && isolation !== 'process') return;
  try {
    waiting = prestartHost({ isolation: 'process', hostEntry: scriptHostEntry(env), env, cwd: callerCwd(env) });
    startMark('main: host prestarted');
  } catch {
    // an early start is an optimisation: the run starts its host itself
  }
}

/** Leaves the host started here to the CLI modules that load next (their prestartScriptHost takes it). */
export function handOverPrestartedHost(): void {
  const host = takePrestartedHost();
  if (host) (globalThis as HandOver)[HANDOVER] = host;
}

/** The host prestartScriptHost started, for the run that uses it (once). */
export function takePrestartedHost(): PrestartedHost | undefined {
  const host = waiting;
  waiting = undefined;
  return host;
}

/** Ends a host started early that no run took (a usage error, a missing script, help). */
export function discardPrestartedHost(): void {
  takePrestartedHost()?.discard();
}
