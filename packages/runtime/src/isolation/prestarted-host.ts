import { DEFAULT_SCRIPT_MEMORY_BYTES, hostHeapMb } from './heap-limit.js';
import { startHost, type HostEvents, type HostExit, type HostStartOptions, type HostTransport, type IsolationKind } from './host-transport.js';
import type { FromHost } from './protocol.js';

export interface PrestartHostOptions {
  /** `process` (default) or `worker`, as the session will ask. */
  isolation?: IsolationKind;
  /** The host entry the session will name (`hostEntry`). */
  hostEntry?: string | URL;
  /** The memory limit the session will be given (`limits.memoryBytes`), which sizes the heap. */
  memoryBytes?: number;
  /** The same env object and cwd the session will be given. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * A script host started before the session that will use it, so that its start (a second
 * Node, its code) overlaps the caller's own (loading the command, reading the script): a
 * CLI starts it from the top of its entry. It is started by the same `startHost` a session
 * uses, with the same settings, so it is confined exactly as the session's own host would be
 * (a child process under its parent-death signal, the same heap cap and flags); a session
 * takes it only when its own start would have been the same, and otherwise ends it.
 * Until taken it does not keep the caller alive, and it waits, doing nothing but loading,
 * for the setup message that only its session sends.
 */
export class PrestartedHost {
  readonly kind: IsolationKind;
  readonly heapMb: number;
  private readonly entry: string | undefined;
  private readonly env: NodeJS.ProcessEnv | undefined;
  private readonly cwd: string | undefined;
  private readonly transport: HostTransport;
  private done = false;
  private events?: HostEvents;
  private stderr?: (text: string) => void;
  private early: { messages: FromHost[]; exit?: HostExit; text: string } = { messages: [], text: '' };

  constructor(options: PrestartHostOptions = {}) {
    this.kind = options.isolation ?? 'process';
    this.heapMb = hostHeapMb(options.memoryBytes ?? DEFAULT_SCRIPT_MEMORY_BYTES);
    this.entry = options.hostEntry === undefined ? undefined : String(options.hostEntry);
    this.env = options.env;
    this.cwd = options.cwd;
    this.transport = startHost(this.kind, {
      heapMb: this.heapMb, entry: options.hostEntry, env: options.env, cwd: options.cwd,
      stderr: (text) => (this.stderr ? this.stderr(text) : void (this.early.text += text)),
    }, {
      message: (message) => (this.events ? this.events.message(message) : void this.early.messages.push(message)),
      exit: (exit) => (this.events ? this.events.exit(exit) : void (this.early.exit = exit)),
    });
    this.transport.unref();
  }

  /**
   * The host, for a session that would start one of `kind` with `options`: undefined when it
   * was taken or ended already, or when any setting differs (then it is left to `discard`).
   * What it wrote or sent before being taken is handed over first.
   */
  take(kind: IsolationKind, options: HostStartOptions, events: HostEvents): HostTransport | undefined {
    if (this.done) return undefined;
    const entry = options.entry === undefined ? undefined : String(options.entry);
    if (kind !== this.kind || options.heapMb !== this.heapMb || entry !== this.entry || options.env !== this.env || options.cwd !== this.cwd) return undefined;
    this.done = true;
    // one that already ended (a broken install, killed from outside) is no host to hand over:
    // the session starts its own, which fails, if it does, with the session's own error
    if (this.early.exit) return undefined;
    this.events = events;
    this.stderr = options.stderr;
    this.transport.ref();
    const early = this.early;
    this.early = { messages: [], text: '' };
    if (early.text) options.stderr(early.text);
    // after the session has finished starting it (this call is part of that)
    if (early.messages.length > 0) queueMicrotask(() => early.messages.forEach((message) => events.message(message)));
    return this.transport;
  }

  /** Ends the host unless a session took it (then the session ends it). */
  discard(): void {
    if (this.done) return;
    this.done = true;
    void this.transport.kill(1000);
  }
}

/** Starts a script host ahead of its session: see `PrestartedHost`. */
export function prestartHost(options: PrestartHostOptions = {}): PrestartedHost {
  return new PrestartedHost(options);
}
