import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { publishedVersions, type LocalRegistry } from './local-registry.js';
import { cleanEnv } from './user-env.js';
import { exportTargets, publicWorkspacePackages, repoRoot, type WorkspacePackage } from './workspace-packages.js';

export interface PublishResult {
  packages: WorkspacePackage[];
  /** What `changeset publish` printed. */
  output: string;
  seconds: number;
}

/** A package whose manifest sends its publish anywhere but the registry the caller chose. */
function ownRegistry(pkg: WorkspacePackage): string | undefined {
  const config = pkg.manifest.publishConfig ?? {};
  return Object.keys(config).find((key) => key === 'registry' || key.endsWith(':registry'));
}

/**
 * Publishes every public workspace package to `registry` the way a release does: `changeset
 * publish`, which in a pnpm workspace runs `pnpm publish` in each package (turning
 * `workspace:` ranges into versions), with the registry given through npm's config variables.
 * No git tags are made. Throws unless every package is then on the registry.
 */
export function publishWorkspace(registry: LocalRegistry, root = repoRoot): Promise<PublishResult> {
  if (!/^http:\/\/127\.0\.0\.1:\d+\/$/.test(registry.url)) throw new Error(`refusing to publish to ${registry.url}: not a loopback registry`);
  const packages = publicWorkspacePackages(root);
  const redirected = packages.filter(ownRegistry);
  if (redirected.length) {
    throw new Error(`publishConfig sends ${redirected.map((p) => `${p.name} (${ownRegistry(p)})`).join(', ')} to a registry of its own: remove it, the release picks the registry`);
  }
  // The package's exports hide bin.js; it sits beside dist/.
  buildUnbuilt(packages, root);
  const changeset = path.join(path.dirname(createRequire(path.join(root, 'package.json')).resolve('@changesets/cli')), '..', 'bin.js');
  const env = { ...cleanEnv(), npm_config_registry: registry.url, npm_config_userconfig: registry.npmrc };
  const started = performance.now();
  const run = spawnSync(process.execPath, [changeset, 'publish', '--no-git-tag'], { cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  if (run.status !== 0) throw new Error(`changeset publish failed (exit ${run.status ?? run.signal}):\n${output.slice(-4000)}\nregistry log:\n${registry.log().slice(-2000)}`);
  return verify(registry, packages, output, started);
}

async function verify(registry: LocalRegistry, packages: WorkspacePackage[], output: string, started: number): Promise<PublishResult> {
  const missing: string[] = [];
  for (const pkg of packages) {
    if (!(await publishedVersions(registry.url, pkg.name)).includes(pkg.version)) missing.push(`${pkg.name}@${pkg.version}`);
  }
  if (missing.length) throw new Error(`changeset publish left out ${missing.join(', ')}:\n${output.slice(-4000)}`);
  return { packages, output, seconds: (performance.now() - started) / 1000 };
}

/**
 * Builds a package whose entry points are missing. Turbo builds what the CLI depends on before
 * the tests; a public package outside that graph (added later, say) is built here.
 */
function buildUnbuilt(packages: WorkspacePackage[], root: string): void {
  const unbuilt = packages.filter((p) => exportTargets(p.manifest).some((t) => !fs.existsSync(path.join(p.dir, t))));
  if (!unbuilt.length) return;
  const run = spawnSync('pnpm', ['--recursive', ...unbuilt.flatMap((p) => ['--filter', p.name]), 'run', 'build'], { cwd: root, env: cleanEnv(), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`building ${unbuilt.map((p) => p.name).join(', ')} failed:\n${run.stdout}${run.stderr}`);
}
