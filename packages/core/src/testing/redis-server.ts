/**
 * A throwaway Redis server for tests (`@llmspell/core/testing`): Debian's `redis-server` on
 * 127.0.0.1 and a random port, nothing saved to disk, stopped by `stop()`. Tests skip, saying
 * why, when the binary is absent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';
import { hasProgram } from './processes.js';

export interface RedisServer {
  /** `redis://[:password@]127.0.0.1:PORT` */
  url: string;
  host: string;
  port: number;
  password?: string;
  /** The server process (tests may kill it to simulate an outage). */
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  /** Require this password (`requirepass`). */
  password?: string;
  /** The program; default `redis-server` on the PATH. */
  program?: string;
}

/** Why Redis tests are skipped here, or undefined when they can run. */
export function redisSkipReason(): string | undefined {
  return hasProgram('redis-server') ? undefined : 'redis-server is not installed: `apt-get install redis-server` (.ci/run does)';
}

export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const program = options.program ?? 'redis-server';
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-redis-'));
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
    // BullMQ needs every key kept: an evicted lock or job would be lost work.
    '--maxmemory-policy', 'noeviction', '--daemonize', 'no', '--logfile', '',
  ];
  if (options.password !== undefined) args.push('--requirepass', options.password);
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log += chunk.toString('utf8');
      if (/Ready to accept connections/.test(log)) {
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (log += c.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready: ${log}`)));
  });
  child.stdout!.resume();
  child.stderr!.resume();
  const credentials = options.password !== undefined ? `:${encodeURIComponent(options.password)}@` : '';
  return {
    url: `redis://${credentials}127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    ...(options.password !== undefined ? { password: options.password } : {}),
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
