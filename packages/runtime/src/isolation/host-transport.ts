import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import nodeModule from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOST_MALLOC_TUNED_ENV, type FromHost, type ToHost } from './protocol.js';
import { workerThreads } from './worker-threads.js';

/**
 * Where a script host runs. `process`: a child Node process; nothing the script causes can take
 * the caller down (a V8 fatal out-of-memory, a native crash, native code that never returns:
 * the child is killed). `worker`: a worker thread with `resourceLimits`; cheaper to start, but a
 * single host-side allocation far past the cap still aborts the whole process (V8 gives a
 * worker only 16 MiB of slack), and a thread stuck in native code cannot be stopped.
 */
export type IsolationKind = 'process' | 'worker';

export interface HostExit {
  code: number | null;
  signal: string | null;
  /** The host ran out of heap (a worker's ERR_WORKER_OUT_OF_MEMORY, a child's V8 fatal OOM). */
  outOfMemory: boolean;
  /** What the host's runtime printed when it crashed (V8's fatal error text), trimmed. */
  crashText: string;
}

export interface HostStartOptions {
  heapMb: number;
  /** The host's entry module (a file path or file URL); default the plain `isolated-host.js`. */
  entry?: string | URL;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Where text the host writes to its own stdout or stderr goes (not script output, which
   * comes as messages): a tool's stray console.log must not mix into the caller's stdout,
   * which may be a protocol (`mcp serve`) or the script's result.
   */
  stderr: (text: string) => void;
}

export interface HostTransport {
  readonly kind: IsolationKind;
  send(message: ToHost): void;
  /** Stops the host. Resolves false when it could not be stopped within `waitMs` (a worker thread stuck in native code). */
  kill(waitMs: number): Promise<boolean>;
  /** Lets the caller's event loop end while the host is still there. */
  unref(): void;
  /** Undoes `unref`: the caller's event loop waits for the host again. */
  ref(): void;
}

export interface HostEvents {
  message(message: FromHost): void;
  exit(exit: HostExit): void;
}

const CRASH_START = /^(<--- Last few GCs --->|FATAL ERROR:|Fatal JavaScript|#\s*Fatal error)/m;
const OUT_OF_MEMORY = /heap out of memory|Reached heap limit|invalid size error|invalid (array|table) length|Allocation failed|out of memory/i;
const CRASH_TEXT_LIMIT = 16 * 1024;

/** The host entry module: the built file beside this one (from the package's own sources, the dist build). */
function hostEntry(): URL {
  const beside = new URL('./isolated-host.js', import.meta.url);
  if (existsSync(beside)) return beside;
  return new URL('../../dist/isolation/isolated-host.js', import.meta.url);
}

export function startHost(kind: IsolationKind, options: HostStartOptions, events: HostEvents): HostTransport {
  return kind === 'worker' ? startWorker(options, events) : startProcess(options, events);
}

function entryPath(entry: string | URL | undefined): string {
  if (entry === undefined) return fileURLToPath(hostEntry());
  return entry instanceof URL || entry.startsWith('file:') ? fileURLToPath(entry) : entry;
}

let setprivPath: string | null | undefined;

/**
 * util-linux's `setpriv`, which can start a program with a parent-death signal
 * (prctl PR_SET_PDEATHSIG): the kernel kills the host the moment its supervisor dies, however
 * stuck the host is. Where it is missing (not Linux, a minimal image) the host watches its
 * parent from a thread instead, which costs a Node worker's start.
 */
function findSetpriv(): string | null {
  if (setprivPath !== undefined) return setprivPath;
  setprivPath = null;
  if (process.platform !== 'linux' || process.env.LLMSPELL_NO_SETPRIV === '1') return setprivPath;
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    if (existsSync(`${dir}/setpriv`)) return (setprivPath = `${dir}/setpriv`);
  }
  return setprivPath;
}

/**
 * Where a Node that has a compile cache (22+, `module.enableCompileCache`) keeps V8's compiled
 * code of the host's modules between starts: the user's own cache folder, never a shared /tmp
 * one another user could plant code in. Undefined on Node 20 (no such cache).
 */
export function hostCompileCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  if (typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache !== 'function') return undefined;
  if (env.NODE_COMPILE_CACHE !== undefined || env.NODE_DISABLE_COMPILE_CACHE !== undefined) return undefined;
  const base = env.XDG_CACHE_HOME || (env.HOME ? path.join(env.HOME, '.cache') : undefined) || os.homedir();
  return base ? path.join(base, 'llmspell', 'compile-cache') : undefined;
}

/**
 * `LLMSPELL_HOST_CPU_PROF=<dir>`: the host writes a V8 CPU profile there (Node refuses
 * `--cpu-prof` in NODE_OPTIONS, and the host is where a run spends its time).
 */
export function profileFlags(env: NodeJS.ProcessEnv): string[] {
  const dir = env.LLMSPELL_HOST_CPU_PROF?.trim();
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`, '--cpu-prof-interval=250'] : [];
}

/**
 * A host is mostly WebAssembly (the Lua and QuickJS engines). By default V8 hands a WASM
 * function to its optimizing compiler after a little use (a budget of about 1.8 MB of code
 * run), so a short script pays for optimizing the whole interpreter loop: two fifths of a
 * `run hello.lua`'s CPU. Ten times that budget leaves short runs on the baseline compiler's
 * code while a long one still gets optimized code for what is really hot (measured: a 20M
 * iteration Lua loop runs no slower; benchmarks/RESULTS.md, CLI section).
 */
export const WASM_TIERING_FLAGS: readonly string[] = ['--wasm-tiering-budget=18000000'];

/** The native stack a host asks V8 for (KiB), where the process's stack limit leaves room for it. */
export const HOST_STACK_KB = 6144;

/**
 * The host's native stack size, as `--stack-size` (KiB) or nothing. QuickJS checks its own stack
 * (at most 320 KiB of WASM's shadow stack), but its C frames run on the host's native stack at
 * several times that size, up to about twelve for JSON.parse and JSON.stringify of deeply
 * nested values: with V8's default (~984 KiB) the native stack ran out first, an overflow no
 * script can catch that ends the engine. With 6 MiB QuickJS's own check, a catchable "stack
 * overflow", always comes first. V8 trusts the flag, so it is given only where the main
 * thread's stack limit (RLIMIT_STACK, read from /proc on Linux; 8 MiB on macOS) holds it
 * with 1 MiB to spare; elsewhere the host keeps V8's default.
 */
export function hostStackFlags(platform: NodeJS.Platform = process.platform, limits?: string): string[] {
  let limitKb: number | undefined;
  if (platform === 'linux') {
    try {
      const line = /^Max stack size\s+(\S+)/m.exec(limits ?? readFileSync('/proc/self/limits', 'utf8'))?.[1];
      limitKb = line === 'unlimited' ? Infinity : line !== undefined && /^\d+$/.test(line) ? Number(line) / 1024 : undefined;
    } catch {
      limitKb = undefined;
    }
  } else if (platform === 'darwin') limitKb = 8192;
  if (limitKb === undefined) return [];
  const kb = Math.min(HOST_STACK_KB, Math.floor(limitKb - 1024));
  return kb >= 2048 ? [`--stack-size=${kb}`] : [];
}

/**
 * glibc's malloc settings for a host, unless the user set GLIBC_TUNABLES (an empty value turns
 * this off). A host reads 7 MB of code and cache into malloc'd buffers at each start, and V8's
 * compilers and the WebAssembly engines allocate through malloc too: with transparent huge pages
 * for that memory (hugetlb=1: madvise, honoured when THP is `madvise` or `always`) and the heap
 * grown 32 MB at a time (top_pad, so whole huge pages fit), far fewer pages are faulted in. On a
 * VM where a page fault costs ~14 µs this took a one-step workflow's `run` from 14.9k to 9.0k
 * faults (CLI and host) and 0.83× the wall time (benchmarks/RESULTS.md, round 11); elsewhere it
 * costs a few MB of resident memory. Other C libraries (musl) ignore the variable.
 */
export const HOST_MALLOC_TUNABLES = 'glibc.malloc.hugetlb=1:glibc.malloc.top_pad=33554432';

function startProcess(options: HostStartOptions, events: HostEvents): HostTransport {
  const setpriv = findSetpriv();
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), LLMSPELL_SUPERVISOR_PID: String(process.pid) };
  const compileCache = hostCompileCacheDir(env);
  if (compileCache) env.NODE_COMPILE_CACHE = compileCache;
  const profiling = profileFlags(env);
  const nodeFlags = [`--max-old-space-size=${options.heapMb}`, ...WASM_TIERING_FLAGS, ...hostStackFlags(), ...profiling];
  if (env.GLIBC_TUNABLES === undefined) {
    env.GLIBC_TUNABLES = HOST_MALLOC_TUNABLES;
    env[HOST_MALLOC_TUNED_ENV] = '1';
  } else delete env[HOST_MALLOC_TUNED_ENV];
  if (setpriv) env.LLMSPELL_PARENT_DEATH_SIGNAL = '1';
  else delete env.LLMSPELL_PARENT_DEATH_SIGNAL;
  // fork runs execPath with execArgv before the module: `setpriv --pdeathsig KILL <node> <flags> <entry>`
  const child: ChildProcess = fork(entryPath(options.entry), [], {
    execPath: setpriv ?? process.execPath,
    execArgv: setpriv ? ['--pdeathsig', 'KILL', process.execPath, ...nodeFlags] : nodeFlags,
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env,
    cwd: options.cwd,
  });
  let crash = '';
  let pending = '';
  let crashing = false;
  // V8's fatal error report (GC trace, stack dumps) is kept, not shown: the supervisor turns it
  // into a coded error. Anything else the host writes to stderr passes through.
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (crashing) {
      crash = (crash + chunk).slice(0, CRASH_TEXT_LIMIT);
      return;
    }
    pending += chunk;
    const match = CRASH_START.exec(pending);
    if (match) {
      crashing = true;
      const before = pending.slice(0, match.index);
      if (before.trim() !== '') options.stderr(before);
      crash = pending.slice(match.index, match.index + CRASH_TEXT_LIMIT);
      pending = '';
      return;
    }
    const cut = pending.lastIndexOf('\n') + 1;
    if (cut > 0) {
      options.stderr(pending.slice(0, cut));
      pending = pending.slice(cut);
    }
  });
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => options.stderr(chunk));
  let exited = false;
  const exitWaiters: Array<() => void> = [];
  child.on('message', (message) => events.message(message as FromHost));
  child.on('error', () => {
    // a failed spawn or send: the exit event reports the end
  });
  child.on('exit', (code, signal) => {
    const finish = () => {
      if (exited) return;
      exited = true;
      if (pending && !crashing) options.stderr(pending);
      events.exit({ code, signal, outOfMemory: OUT_OF_MEMORY.test(crash), crashText: crash.trim() });
      for (const wake of exitWaiters.splice(0)) wake();
    };
    // the last of stderr may still be in the pipe; a grandchild holding it must not delay the end
    if (!child.stderr || child.stderr.readableEnded) finish();
    else {
      child.stderr.once('end', finish);
      setTimeout(finish, 200).unref();
    }
  });
  return {
    kind: 'process',
    send(message) {
      if (child.connected) child.send(message, (error) => void error);
    },
    kill(waitMs) {
      if (exited) return Promise.resolve(true);
      // a profiled host writes its profile as it exits: it gets a moment to do so
      if (profiling.length > 0) setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      else child.kill('SIGKILL');
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(exited), waitMs);
        timer.unref();
        exitWaiters.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
    unref() {
      child.unref();
      child.channel?.unref();
      for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
    },
    ref() {
      child.ref();
      child.channel?.ref();
      for (const stream of [child.stdout, child.stderr]) (stream as unknown as { ref?: () => void } | null)?.ref?.();
    },
  };
}

function startWorker(options: HostStartOptions, events: HostEvents): HostTransport {
  const { Worker } = workerThreads();
  const entry = options.entry === undefined ? hostEntry() : options.entry instanceof URL ? options.entry : entryPath(options.entry);
  const worker = new Worker(entry, {
    // A worker's stack is its own thread's, allocated at this size: always room (see hostStackFlags).
    resourceLimits: { maxOldGenerationSizeMb: options.heapMb, stackSizeMb: HOST_STACK_KB / 1024 },
    env: options.env ?? process.env,
    stdout: true,
    stderr: true,
  });
  for (const stream of [worker.stdout, worker.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => options.stderr(chunk));
  }
  let failure: (Error & { code?: string }) | undefined;
  let exited = false;
  let terminating: Promise<number> | undefined;
  worker.on('message', (message) => events.message(message as FromHost));
  worker.on('error', (error) => {
    failure = error;
  });
  worker.on('exit', (code) => {
    exited = true;
    const outOfMemory = failure?.code === 'ERR_WORKER_OUT_OF_MEMORY';
    events.exit({ code, signal: null, outOfMemory, crashText: failure && !outOfMemory ? String(failure.stack ?? failure.message) : '' });
  });
  return {
    kind: 'worker',
    send(message) {
      if (!exited) worker.postMessage(message);
    },
    kill(waitMs) {
      if (exited) return Promise.resolve(true);
      terminating ??= worker.terminate();
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(exited), waitMs);
        timer.unref();
        void terminating!.then(() => {
          clearTimeout(timer);
          resolve(true);
        }, () => resolve(exited));
      });
    },
    unref() {
      worker.unref();
    },
    ref() {
      worker.ref();
    },
  };
}
