import { setMaxListeners } from 'node:events';
import { LlmspellError } from '@llmspell/core/errors';
import type { ScriptContext, ScriptOutput } from '@llmspell/core';
import { LineJoiningOutput } from '../line-joining-output.js';
import { hostHeapMb } from './heap-limit.js';
import type { IsolatedSetup, IsolatedSetupFunction } from './isolated-setup.js';
import { workerThreads } from './worker-threads.js';
import { cloneable, HOST_MALLOC_TUNED_ENV, toWireError, type FromHost, type IsolationLimits, type OutputItem, type ToHost } from './protocol.js';

/**
 * The script host: what runs in the child process or worker thread the supervisor starts.
 * It composes a runtime through the caller's setup (a module named in the setup message, or
 * a function a prebuilt host entry passes to `serveIsolatedHost`), then runs what it is sent,
 * one message at a time. It never decides when to stop a script: the supervisor does, from
 * outside, so a script stuck where no check can see it is still stopped.
 */

/** A process host has its supervisor's IPC channel (a worker thread never has `process.send`). */
const isMainThread = typeof process.send === 'function' || workerThreads().isMainThread;

const post: (message: FromHost, done?: () => void) => void = isMainThread
  ? (message, done) => {
      if (!process.connected) return done?.();
      process.send!(message, undefined, undefined, () => done?.());
    }
  : (message, done) => {
      workerThreads().parentPort!.postMessage(message);
      done?.();
    };

let outbox: OutputItem[] = [];
let outboxBytes = 0;
let outboxSince = 0;
let flushScheduled = false;

function flushOutput(): void {
  flushScheduled = false;
  if (outbox.length === 0) return;
  const items = outbox;
  outbox = [];
  outboxBytes = 0;
  post({ t: 'output', items });
}

/**
 * Output goes out at once after a pause (so a line printed just before the script gets
 * stuck is seen), and a burst is batched: one message per event-loop turn, 64 KiB or 50 ms.
 */
function queueOutput(item: OutputItem): void {
  if (!flushScheduled) {
    post({ t: 'output', items: [item] });
    flushScheduled = true;
    setImmediate(flushOutput);
    outboxSince = Date.now();
    return;
  }
  outbox.push(item);
  outboxBytes += item.text.length;
  if (outboxBytes >= 64 * 1024 || Date.now() - outboxSince > 50) {
    flushOutput();
    flushScheduled = true;
    outboxSince = Date.now();
  }
}

/** Every other message keeps its place after the output written before it. */
function send(message: FromHost, done?: () => void): void {
  flushOutput();
  post(message, done);
}

/** A run's controller: every pending host call of the run listens on its signal, so no listener cap (Node would warn on stderr past 10). */
function newRunController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

let made: IsolatedSetup | undefined;
let limits: IsolationLimits | undefined;
let session: ScriptContext | undefined;
let current = newRunController();
let runningId = 0;
/** Cancels that arrived before their run started. */
const cancelledEarly = new Set<number>();
let closing = false;

function scriptOutput(setup: IsolatedSetup): ScriptOutput {
  const redact = (text: string) => setup.runtime.policy.redact(text);
  return {
    stdout: (text) => queueOutput({ s: 1, text: redact(text), line: true }),
    stderr: (text) => queueOutput({ s: 2, text: redact(text), line: true }),
  };
}

function redactedError(error: unknown) {
  const wire = toWireError(error);
  if (!made) return wire;
  const policy = made.runtime.policy;
  return { code: wire.code, detail: policy.redact(wire.detail), details: cloneable(policy.redactValue(wire.details)) as Record<string, unknown> };
}

let builtInSetup: IsolatedSetupFunction | undefined;

async function setUp(message: Extract<ToHost, { t: 'setup' }>): Promise<void> {
  try {
    let setup = builtInSetup;
    if (!setup) {
      const module = (await import(message.setupModule)) as { setup?: IsolatedSetupFunction; default?: IsolatedSetupFunction };
      setup = module.setup ?? module.default;
    }
    if (typeof setup !== 'function') {
      throw new LlmspellError('INVALID_ARGUMENT', `setupModule ${message.setupModule} exports no setup function`);
    }
    made = await setup({
      data: message.setupData,
      engine: message.engine,
      write: {
        stdout: (text) => queueOutput({ s: 1, text, line: false }),
        stderr: (text) => queueOutput({ s: 2, text, line: false }),
      },
      emit: (type, data) => {
        if (message.events) send({ t: 'event', type, data: cloneable(data) });
      },
    });
    limits = { ...made.runtime.scriptLimitsFor(made.engine.name), ...message.limits };
    const needed = hostHeapMb(limits.memoryBytes);
    if (needed > message.heapMb) {
      send({ t: 'respawn', heapMb: needed });
      await shutDown(false);
      return;
    }
    send({ t: 'ready', limits, engine: made.engine.name });
  } catch (error) {
    send({ t: 'error', id: 0, error: toWireError(error) });
    await shutDown(false);
  }
}

/** The REPL session's output: a line io.write left open is printed when its input ends. */
let sessionOutput: LineJoiningOutput | undefined;

async function sessionContext(setup: IsolatedSetup): Promise<ScriptContext> {
  if (!session) {
    const output = (sessionOutput = new LineJoiningOutput(scriptOutput(setup)));
    session = await setup.runtime.createScriptContext(setup.engine, {
      globals: setup.runtime.buildGlobals({ language: setup.engine.name, output, signal: () => current.signal }),
      limits: limits!,
      output,
    });
  }
  return session;
}

async function run(message: Extract<ToHost, { t: 'run' }>): Promise<void> {
  const setup = made!;
  current = newRunController();
  runningId = message.id;
  if (cancelledEarly.delete(message.id)) current.abort(new LlmspellError('CANCELLED', 'script cancelled'));
  try {
    if (message.prepare !== undefined) await setup.beforeRun?.(message.prepare);
    const timeoutMs = Math.min(limits!.timeoutMs, message.timeoutMs ?? Infinity);
    let value: unknown;
    if (message.fresh) {
      value = await setup.runtime.runScript(setup.engine, message.source, {
        filename: message.filename,
        args: message.args,
        signal: current.signal,
        output: scriptOutput(setup),
        limits: { ...limits!, timeoutMs },
      });
    } else {
      const context = await sessionContext(setup);
      try {
        value = await context.run(message.source, { filename: message.filename, signal: current.signal, timeoutMs });
      } finally {
        sessionOutput?.flush();
      }
    }
    send({ t: 'result', id: message.id, value: cloneable(setup.runtime.policy.redactValue(value)) });
  } catch (error) {
    send({ t: 'error', id: message.id, error: redactedError(error) });
  } finally {
    runningId = 0;
  }
}

async function shutDown(graceful: boolean): Promise<void> {
  if (closing) return;
  closing = true;
  try {
    session?.dispose();
    if (made && graceful) {
      await made.runtime.close();
      await made.close?.();
    }
  } finally {
    send({ t: 'closed' }, () => {
      if (isMainThread) process.exit(0);
      else workerThreads().parentPort!.close();
    });
  }
}

async function handle(message: ToHost): Promise<void> {
  if (closing) return;
  if (message.t === 'setup') return setUp(message);
  if (message.t === 'close') return shutDown(true);
  if (!made) return; // the setup failed and said so
  switch (message.t) {
    case 'run':
      watchParent();
      return run(message);
    case 'check': {
      try {
        const context = await sessionContext(made);
        send({ t: 'checked', id: message.id, problem: await context.checkSyntax(message.source, message.filename) });
      } catch (error) {
        send({ t: 'error', id: message.id, error: redactedError(error) });
      }
      return;
    }
    case 'globals':
      send({ t: 'globals', id: message.id, names: Object.keys(made.runtime.buildGlobals({ language: made.engine.name })).sort() });
      return;
    case 'cancel':
      return; // acted on as it arrives, in receive(), not queued behind a run
  }
}

let chain: Promise<void> = Promise.resolve();

function receive(message: ToHost): void {
  if (message.t === 'cancel') {
    if (message.id === runningId) current.abort(new LlmspellError('CANCELLED', message.reason));
    else cancelledEarly.add(message.id);
    // Tells the supervisor this host is not stuck in a busy script; one that is gets killed at once.
    send({ t: 'cancelling', id: message.id });
    return;
  }
  chain = chain.then(() => handle(message)).catch((error: unknown) => {
    send({ t: 'error', id: 0, error: toWireError(error) });
  });
}

let watching = false;

/**
 * A child process whose supervisor died (killed with SIGKILL, say) must not live on, even
 * when its main thread is stuck in native code: a tiny thread checks the parent pid and kills
 * the process when it changes. It is started (synchronously: its thread boots on its own)
 * when the first script starts, before the script can get stuck.
 */
function watchParent(): void {
  if (watching || !isMainThread) return;
  watching = true;
  // started under a kernel parent-death signal (see host-transport): the kernel does this job
  if (process.env.LLMSPELL_PARENT_DEATH_SIGNAL === '1') return;
  const watchdog = new (workerThreads().Worker)(
    `const parent = ${process.ppid};
     setInterval(() => { if (process.ppid !== parent) process.kill(${process.pid}, 'SIGKILL'); }, 500);`,
    { eval: true },
  );
  watchdog.unref();
  watchdog.on('error', () => undefined);
}

export interface ServeIsolatedHostOptions {
  /**
   * The setup to use instead of importing the setup message's module: a host entry built
   * with its setup inside (one bundled file loads faster than the module graph).
   */
  setup?: IsolatedSetupFunction;
}

let serving = false;

/**
 * Serves the supervisor from this process or worker thread: the host entry calls it once.
 * `isolated-host.js` is the plain entry (its setup comes from the setup message); an
 * application may build its own entry that passes its setup (see `hostEntry` of
 * IsolatedSessionOptions).
 */
export function serveIsolatedHost(options: ServeIsolatedHostOptions = {}): void {
  if (serving) return;
  serving = true;
  builtInSetup = options.setup;
  if (isMainThread) {
    // A supervisor that died before its kernel-level parent-death signal was set leaves this
    // process with another parent: it goes at once instead of running unwatched.
    const supervisor = Number(process.env.LLMSPELL_SUPERVISOR_PID);
    if (supervisor > 0 && process.ppid !== supervisor) process.exit(0);
    // glibc read them at the process's start; scripts and tools see the user's environment
    if (process.env[HOST_MALLOC_TUNED_ENV] === '1') {
      delete process.env.GLIBC_TUNABLES;
      delete process.env[HOST_MALLOC_TUNED_ENV];
    }
    // No SIGINT listener: Ctrl-C in a terminal reaches the whole process group and ends this
    // host at once, wherever it is stuck; the supervisor reports CANCELLED.
    process.on('message', (message) => receive(message as ToHost));
    process.on('disconnect', () => process.exit(0));
  } else {
    workerThreads().parentPort!.on('message', receive);
  }
}
