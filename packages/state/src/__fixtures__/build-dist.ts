import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // Tests and their fixtures sit in src/ too but are not part of the build.
    if (entry.name === '__fixtures__' || entry.name.endsWith('.test.ts')) continue;
    const p = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return latest;
}

/**
 * Child-process fixtures import the packages' built dist (plain Node, no jest transform);
 * this builds any of them whose dist is missing or older than its sources.
 */
export function ensureBuilt(packages: string[]): void {
  const tsc = join(root, 'node_modules', '.bin', 'tsc');
  for (const name of packages) {
    const dir = join(root, 'packages', name);
    const dist = join(dir, 'dist', 'index.js');
    if (existsSync(dist) && statSync(dist).mtimeMs >= newest(join(dir, 'src'))) continue;
    execFileSync(tsc, ['-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'pipe' });
  }
}

export const STATE_PACKAGES = ['core', 'state-memory', 'state-sqlite', 'state-rocksdb', 'state'];
