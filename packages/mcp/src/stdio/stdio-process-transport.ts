import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { LlmspellError, type Logger } from '@llmspell/core';
import { killGroup, trackGroup, untrackGroup } from './process-groups.js';

export interface StdioServerSpec {
  /** The configured server name, for messages. */
  name: string;
  command: string;
  args: string[];
  /** The child's whole environment (see serverEnvironment). */
  env: Record<string, string>;
  cwd?: string;
  /** Largest single message (one line of stdout). */
  maxMessageBytes: number;
  logger?: Logger;
}

/**
 * The server runs under a small POSIX shell in a process group of its own (spawn's
 * `detached` makes the shell a session and group leader; everything the server starts stays
 * in the group unless it leaves on purpose). The shell:
 * - starts the server with the real stdin (an asynchronous list's stdin would be /dev/null),
 * - watches fd 3, a socket whose other end only this process holds: when this process
 *   exits, crashes or the worker thread that started it is terminated, the socket closes and
 *   the watcher kills the whole group, so no server outlives llmspell even when no exit hook
 *   ran;
 * - when the server exits, reports its status on fd 3 and kills what it left behind.
 */
const GUARD_SCRIPT = [
  'unset PWD OLDPWD',
  'exec 4<&0',
  '"$@" <&4 4<&- 3<&- &',
  'server=$!',
  'exec 4<&- 0</dev/null',
  '( read -r _ <&3; kill -KILL 0 ) </dev/null >/dev/null 2>&1 &',
  'wait "$server"',
  'status=$?',
  "printf 'exit %s\\n' \"$status\" >&3",
  'kill -KILL 0',
].join('\n');

const STDERR_TAIL_CHARS = 2000;

/** Lines that are not JSON-RPC tolerated on stdout (a stray banner) before the server is cut off. */
const GARBAGE_LINES = 20;
const GARBAGE_BYTES = 64 * 1024;

/**
 * A JSON-RPC result response with nothing the SDK's schema would need to check further:
 * exactly `jsonrpc`, `id` and an object `result` without `_meta`. For such a value
 * `JSONRPCMessageSchema` accepts it unchanged (its result response is a strict object of
 * those three keys, the result a loose object), so it skips the zod union, which costs more
 * than the JSON parse on every answer; anything else takes the schema.
 */
export function isPlainResult(value: unknown): value is JSONRPCMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  let keys = 0;
  for (const key in message) {
    if (key !== 'jsonrpc' && key !== 'id' && key !== 'result') return false;
    keys++;
  }
  if (keys !== 3 || message.jsonrpc !== '2.0') return false;
  const id = message.id;
  if (typeof id !== 'string' && !Number.isSafeInteger(id)) return false;
  const result = message.result;
  return typeof result === 'object' && result !== null && !Array.isArray(result) && (result as Record<string, unknown>)._meta === undefined;
}

/**
 * An MCP stdio client transport (the SDK's `Transport`) that owns its server process:
 * a controlled environment, an own process group killed on close, a cap on message size,
 * a budget for stray output, and the tail of stderr for error messages.
 */
export class StdioProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  /** The fault that ended the connection (set before `onclose`), when it was one. */
  fault?: LlmspellError;
  /** `exit 1`, `signal SIGTERM`…, once the server has ended. */
  exitStatus?: string;
  private child?: ChildProcess;
  private pgid?: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private stderrText = '';
  private garbageLines = 0;
  private garbageBytes = 0;
  private lastGarbage = '';
  private closing = false;
  private closed = false;
  private readonly exited: Promise<void>;
  private markExited!: () => void;

  constructor(private readonly spec: StdioServerSpec) {
    this.exited = new Promise((resolve) => (this.markExited = resolve));
  }

  get pid(): number | undefined {
    return this.pgid;
  }

  /** The last lines the server wrote to stderr. */
  get stderrTail(): string {
    return this.stderrText.trim();
  }

  /** The last stray line seen on stdout, if any. */
  get strayOutput(): string {
    return this.lastGarbage;
  }

  start(): Promise<void> {
    if (this.child) throw new Error('StdioProcessTransport already started');
    const { command, args, env, cwd } = this.spec;
    const posix = process.platform !== 'win32';
    const child = posix
      ? spawn('/bin/sh', ['-c', GUARD_SCRIPT, 'llmspell-mcp', command, ...args], { detached: true, env, cwd, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] })
      : spawn(command, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    this.child = child;
    return new Promise<void>((resolve, reject) => {
      child.once('error', (error) => {
        this.fail(new LlmspellError('MCP_CONNECT_FAILED', `server '${this.spec.name}': cannot start '${command}': ${error.message}`, { cause: error }));
        reject(this.fault);
      });
      child.once('spawn', () => {
        this.pgid = child.pid;
        if (posix && child.pid) trackGroup(child.pid);
        resolve();
      });
      child.on('close', (code, signal) => this.onChildClosed(code, signal));
      child.stdout!.on('data', (chunk: Buffer) => this.onStdout(chunk));
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (text: string) => this.onStderr(text));
      const statusPipe = child.stdio[3] as Readable | undefined;
      statusPipe?.setEncoding('utf8');
      statusPipe?.on('data', (text: string) => {
        const m = /exit (\d+)/.exec(text);
        if (m) this.exitStatus = `exit ${m[1]}${m[1] === '127' ? ' (command not found)' : ''}`;
      });
      statusPipe?.on('error', () => {});
      child.stdin!.on('error', (error) => this.onerror?.(error));
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!this.write(message)) {
      const stdin = this.child!.stdin!;
      await new Promise<void>((resolve) => stdin.once('drain', resolve));
    }
  }

  /** Writes one message now; false when the pipe asks the writer to wait for 'drain' (the line is queued all the same). */
  write(message: JSONRPCMessage): boolean {
    const stdin = this.child?.stdin as Writable | undefined;
    if (!stdin || this.closed || stdin.destroyed) throw new Error('Not connected');
    return stdin.write(JSON.stringify(message) + '\n');
  }

  /**
   * Stops the server as the MCP spec asks: close its stdin, then SIGTERM, then SIGKILL,
   * to the whole group each time.
   */
  async close(): Promise<void> {
    if (this.closing) return this.exited;
    this.closing = true;
    const child = this.child;
    if (!child || this.closed) return;
    child.stdin?.end();
    const pgid = this.pgid;
    const grace = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
    await Promise.race([this.exited, grace(300)]);
    if (!this.closed) {
      if (pgid && process.platform !== 'win32') killGroup(pgid, 'SIGTERM');
      else child.kill('SIGTERM');
      await Promise.race([this.exited, grace(1000)]);
    }
    if (!this.closed) {
      if (pgid && process.platform !== 'win32') killGroup(pgid, 'SIGKILL');
      else child.kill('SIGKILL');
      await Promise.race([this.exited, grace(1000)]);
    }
  }

  /** Ends the connection because of `error` (the first fault wins). */
  private fail(error: LlmspellError): void {
    this.fault ??= error;
    if (this.pgid && process.platform !== 'win32') killGroup(this.pgid, 'SIGKILL');
    else this.child?.kill('SIGKILL');
  }

  private onChildClosed(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.closed) return;
    this.closed = true;
    this.exitStatus ??= signal ? `signal ${signal}` : `exit ${code}`;
    if (this.pgid) {
      // The guard kills the rest of the group as it ends; this catches a group left behind
      // when the guard itself was killed from outside.
      if (process.platform !== 'win32') killGroup(this.pgid, 'SIGKILL');
      untrackGroup(this.pgid);
    }
    this.chunks = [];
    this.markExited();
    this.onclose?.();
  }

  private onStderr(text: string): void {
    this.stderrText = (this.stderrText + text).slice(-STDERR_TAIL_CHARS);
    this.spec.logger?.debug(`mcp server '${this.spec.name}' stderr: ${text.trimEnd()}`);
  }

  private onStdout(chunk: Buffer): void {
    if (this.fault || this.closed) return;
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      let line: Buffer;
      if (this.chunks.length) {
        this.chunks.push(piece);
        line = Buffer.concat(this.chunks, this.buffered + piece.length);
        this.chunks = [];
        this.buffered = 0;
      } else {
        line = piece;
      }
      if (line.length > this.spec.maxMessageBytes) return this.tooLarge(line.length);
      this.onLine(line);
      if (this.fault) return;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.chunks.push(rest);
      this.buffered += rest.length;
      if (this.buffered > this.spec.maxMessageBytes) this.tooLarge(this.buffered);
    }
  }

  private tooLarge(bytes: number): void {
    this.fail(new LlmspellError(
      'MCP_PROTOCOL_ERROR',
      `server '${this.spec.name}' sent a message of more than ${this.spec.maxMessageBytes} bytes (${bytes}+ bytes; [mcp] max_response_bytes); the connection was closed`,
      { details: { server: this.spec.name, limit: this.spec.maxMessageBytes, bytes } },
    ));
  }

  private onLine(raw: Buffer): void {
    let text = raw.toString('utf8');
    if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    // a JSON-RPC line starts with `{`; only another one can be blank
    if (text.charCodeAt(0) !== 123 && text.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return this.stray(text);
    }
    if (isPlainResult(parsed)) {
      queueMicrotask(() => this.onmessage?.(parsed));
      return;
    }
    const message = JSONRPCMessageSchema.safeParse(parsed);
    if (!message.success) {
      // A reply that names a request but does not parse would leave that request hanging.
      if (typeof parsed === 'object' && parsed !== null && 'id' in parsed) {
        return this.fail(new LlmspellError('MCP_PROTOCOL_ERROR', `server '${this.spec.name}' sent a malformed JSON-RPC message: ${text.slice(0, 200)}`, {
          details: { server: this.spec.name },
        }));
      }
      return this.stray(text);
    }
    const data = message.data;
    // The SDK runs notification handlers a microtask later but settles a response at once,
    // dropping progress that came in the same read as the result: responses wait their turn.
    if ('id' in data && !('method' in data)) queueMicrotask(() => this.onmessage?.(data));
    else this.onmessage?.(data);
  }

  private stray(text: string): void {
    this.garbageLines += 1;
    this.garbageBytes += text.length;
    this.lastGarbage = text.slice(0, 200);
    this.spec.logger?.debug(`mcp server '${this.spec.name}' wrote a line that is not JSON-RPC to stdout: ${this.lastGarbage}`);
    if (this.garbageLines > GARBAGE_LINES || this.garbageBytes > GARBAGE_BYTES) {
      this.fail(new LlmspellError(
        'MCP_PROTOCOL_ERROR',
        `server '${this.spec.name}' writes output that is not JSON-RPC to stdout (${this.garbageLines} lines, last: ${JSON.stringify(this.lastGarbage)}); the connection was closed`,
        { details: { server: this.spec.name } },
      ));
    }
  }
}
