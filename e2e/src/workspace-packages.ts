import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file sits in e2e/src or e2e/dist). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  bin?: string | Record<string, string>;
  files?: string[];
  exports?: unknown;
  main?: string;
  types?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  publishConfig?: Record<string, unknown>;
  scripts?: Record<string, string>;
}

export interface WorkspacePackage {
  name: string;
  version: string;
  /** Absolute directory of the package. */
  dir: string;
  manifest: PackageManifest;
}

/** Folders whose packages are published (examples, benchmarks and e2e are private). */
const PUBLISHED_FOLDERS = ['packages', 'apps'];

export function readManifest(dir: string): PackageManifest {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageManifest;
}

/**
 * Every package a release publishes: each non-private package under packages/ and apps/,
 * found on disk so that a package added later is covered without editing a list.
 */
export function publicWorkspacePackages(root = repoRoot): WorkspacePackage[] {
  const found: WorkspacePackage[] = [];
  for (const folder of PUBLISHED_FOLDERS) {
    const base = path.join(root, folder);
    if (!fs.existsSync(base)) continue;
    for (const entry of fs.readdirSync(base, { withFileTypes: true })) {
      const dir = path.join(base, entry.name);
      if (!entry.isDirectory() || !fs.existsSync(path.join(dir, 'package.json'))) continue;
      const manifest = readManifest(dir);
      if (manifest.private) continue;
      found.push({ name: manifest.name, version: manifest.version, dir, manifest });
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** The bin files a manifest declares, relative to the package. */
export function binTargets(manifest: PackageManifest): Record<string, string> {
  if (!manifest.bin) return {};
  if (typeof manifest.bin === 'string') return { [manifest.name.replace(/^@[^/]+\//, '')]: manifest.bin };
  return manifest.bin;
}

/** Every file path an `exports` map (or main/types) points to, relative to the package. */
export function exportTargets(manifest: PackageManifest): string[] {
  const targets = new Set<string>();
  const visit = (value: unknown) => {
    if (typeof value === 'string') targets.add(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(manifest.exports);
  if (manifest.main) targets.add(manifest.main);
  if (manifest.types) targets.add(manifest.types);
  return [...targets].filter((t) => !t.includes('*'));
}
