import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForProcessExit } from '@llmspell/core/testing';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
export const bin = path.resolve(here, '../dist/bin.cjs');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const made: string[] = [];
let cleanupRegistered = false;

/** Removes a test file's scratch folders when the file is done (the suite's teardown checks). */
function removeScratchAfterAll(): void {
  if (cleanupRegistered || typeof afterAll !== 'function') return;
  cleanupRegistered = true;
  afterAll(() => {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });
}

/**
 * A scratch directory that doubles as HOME and XDG dirs, so no test touches the user's files;
 * removed after the test file.
 */
export function scratch(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-cli-'));
  made.push(dir);
  return dir;
}

removeScratchAfterAll();

let cacheHome: string | undefined;
function codeCacheHome(): string {
  cacheHome ??= scratch();
  return cacheHome;
}

export function write(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** Runs the built CLI as a user would. */
export function cli(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  const cwd = options.cwd ?? scratch();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: cwd,
        XDG_DATA_HOME: path.join(cwd, '.data'),
        XDG_CONFIG_HOME: path.join(cwd, '.config'),
        // the script host's code cache (Node 20): one per test file, outside the folder a test looks at
        XDG_CACHE_HOME: codeCacheHome(),
        NO_COLOR: '1',
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`llmspell ${args.join(' ')} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A child that exits without reading its input closes the pipe: not a test failure.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** Kills the processes a test started (workers, servers) that are still running, and empties the list. */
export async function killAll(children: ChildProcess[]): Promise<void> {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await waitForProcessExit(child.pid!);
    }
  }
}
