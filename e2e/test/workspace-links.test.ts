// pnpm-workspace.yaml sets injectWorkspacePackages (pnpm 10 deploys only from such a
// workspace). pnpm still links a workspace dependency to its source folder when it can dedupe
// it; when it cannot (a workspace package declaring a peer dependency on another one), the
// dependents get a copy made at install time, which no later build or turbo cache restore
// updates: every test would then run stale code. This fails first, with the reason.
import fs from 'node:fs';
import path from 'node:path';
import { readManifest, repoRoot } from '../src/index.js';

interface Importer {
  dir: string;
  name: string;
  workspaceDeps: string[];
}

function workspaceImporters(): { importers: Importer[]; byName: Map<string, string> } {
  const dirs: string[] = [];
  for (const folder of ['packages', 'apps', 'examples']) {
    const base = path.join(repoRoot, folder);
    for (const entry of fs.readdirSync(base)) if (fs.existsSync(path.join(base, entry, 'package.json'))) dirs.push(path.join(base, entry));
  }
  dirs.push(path.join(repoRoot, 'benchmarks'), path.join(repoRoot, 'e2e'));
  const byName = new Map(dirs.map((dir) => [readManifest(dir).name, dir]));
  const importers = dirs.map((dir) => {
    const m = readManifest(dir);
    const all = { ...m.dependencies, ...m.devDependencies, ...m.optionalDependencies };
    return { dir, name: m.name, workspaceDeps: Object.entries(all).filter(([, range]) => range.startsWith('workspace:')).map(([dep]) => dep) };
  });
  return { importers, byName };
}

test('every workspace dependency is a link to its source folder, not an installed copy', () => {
  const { importers, byName } = workspaceImporters();
  const copies: string[] = [];
  let links = 0;
  for (const importer of importers) {
    for (const dep of importer.workspaceDeps) {
      const entry = path.join(importer.dir, 'node_modules', dep);
      if (!fs.existsSync(entry)) continue; // not installed (optional on this platform)
      if (fs.realpathSync(entry) === fs.realpathSync(byName.get(dep)!)) links++;
      else copies.push(`${importer.name} → ${dep} is ${fs.realpathSync(entry)}`);
    }
  }
  if (copies.length) {
    throw new Error(`pnpm injected copies of workspace packages (a peer dependency between workspace packages stops it from linking them; the optional peer from @llmspell/state on @llmspell/state-rocksdb did; make it a dependency or devDependency):\n${copies.join('\n')}`);
  }
  expect(links).toBeGreaterThan(20);
});
