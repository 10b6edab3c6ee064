/**
 * A throwaway PostgreSQL server for tests (`@llmspell/core/testing`): a fresh cluster from the
 * machine's own binaries (Debian's `postgresql` package), on 127.0.0.1 and a random port, in a
 * temporary directory removed on `stop()`. Tests skip, saying why, when the binaries are absent.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

export interface PgCluster {
  /** `postgres://postgres[:password]@127.0.0.1:PORT/postgres` */
  url: string;
  host: string;
  port: number;
  user: string;
  /** Set when the cluster was started with password authentication. */
  password?: string;
  database: string;
  /** Stops the server at once and removes its files. */
  stop(): void;
}

export interface StartPostgresOptions {
  /** Directory of `initdb` and `pg_ctl`; default the newest under /usr/lib/postgresql. */
  bin?: string;
  /** Require this password (scram-sha-256) instead of trusting every local connection. */
  password?: string;
  /** Extra server settings (`-c name=value`), e.g. `{ max_connections: '20' }`. */
  settings?: Record<string, string>;
}

/** The newest installed PostgreSQL's bin directory, or undefined when there is none. */
export function findPgBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs.readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = path.join(root, v, 'bin');
    if (fs.existsSync(path.join(bin, 'initdb'))) return bin;
  }
  return undefined;
}

/** Why PostgreSQL tests are skipped here, or undefined when they can run. */
export function postgresSkipReason(): string | undefined {
  return findPgBin() ? undefined : 'PostgreSQL server binaries (initdb, pg_ctl) are not installed: `apt-get install postgresql` (.ci/run does)';
}

/** Starts a cluster; `startPostgres(bin)` is the older form of `startPostgres({ bin })`. */
export async function startPostgres(options: string | StartPostgresOptions = {}): Promise<PgCluster> {
  const opts = typeof options === 'string' ? { bin: options } : options;
  const bin = opts.bin ?? findPgBin();
  if (!bin) throw new Error(postgresSkipReason());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-pg-'));
  // PostgreSQL refuses to run as root; CI runs as root, so hand the cluster to `postgres`.
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const full = path.join(bin, cmd);
    const r = asRoot ? spawnSync('runuser', ['-u', 'postgres', '--', full, ...args], { encoding: 'utf8' }) : spawnSync(full, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  const data = path.join(dir, 'data');
  let port: number;
  try {
    if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
    const auth = ['-A', 'trust'];
    if (opts.password !== undefined) {
      const pwfile = path.join(dir, 'pwfile');
      fs.writeFileSync(pwfile, opts.password + '\n', { mode: 0o644 });
      auth.splice(0, 2, '--auth=scram-sha-256', `--pwfile=${pwfile}`);
    }
    run('initdb', ['-D', data, ...auth, '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
    fs.rmSync(path.join(dir, 'pwfile'), { force: true });
    port = await freePort();
    const settings = Object.entries(opts.settings ?? {}).map(([k, v]) => `-c ${k}=${v}`).join(' ');
    run('pg_ctl', ['-D', data, '-w', '-l', path.join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off ${settings}`, 'start']);
  } catch (error) {
    // a cluster that did not start leaves nothing behind
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const credentials = opts.password !== undefined ? `postgres:${encodeURIComponent(opts.password)}` : 'postgres';
  let stopped = false;
  return {
    url: `postgres://${credentials}@127.0.0.1:${port}/postgres`,
    host: '127.0.0.1',
    port,
    user: 'postgres',
    ...(opts.password !== undefined ? { password: opts.password } : {}),
    database: 'postgres',
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
