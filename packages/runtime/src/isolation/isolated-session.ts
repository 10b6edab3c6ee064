import { LlmspellError } from '@llmspell/core/errors';
import { DEFAULT_SCRIPT_MEMORY_BYTES, hostHeapMb } from './heap-limit.js';
import { startHost, type HostExit, type HostTransport, type IsolationKind } from './host-transport.js';
import type { PrestartedHost } from './prestarted-host.js';
import { fromWireError, type FromHost, type IsolationLimits, type OutputItem, type ScriptArgsMessage, type ToHost } from './protocol.js';

/** Time a host gets beyond the script's own limit before it is killed (cooperative stops come first). */
export const DEFAULT_GRACE_MS = 1000;
/**
 * Time a host gets to answer a cancel (`cancelling`, sent from its event loop). A host that does
 * not is running a busy script (`while true do end`) whose engine only hears of the cancel
 * through that event loop: it is killed then, not after the whole grace, so Ctrl-C is prompt.
 */
export const CANCEL_ANSWER_MS = 250;
const DEFAULT_SETUP_TIMEOUT_MS = 60_000;
/** After the last result: closing the runtime (state, tools) gets this long before the host is killed. */
const CLOSE_TIMEOUT_MS = 10_000;
/** How long `kill` waits to see the host gone before calling it stuck. */
const KILL_WAIT_MS = 1000;

export interface IsolatedSessionOptions {
  /** Module (URL, file URL string, or package specifier resolvable from the host) exporting `setup`. */
  setupModule: string | URL;
  /** Structured-clonable data for `setup` (config path, flags, ...). */
  setupData?: unknown;
  /** Engine name handed to `setup`; empty leaves the choice to the setup (a configured default). */
  engine: string;
  /** Told the engine the setup chose, when a host is ready (before a run queued on it starts). */
  onEngine?: (engine: string) => void;
  /** Forced limits; what is not given comes from the setup's runtime (`runtime.scriptLimits`). */
  limits?: Partial<IsolationLimits>;
  /** `process` (default): a child process; `worker`: a worker thread (see `IsolationKind`). */
  isolation?: IsolationKind;
  /**
   * The host's entry file (path or file URL): one that calls `serveIsolatedHost({ setup })`
   * from `@llmspell/runtime/isolation/host`, typically built into one bundled file so the
   * host starts without loading the module graph. Default: the plain entry, which imports
   * `setupModule`.
   */
  hostEntry?: string | URL;
  /** Time past the limit before the host is killed (default 1000 ms). */
  graceMs?: number;
  /** Time the setup may take (default 60 s). */
  setupTimeoutMs?: number;
  /** The host's environment (default `process.env`) and, for a process, working directory. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Script output lines (print / console.log), redacted by the host's policy. Default: the process's streams. */
  output?: { stdout(line: string): void; stderr(line: string): void };
  /** Raw text the setup writes (its logger) and the host process's own stderr. Default: the process's streams. */
  write?: { stdout(text: string): void; stderr(text: string): void };
  /** Events the setup emits (e.g. progress of agents and workflows). */
  onEvent?: (type: string, data: unknown) => void;
  /**
   * A host started ahead of this session (see `prestartHost`): its first host, when it was
   * started exactly as this session would start one (isolation, entry, heap, env, cwd);
   * otherwise it is ended and a host started as usual. Ended with the session if unused.
   */
  prestarted?: PrestartedHost;
}

export interface IsolatedRunOptions {
  /**
   * Shown in errors: `hello.lua:3: message`. A function names it from the engine the setup
   * chose (an inline script's extension when the session left the engine to the setup); the
   * run then waits for the host to be ready before it is sent.
   */
  filename: string | ((engine: string) => string);
  args?: ScriptArgsMessage;
  signal?: AbortSignal;
  /** true: a fresh script context for this run; false (default): the session's shared one. */
  fresh?: boolean;
  /** Data for the setup's `beforeRun` (see IsolatedSetup.beforeRun). */
  prepare?: unknown;
  /** A shorter wall-time limit for this run than the session's (a queue job that asks for less). */
  timeoutMs?: number;
}

interface Request {
  message: ToHost;
  /** The host it was sent to. */
  host?: LiveHost;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** Runs only: what a watchdog needs. */
  run?: { filename: string; timeoutMs?: number; timer?: NodeJS.Timeout; cancelled?: boolean; stopFromOutside?: () => void };
}

/** Error details marking a failure the supervisor produced by ending the host. */
export interface HostEndDetails {
  file: string | null;
  line: null;
  /** The host was ended (killed or crashed); a session starts a fresh one for the next call. */
  hostEnded: true;
  /** A worker thread stuck in native code could not be stopped (see `exitProcessNow`). */
  hostStuck?: boolean;
}

type EndReason = (file: string | null, stopped: boolean) => LlmspellError;

interface LiveHost {
  transport: HostTransport;
  ready: Promise<IsolationLimits>;
  resolveReady(limits: IsolationLimits): void;
  rejectReady(error: unknown): void;
  setupTimer: NodeJS.Timeout;
  limits?: IsolationLimits;
  /** Why the supervisor is ending it (a watchdog, a cancel); unset when it dies on its own. */
  endReason?: EndReason;
  closedWaiter?: () => void;
  /** Replaced by a host with a bigger heap: its end fails nothing. */
  retired?: boolean;
}

let stuckHosts = 0;

/** Worker threads this process could not stop (stuck in native code). Exiting normally would wait for them forever. */
export function stuckHostCount(): number {
  return stuckHosts;
}

/**
 * A script host in a child process (or worker thread) that runs scripts for the caller,
 * with a watchdog on each run: at the time limit plus a grace, or when a cancel is not
 * obeyed within the grace, the host is killed and the run fails with SCRIPT_TIMEOUT /
 * CANCELLED; a host that runs out of heap fails it with SCRIPT_MEMORY_LIMIT. A session
 * whose host ended starts a new one on the next call (its globals are then gone).
 */
export class IsolatedSession {
  private live?: LiveHost;
  private readonly requests = new Map<number, Request>();
  private nextId = 1;
  private heapMb: number;
  private limitsValue?: IsolationLimits;
  private engineValue?: string;
  private closed = false;
  /** Hosts started so far (a new one after each kill or crash). */
  generation = 0;

  constructor(private readonly options: IsolatedSessionOptions) {
    this.heapMb = hostHeapMb(options.limits?.memoryBytes ?? DEFAULT_SCRIPT_MEMORY_BYTES);
  }

  get isolation(): IsolationKind {
    return this.options.isolation ?? 'process';
  }

  /** The engine the setup chose (known once a host was ready). */
  get engine(): string | undefined {
    return this.engineValue;
  }

  /** The limits in force (known once a host was ready). */
  get limits(): IsolationLimits | undefined {
    return this.limitsValue;
  }

  private get graceMs(): number {
    return this.options.graceMs ?? DEFAULT_GRACE_MS;
  }

  /** Starts the host (if none is running) and resolves with its limits. */
  start(): Promise<IsolationLimits> {
    if (this.closed) return Promise.reject(new LlmspellError('INTERNAL', 'the isolated session is closed'));
    return (this.live ?? this.spawn()).ready;
  }

  /** Starts a host; `pending` are requests a replaced host never ran. */
  private spawn(pending: Request[] = []): LiveHost {
    this.generation++;
    const setupTimeoutMs = this.options.setupTimeoutMs ?? DEFAULT_SETUP_TIMEOUT_MS;
    const live = {} as LiveHost;
    live.ready = new Promise<IsolationLimits>((resolve, reject) => {
      live.resolveReady = resolve;
      live.rejectReady = reject;
    });
    live.ready.catch(() => undefined);
    const hostOptions = {
      heapMb: this.heapMb,
      entry: this.options.hostEntry,
      env: this.options.env,
      cwd: this.options.cwd,
      stderr: (text: string) => (this.options.write?.stderr ?? ((t: string) => process.stderr.write(t)))(text),
    };
    const events = {
      message: (message: FromHost) => this.receive(live, message),
      exit: (exit: HostExit) => this.ended(live, exit),
    };
    const prestarted = this.options.prestarted;
    live.transport = prestarted?.take(this.isolation, hostOptions, events) ?? startHost(this.isolation, hostOptions, events);
    prestarted?.discard();
    live.setupTimer = setTimeout(() => {
      void this.endHost(live, () => new LlmspellError('INTERNAL', `the script host did not start within ${setupTimeoutMs} ms`));
    }, setupTimeoutMs);
    live.setupTimer.unref();
    this.live = live;
    live.transport.send({
      t: 'setup',
      setupModule: String(this.options.setupModule),
      setupData: this.options.setupData ?? null,
      engine: this.options.engine,
      limits: this.options.limits ?? {},
      heapMb: this.heapMb,
      events: Boolean(this.options.onEvent),
    });
    for (const request of pending) {
      request.host = live;
      live.transport.send(request.message);
    }
    return live;
  }

  /** Queues a request on the host (starting one when needed); it is sent as soon as possible. */
  private dispatch(request: Request): Promise<unknown> {
    const id = this.nextId++;
    const done = new Promise<unknown>((resolve, reject) => {
      request.resolve = resolve;
      request.reject = reject;
    });
    (request.message as { id: number }).id = id;
    this.requests.set(id, request);
    if (this.live) {
      request.host = this.live;
      this.live.transport.send(request.message);
      if (request.run && this.live.limits) this.arm(this.live, request);
    } else {
      this.spawn([request]);
    }
    return done.finally(() => {
      this.requests.delete(id);
      if (request.run?.timer) clearTimeout(request.run.timer);
    });
  }

  /** Runs a script in the host; rejects with the script's LlmspellError. */
  async run(source: string, options: IsolatedRunOptions): Promise<unknown> {
    if (this.closed) throw new LlmspellError('INTERNAL', 'the isolated session is closed');
    let filename = options.filename;
    if (typeof filename === 'function') {
      if (this.engineValue === undefined) await this.start();
      filename = filename(this.engineValue ?? this.options.engine);
    }
    if (options.signal?.aborted) throw cancelled(filename, options.signal.reason);
    const request: Request = {
      message: {
        t: 'run', id: 0, source, filename, args: options.args, fresh: options.fresh ?? false,
        ...(options.prepare !== undefined ? { prepare: options.prepare } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      },
      resolve: () => undefined,
      reject: () => undefined,
      run: { filename, timeoutMs: options.timeoutMs },
    };
    const onAbort = () => this.cancel(request, options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.dispatch(request);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Parses a source in the session's context: null when valid. */
  async checkSyntax(source: string, filename: string): Promise<{ file: string; line: number | null; message: string } | null> {
    return (await this.dispatch({ message: { t: 'check', id: 0, source, filename }, resolve: () => undefined, reject: () => undefined })) as
      { file: string; line: number | null; message: string } | null;
  }

  /** Names of the globals a script sees. */
  async globals(): Promise<string[]> {
    return (await this.dispatch({ message: { t: 'globals', id: 0 }, resolve: () => undefined, reject: () => undefined })) as string[];
  }

  /** The watchdog of one run: the engine stops the script itself at timeoutMs; past the grace, the host goes. */
  private arm(live: LiveHost, request: Request): void {
    const run = request.run!;
    if (run.timer || run.cancelled) return;
    const timeoutMs = Math.min(live.limits!.timeoutMs, run.timeoutMs ?? Infinity);
    // a limit past Node's longest timer (about 24.8 days) would fire at once
    run.timer = setTimeout(() => {
      void this.endHost(live, (_file, stopped) => hostEnded('SCRIPT_TIMEOUT', run.filename, `script exceeded its time limit of ${timeoutMs} ms`, stopped));
    }, Math.min(timeoutMs + this.graceMs, 2 ** 31 - 1));
  }

  private cancel(request: Request, reason: unknown): void {
    const run = request.run!;
    const live = this.live;
    if (run.cancelled || !live) return;
    run.cancelled = true;
    if (run.timer) clearTimeout(run.timer);
    const text = reason instanceof Error ? reason.message.replace(/^CANCELLED: /, '') : 'script cancelled';
    live.transport.send({ t: 'cancel', id: (request.message as { id: number }).id, reason: text });
    // a script that does not stop when asked is stopped from outside: at once when its host does
    // not even answer, else after the grace (see CANCEL_ANSWER_MS)
    run.stopFromOutside = () => {
      void this.endHost(live, (_file, stopped) => hostEnded('CANCELLED', run.filename, text, stopped));
    };
    run.timer = setTimeout(run.stopFromOutside, Math.min(CANCEL_ANSWER_MS, this.graceMs));
  }

  private receive(live: LiveHost, message: FromHost): void {
    if (live !== this.live && message.t !== 'closed' && message.t !== 'output') return;
    switch (message.t) {
      case 'ready':
        clearTimeout(live.setupTimer);
        live.limits = message.limits;
        this.limitsValue = message.limits;
        this.engineValue = message.engine;
        this.options.onEngine?.(message.engine);
        live.resolveReady(message.limits);
        for (const request of this.requests.values()) if (request.run && request.host === live) this.arm(live, request);
        return;
      case 'respawn':
        // the configured memory limit needs a bigger heap than assumed: start over with it
        clearTimeout(live.setupTimer);
        this.heapMb = message.heapMb;
        this.live = undefined;
        live.retired = true;
        void live.transport.kill(KILL_WAIT_MS);
        this.spawn([...this.requests.values()].filter((request) => request.host === live)).ready.then(live.resolveReady, live.rejectReady);
        return;
      case 'output':
        this.deliver(message.items);
        return;
      case 'event':
        this.options.onEvent?.(message.type, message.data);
        return;
      case 'result':
      case 'checked':
        this.requests.get(message.id)?.resolve(message.t === 'result' ? message.value : message.problem);
        return;
      case 'globals':
        this.requests.get(message.id)?.resolve(message.names);
        return;
      case 'error': {
        const error = fromWireError(message.error);
        if (message.id !== 0) {
          this.requests.get(message.id)?.reject(error);
          return;
        }
        // the setup failed: everything waiting for this host fails with its error
        clearTimeout(live.setupTimer);
        this.failAll(live, () => error);
        return;
      }
      case 'closed':
        live.closedWaiter?.();
        return;
      case 'cancelling': {
        const run = this.requests.get(message.id)?.run;
        if (!run?.cancelled || !run.stopFromOutside) return;
        clearTimeout(run.timer);
        run.timer = setTimeout(run.stopFromOutside, this.graceMs);
        run.stopFromOutside = undefined;
        return;
      }
    }
  }

  private deliver(items: OutputItem[]): void {
    const out = this.options.output;
    const raw = this.options.write;
    for (const item of items) {
      if (item.line) {
        if (out) (item.s === 1 ? out.stdout : out.stderr)(item.text);
        else (item.s === 1 ? process.stdout : process.stderr).write(item.text + '\n');
      } else if (raw) (item.s === 1 ? raw.stdout : raw.stderr)(item.text);
      else (item.s === 1 ? process.stdout : process.stderr).write(item.text);
    }
  }

  /** Kills a host for `reason`; what waited on it fails with that reason. */
  private async endHost(live: LiveHost, reason: EndReason): Promise<void> {
    if (this.live === live) this.live = undefined;
    clearTimeout(live.setupTimer);
    live.endReason ??= reason;
    const stopped = await live.transport.kill(KILL_WAIT_MS);
    if (stopped) return; // `ended` failed the requests
    stuckHosts++;
    live.transport.unref();
    this.failAll(live, (file) => live.endReason!(file, false));
  }

  private ended(live: LiveHost, exit: HostExit): void {
    if (this.live === live) this.live = undefined;
    clearTimeout(live.setupTimer);
    live.closedWaiter?.();
    // Ctrl-C in a terminal ends the host along with the supervisor's own SIGINT
    const reason = live.endReason ?? (exit.signal === 'SIGINT'
      ? (file: string | null, stopped: boolean) => hostEnded('CANCELLED', file ?? 'script', 'interrupted (Ctrl-C)', stopped)
      : undefined);
    const limits = live.limits ?? { memoryBytes: this.options.limits?.memoryBytes ?? DEFAULT_SCRIPT_MEMORY_BYTES, timeoutMs: 0 };
    this.failAll(live, reason ? (file) => reason(file, true) : crashError(exit, limits));
  }

  private failAll(live: LiveHost, error: (file: string | null) => LlmspellError): void {
    if (live.retired) return;
    live.rejectReady(error(null));
    for (const request of [...this.requests.values()]) {
      if (request.host === live) request.reject(error(request.run?.filename ?? null));
    }
  }

  /** Closes the runtime in the host (state stores flush) and ends it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.options.prestarted?.discard();
    const live = this.live;
    if (!live) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      timer.unref();
      live.closedWaiter = () => {
        clearTimeout(timer);
        resolve();
      };
      live.transport.send({ t: 'close' });
    });
    await this.endHost(live, () => new LlmspellError('INTERNAL', 'the script host was closed'));
  }
}

function cancelled(file: string, reason: unknown): LlmspellError {
  const text = reason instanceof Error ? reason.message.replace(/^CANCELLED: /, '') : 'script cancelled';
  return new LlmspellError('CANCELLED', `${file}: ${text}`, { details: { file, line: null } });
}

function hostEnded(code: 'SCRIPT_TIMEOUT' | 'CANCELLED', file: string, text: string, stopped: boolean): LlmspellError {
  const details: HostEndDetails = { file, line: null, hostEnded: true };
  if (!stopped) details.hostStuck = true;
  return new LlmspellError(code, `${file}: ${text}`, { details: details as unknown as Record<string, unknown> });
}

/** The error for a host that died on its own. */
function crashError(exit: HostExit, limits: IsolationLimits): (file: string | null) => LlmspellError {
  return (file) => {
    const where = file ? `${file}: ` : '';
    const details: Record<string, unknown> = { file: file ?? null, line: null, hostEnded: true, exitCode: exit.code, signal: exit.signal };
    if (exit.outOfMemory) {
      return new LlmspellError('SCRIPT_MEMORY_LIMIT', `${where}the script's host side ran out of memory (its heap is capped at ${hostHeapMb(limits.memoryBytes)} MiB for a script memory limit of ${limits.memoryBytes} bytes)`, { details });
    }
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const first = exit.crashText.split('\n').find((line) => line.trim() !== '');
    if (first) details.crash = first.trim();
    return new LlmspellError('INTERNAL', `${where}the script host ${how}${first ? ` (${first.trim()})` : ''}`, { details });
  };
}
