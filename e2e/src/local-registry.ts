import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, machineNpmConfig } from './user-env.js';

/** The local registry could not be installed or started: callers report it, never hide it. */
export class RegistryUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryUnavailableError';
  }
}

export interface LocalRegistry {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  /** Scratch directory holding the config, the storage and the npmrc. */
  dir: string;
  /** An npm userconfig with a publish token for this registry only. */
  npmrc: string;
  /** Where packages not published here come from (npm's configured registry). */
  uplink: string;
  /** The registry's own log so far. */
  log(): string;
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  /** Registry for third-party packages; default npm's configured one. */
  uplink?: string;
  /** Give up waiting for the server after this long. */
  startTimeoutMs?: number;
}

/** Scopes served only from what is published here, never from the uplink. */
export const LOCAL_ONLY_SCOPES = ['@llmspell', '@llmspell-e2e'];

const REGISTRY_PROCESS = fileURLToPath(new URL('../dist/registry-process.js', import.meta.url));

function configYaml(dir: string, uplink: string): string {
  const q = (s: string) => JSON.stringify(s);
  const local = LOCAL_ONLY_SCOPES.map((scope) => `  '${scope}/*':\n    access: $all\n    publish: $authenticated\n`).join('');
  return `storage: ${q(path.join(dir, 'storage'))}
auth:
  htpasswd:
    file: ${q(path.join(dir, 'htpasswd'))}
# A signed token, not the legacy one that makes every request re-hash the password.
security:
  api:
    jwt:
      sign:
        expiresIn: 1d
uplinks:
  upstream:
    url: ${q(uplink.endsWith('/') ? uplink : uplink + '/')}
    timeout: 120s
    max_fails: 5
packages:
${local}  '**':
    access: $all
    publish: $authenticated
    proxy: upstream
server:
  keepAliveTimeout: 600
web:
  enable: false
middlewares:
  audit:
    enabled: false
max_body_size: 100mb
log:
  type: file
  path: ${q(path.join(dir, 'verdaccio.log'))}
  level: warn
`;
}

function waitForPort(child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => fail(`did not start within ${timeoutMs / 1000} s`), timeoutMs);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new RegistryUnavailableError(`the local registry (verdaccio) ${why}${stderr() ? `:\n${stderr().slice(-2000)}` : ''}`));
    };
    const onExit = (code: number | null, signal: string | null) => fail(`exited before listening (${signal ?? `code ${code}`})`);
    child.once('error', (error) => fail(`could not be spawned: ${error.message}`));
    child.once('exit', onExit);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n').find((l) => l.startsWith('{"port":'));
      if (!line) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
}

async function createPublisher(url: string): Promise<string> {
  const name = 'llmspell-e2e';
  const response = await fetch(`${url}-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: randomBytes(16).toString('hex'), type: 'user', roles: [], date: new Date().toISOString() }),
  });
  const body = (await response.json()) as { token?: string; error?: string };
  if (!response.ok || !body.token) throw new RegistryUnavailableError(`the local registry refused to create a publisher: HTTP ${response.status} ${body.error ?? ''}`);
  return body.token;
}

/**
 * Every install needs third-party packages through the uplink: a registry that cannot reach it
 * answers 404 for all of them, which would read as a packaging bug. Say what it is instead.
 */
async function probeUplink(url: string, uplink: string, log: () => string): Promise<void> {
  const probe = 'zod'; // @llmspell/core's one dependency
  const response = await registryGet(`${url}${probe}`);
  if (response.ok) return;
  throw new Error(`the local registry cannot fetch '${probe}' from its uplink ${uplink} (HTTP ${response.status}). Is the network, a proxy or TLS set up for this process (HTTPS_PROXY, NODE_EXTRA_CA_CERTS…; turbo passes only the variables turbo.json lists)?\nregistry log:\n${log().slice(-3000)}`);
}

/**
 * Starts a throwaway npm registry (verdaccio) on a random loopback port, storage in a temp
 * dir. `@llmspell/*` comes only from what is published to it; everything else is proxied from
 * the uplink, so installs get real third-party packages.
 */
export async function startLocalRegistry(options: StartRegistryOptions = {}): Promise<LocalRegistry> {
  if (!fs.existsSync(REGISTRY_PROCESS)) {
    throw new RegistryUnavailableError(`${REGISTRY_PROCESS} is missing: build the e2e package first (pnpm --filter llmspell-e2e build)`);
  }
  const uplink = options.uplink ?? machineNpmConfig().registry;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-registry-'));
  const configFile = path.join(dir, 'config.yaml');
  fs.writeFileSync(configFile, configYaml(dir, uplink));
  const child = spawn(process.execPath, [REGISTRY_PROCESS, configFile], { cwd: dir, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const logFile = path.join(dir, 'verdaccio.log');
  const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '') + stderr;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin!.end();
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await waitForPort(child, options.startTimeoutMs ?? 60_000, () => stderr);
    const url = `http://127.0.0.1:${port}/`;
    const token = await createPublisher(url);
    const npmrc = path.join(dir, 'publisher.npmrc');
    fs.writeFileSync(npmrc, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`, { mode: 0o600 });
    await probeUplink(url, uplink, log);
    return { url, dir, npmrc, uplink, log, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A GET to the registry, tried again once when the connection drops: a pooled keep-alive
 * socket the server has just closed fails the request with "other side closed".
 */
export async function registryGet(url: string): Promise<Response> {
  try {
    return await fetch(url, { headers: { accept: 'application/json' } });
  } catch {
    return fetch(url, { headers: { accept: 'application/json' } });
  }
}

/** The published versions of `name` on `registry`, or [] when it has none. */
export async function publishedVersions(registryUrl: string, name: string): Promise<string[]> {
  const response = await registryGet(`${registryUrl}${name.replace('/', '%2f')}`);
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`GET ${name} from ${registryUrl}: HTTP ${response.status}`);
  const body = (await response.json()) as { versions?: Record<string, unknown> };
  return Object.keys(body.versions ?? {});
}
