import { LlmspellError } from '@llmspell/core/errors';
import { IsolatedSession, type IsolatedRunOptions, type IsolatedSessionOptions } from './isolated-session.js';

type Lines = { stdout(line: string): void; stderr(line: string): void };

export interface IsolatedHostPoolOptions extends Omit<IsolatedSessionOptions, 'engine' | 'output' | 'onEvent'> {
  /** Hosts kept started and set up for each engine in use, waiting for the next runs (default 1). */
  spares?: number;
}

export interface PooledRunOptions extends Omit<IsolatedRunOptions, 'fresh'> {
  /** Engine name handed to the setup; spares are kept per engine. */
  engine: string;
  /** This run's output lines (print / console.log), redacted by the host's policy. */
  output?: Lines;
}

interface Spare {
  session: IsolatedSession;
  /** Where the run that takes this host sends its lines. */
  sink?: Lines;
}

/**
 * Runs scripts, each in a host of its own, from hosts started ahead of the runs: a run takes
 * a host whose runtime and engine are already set up (config read, tools loaded, state
 * open, WASM compiled), and a replacement starts at once for the run after it. A host still
 * serves exactly one run and is closed after it, so runs share nothing (no script globals,
 * hooks, subscriptions or registrations, not even the process): the start of a host moves
 * off the run's path, not its isolation. What a host set up ahead cannot know (the job's
 * script file, run id) reaches the setup's `beforeRun` as `prepare` data.
 */
export class IsolatedHostPool {
  private readonly spares = new Map<string, Spare[]>();
  private closed = false;

  constructor(private readonly options: IsolatedHostPoolOptions) {}

  private get spareCount(): number {
    return Math.max(0, this.options.spares ?? 1);
  }

  /** Starts the spares of `engine` now (before its first run). */
  warm(engine: string): void {
    if (this.closed) return;
    const list = this.spares.get(engine) ?? [];
    this.spares.set(engine, list);
    while (list.length < this.spareCount) list.push(this.startSpare(engine));
  }

  private startSpare(engine: string): Spare {
    const spare: Spare = { session: undefined as unknown as IsolatedSession };
    spare.session = new IsolatedSession({
      ...this.options,
      engine,
      output: {
        stdout: (line) => (spare.sink ? spare.sink.stdout(line) : process.stdout.write(`${line}\n`)),
        stderr: (line) => (spare.sink ? spare.sink.stderr(line) : process.stderr.write(`${line}\n`)),
      },
    });
    // A setup that fails fails the run that takes this host (the session then starts another).
    spare.session.start().catch(() => undefined);
    return spare;
  }

  /** Hosts started and waiting, per engine. */
  waiting(): Record<string, number> {
    return Object.fromEntries([...this.spares].map(([engine, list]) => [engine, list.length]));
  }

  /**
   * Runs `source` in a host of its own (a spare when one waits) and resolves with its result
   * once that host closed its runtime; rejects like `runIsolatedScript`.
   */
  async run(source: string, options: PooledRunOptions): Promise<unknown> {
    if (this.closed) throw new LlmspellError('INTERNAL', 'the host pool is closed');
    const list = this.spares.get(options.engine);
    const spare = list?.shift() ?? this.startSpare(options.engine);
    this.warm(options.engine);
    spare.sink = options.output;
    const { engine: _engine, output: _output, ...runOptions } = options;
    try {
      return await spare.session.run(source, { ...runOptions, fresh: true });
    } finally {
      await spare.session.close();
    }
  }

  /** Ends the waiting hosts; runs in progress finish (their hosts close after them). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const waiting = [...this.spares.values()].flat();
    this.spares.clear();
    await Promise.all(waiting.map((spare) => spare.session.close()));
  }
}
