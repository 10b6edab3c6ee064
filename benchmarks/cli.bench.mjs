// Issue: CLI install size and cold start.
// Installed size of @llmspell/cli measured two ways, and the cold start of `llmspell --version`,
// `llmspell run examples/hello.lua` and `examples/hello.js` next to `node -e 0`, all in one run.
//
// Size 1, the deploy: `pnpm --filter @llmspell/cli deploy --prod <dir>`, which packs every
// workspace package as it is published (its `files` only) and installs the production
// dependencies, no devDependencies (tools-media and state-rocksdb are dev-only for the CLI).
// Size 2, what a user gets: every public package published to a throwaway local registry
// (e2e/src/local-registry.ts, the same code as the e2e test) and `npm i -g --prefix <tmp>
// @llmspell/cli` from it, third-party packages through the registry's uplink.
// Both count the bytes of files (no directory entries, no symlinks), each inode once, and an
// inode counts when any one of its paths is kept. Not kept: what node-gyp leaves when it
// builds a native addon from source (here better-sqlite3 is compiled; npm elsewhere fetches a
// prebuilt binary alone): everything under a native package's build/ except its
// build/Release/*.node, and test_extension.node. better-sqlite3's deps/ sources are kept: they
// are in its npm package (node-gyp's obj/gen copies are hard links of them).
// LLMSPELL_BENCH_KEEP_INSTALLS=1 keeps both installs and prints where, for a count by hand.
// CLI_BENCH_ONLY=size measures the sizes only (no cold starts), CLI_BENCH_ONLY=start the starts only.
// CLI_BENCH_BASELINE_BIN=<other build's dist/bin.js> adds that build's hello.lua run to the rounds.
// On Node 20 the script host's code cache is written by the first run in the scratch HOME (a
// warm-up round) and used after; the "first run" row gives each run an empty cache folder.
//
// Start: every round runs each command once, in a rotating order, so machine load falls
// on all of them alike; medians after two warm-up rounds. HOME and the XDG dirs point to a
// scratch directory, so the default state backend (SQLite) opens a fresh file there.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { childrenCpuMs } from './process-cpu.mjs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const title = 'CLI: installed size and cold start';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'apps/cli/dist/bin.cjs');
const ROUNDS = Number(process.env.CLI_BENCH_ROUNDS ?? 15);
const MB = 1024 * 1024;
const KEEP = process.env.LLMSPELL_BENCH_KEEP_INSTALLS === '1';
const ONLY = process.env.CLI_BENCH_ONLY ?? '';
// Another build's bin.js (main's, say) timed in the same rounds: an A/B on a busy machine.
const BASELINE_BIN = process.env.CLI_BENCH_BASELINE_BIN ? path.resolve(process.env.CLI_BENCH_BASELINE_BIN) : undefined;

/** Packages the CLI must not bring: the RocksDB backend, the media libraries, the MCP SDK and its HTTP servers. */
const MUST_BE_ABSENT = ['rocksdb', '@llmspell/state-rocksdb', '@llmspell/tools-media', 'sharp', 'music-metadata', '@img/sharp-linux-x64', '@img/sharp-libvips-linux-x64', '@llmspell/mcp', '@modelcontextprotocol/sdk', 'express'];

/** The package folder a path lies in: the innermost node_modules/<name> (or the install root). */
function packageRootOf(file, installRoot) {
  const rel = path.relative(installRoot, file).split(path.sep);
  let end = -1;
  for (let i = rel.length - 2; i >= 0; i--) {
    if (rel[i] === 'node_modules' && rel[i + 1] !== '.pnpm' && rel[i + 1] !== '.bin') {
      end = rel[i + 1].startsWith('@') ? i + 3 : i + 2;
      break;
    }
  }
  return end < 0 ? installRoot : path.join(installRoot, ...rel.slice(0, end));
}

/** A file node-gyp leaves behind, given its package folder (which has a binding.gyp). */
function isBuildLeftover(file, pkgRoot) {
  const rel = path.relative(pkgRoot, file).split(path.sep).join('/');
  if (!rel.startsWith('build/')) return false;
  return !/^build\/Release\/[^/]+\.node$/.test(rel) || rel.endsWith('/test_extension.node');
}

/**
 * Every file under `dir` (symlinks not followed, directories not counted), grouped by inode:
 * an inode is counted once, as kept when any of its paths is kept, and belongs to the package
 * of its first kept path.
 */
export function countInstall(dir) {
  const byInode = new Map();
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        const st = fs.lstatSync(full);
        const key = `${st.dev}:${st.ino}`;
        const seen = byInode.get(key) ?? { size: st.size, blocks: st.blocks, paths: [] };
        seen.paths.push(full);
        byInode.set(key, seen);
      }
    }
  };
  walk(dir);
  const native = new Map();
  const isNative = (pkgRoot) => {
    if (!native.has(pkgRoot)) native.set(pkgRoot, fs.existsSync(path.join(pkgRoot, 'binding.gyp')));
    return native.get(pkgRoot);
  };
  const packages = new Map();
  let kept = 0;
  let leftovers = 0;
  let keptBlocks = 0;
  let files = 0;
  for (const inode of byInode.values()) {
    const keptPaths = inode.paths.filter((p) => {
      const pkgRoot = packageRootOf(p, dir);
      return !(isNative(pkgRoot) && isBuildLeftover(p, pkgRoot));
    }).sort();
    if (keptPaths.length === 0) {
      leftovers += inode.size;
      continue;
    }
    files++;
    kept += inode.size;
    keptBlocks += inode.blocks * 512;
    const pkgRoot = packageRootOf(keptPaths[0], dir);
    packages.set(pkgRoot, (packages.get(pkgRoot) ?? 0) + inode.size);
  }
  // name@version per package folder; the same name@version installed in two folders is
  // listed once with its copies counted (npm nests a second copy where it cannot hoist one).
  const byName = new Map();
  for (const [pkgRoot, bytes] of packages) {
    let id = path.relative(dir, pkgRoot) || '(root)';
    try {
      const m = JSON.parse(fs.readFileSync(path.join(pkgRoot, 'package.json'), 'utf8'));
      id = `${m.name}@${m.version}`;
    } catch { /* a folder without a manifest keeps its path */ }
    const entry = byName.get(id) ?? { bytes: 0, copies: 0 };
    entry.bytes += bytes;
    entry.copies += 1;
    byName.set(id, entry);
  }
  const list = [...byName].map(([name, e]) => ({ name, bytes: e.bytes, copies: e.copies })).sort((a, b) => b.bytes - a.bytes);
  const names = new Set(list.map((p) => p.name.replace(/@[^@]*$/, '')));
  return { kept, leftovers, keptBlocks, files, packages: list, present: MUST_BE_ABSENT.filter((n) => names.has(n)) };
}

const mb = (bytes) => (bytes / MB).toFixed(1);

export function largest(count, label) {
  const top = count.packages.slice(0, 10).map((p) => `${p.name}${p.copies > 1 ? ` (${p.copies} copies)` : ''} ${mb(p.bytes)} MB (${((100 * p.bytes) / count.kept).toFixed(1)} %)`);
  // Several versions of one package are the duplicates worth removing.
  const versions = new Map();
  for (const p of count.packages) {
    const name = p.name.replace(/@[^@]*$/, '');
    versions.set(name, [...(versions.get(name) ?? []), p]);
  }
  const dupes = [...versions].filter(([, v]) => v.length > 1 || v[0].copies > 1).map(([name, v]) => `${name} ${v.map((p) => `${p.name.slice(name.length + 1)}${p.copies > 1 ? ` ×${p.copies}` : ''}`).join(' + ')} (${mb(v.reduce((a, p) => a + p.bytes, 0))} MB)`);
  return `Ten largest packages of the ${label} (file bytes, share of ${mb(count.kept)} MB; ${count.packages.length} packages): ${top.join(', ')}. More than one copy: ${dupes.length ? dupes.join('; ') : 'none'}.`;
}

function keepOrRemove(dir, label, notes) {
  if (KEEP) {
    process.stderr.write(`bench: kept the ${label} in ${dir}\n`);
    notes.push(`The ${label} was kept in ${dir}.`);
  } else fs.rmSync(dir, { recursive: true, force: true });
}

function deploySize(notes) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-deploy-'));
  const target = path.join(dir, 'cli');
  try {
    execFileSync('pnpm', ['--filter', '@llmspell/cli', 'deploy', '--prod', '--prefer-offline', target], { cwd: root, stdio: 'pipe' });
    const count = countInstall(target);
    notes.push(largest(count, 'deploy'));
    return count;
  } finally {
    keepOrRemove(dir, 'deploy', notes);
  }
}

/** `npm i -g --prefix <tmp> @llmspell/cli` from a local registry holding this checkout's packages. */
async function registryInstallSize(notes) {
  const { RegistryUnavailableError, publishWorkspace, startLocalRegistry, userEnv } = await import(pathToFileURL(path.join(root, 'e2e/dist/index.js')).href);
  let registry;
  try {
    registry = await startLocalRegistry();
  } catch (error) {
    if (error instanceof RegistryUnavailableError) return { skipped: error.message };
    throw error;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-npm-install-'));
  try {
    const published = await publishWorkspace(registry);
    const home = path.join(dir, 'home');
    const prefix = path.join(dir, 'prefix');
    fs.mkdirSync(home);
    const started = performance.now();
    const r = spawnSync('npm', ['install', '--global', '--prefix', prefix, '@llmspell/cli'], { cwd: dir, env: userEnv({ home, registry: registry.url, prefix }), encoding: 'utf8', maxBuffer: 64 * MB });
    if (r.status !== 0) throw new Error(`npm i -g @llmspell/cli failed: ${r.stderr.slice(-2000)}`);
    const seconds = (performance.now() - started) / 1000;
    const count = countInstall(prefix);
    notes.push(largest(count, 'npm install'));
    notes.push(`The registry install: ${published.packages.length} packages published by changeset publish in ${published.seconds.toFixed(0)} s; npm i -g took ${seconds.toFixed(0)} s (better-sqlite3 compiled from source).`);
    return { count };
  } finally {
    await registry.stop();
    keepOrRemove(dir, 'npm install prefix', notes);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function scratchHome() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-home-'));
  return { home, env: { PATH: process.env.PATH ?? '', HOME: home, XDG_DATA_HOME: path.join(home, '.data'), XDG_CONFIG_HOME: path.join(home, '.config'), NO_COLOR: '1' } };
}

/** Wall (sorted) and CPU (the command's processes together, sorted) samples of each command. */
function coldStarts(commands) {
  const { home, env } = scratchHome();
  const samples = commands.map(() => []);
  const cpu = commands.map(() => []);
  try {
    for (let round = 0; round < ROUNDS + 2; round++) {
      for (let k = 0; k < commands.length; k++) {
        const i = (k + round) % commands.length;
        // a command may bring its own variables, and an empty cache folder each time (a first run)
        const cache = commands[i].freshCache ? fs.mkdtempSync(path.join(home, 'cache-')) : undefined;
        const runEnv = { ...env, ...commands[i].env, ...(cache ? { XDG_CACHE_HOME: cache } : {}) };
        const cpu0 = childrenCpuMs();
        const t = performance.now();
        const r = spawnSync(process.execPath, commands[i].args, { cwd: root, env: runEnv, stdio: ['ignore', 'ignore', 'pipe'] });
        const ms = performance.now() - t;
        if (cache) fs.rmSync(cache, { recursive: true, force: true });
        if (r.status !== 0) throw new Error(`${commands[i].name} exited ${r.status}: ${r.stderr}`);
        if (round >= 2) {
          samples[i].push(ms);
          cpu[i].push(childrenCpuMs() - cpu0);
        }
      }
    }
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
  return { wall: samples.map((s) => s.sort((a, b) => a - b)), cpu: cpu.map((s) => s.sort((a, b) => a - b)) };
}

/**
 * Where a cold start goes: LLMSPELL_START_MARKS=1 has the CLI and its script host write
 * wall-clock marks with their CPU so far; per phase, the median over `runs` of the wall time
 * since the previous mark and of the CPU the marking process spent in it.
 */
function startPhases(args, runs) {
  const { home, env } = scratchHome();
  const all = [];
  try {
    // a first run writes the host's code cache (Node 20): the phases are those of the runs after it
    spawnSync(process.execPath, args, { cwd: root, env, stdio: 'ignore' });
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(process.execPath, args, { cwd: root, env: { ...env, LLMSPELL_START_MARKS: '1' }, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`start marks: ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
      const marks = r.stderr.split('\n').filter((l) => l.startsWith('[start] ')).map((l) => {
        const [, t, pid, cpuMs, ...name] = l.split(' ');
        return { t: Number(t), pid, cpu: Number(cpuMs), name: name.join(' ') };
      }).sort((a, b) => a.t - b.t);
      const lastCpu = new Map();
      all.push(marks.map((m, j) => {
        const phase = { name: m.name, wall: j ? m.t - marks[j - 1].t : 0, cpu: m.cpu - (lastCpu.get(m.pid) ?? 0) };
        lastCpu.set(m.pid, m.cpu);
        return phase;
      }));
    }
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
  // the host's exit mark is missing when the supervisor ends it first: phases are matched by name
  const names = all[0].map((p) => p.name);
  return names.map((name) => {
    const of = all.map((run) => run.find((p) => p.name === name)).filter(Boolean);
    return { name, wall: median(of.map((p) => p.wall)), cpu: median(of.map((p) => p.cpu)) };
  });
}

/**
 * The floor of this architecture's start, measured: a Node process that forks a second one
 * with an IPC channel (as the CLI starts its script host), which answers once and exits.
 */
function forkFloor() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-floor-'));
  fs.writeFileSync(path.join(dir, 'child.mjs'), "process.send('ready', () => process.exit(0));\n");
  fs.writeFileSync(path.join(dir, 'parent.mjs'), "import { fork } from 'node:child_process';\nfork(new URL('./child.mjs', import.meta.url).pathname).on('message', () => undefined);\n");
  return { args: [path.join(dir, 'parent.mjs')], cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The packages `llmspell run examples/hello.lua` loads, through a module hook that logs
 * every URL: the heavy ones (the ai SDK, tool libraries) must stay out of a plain run.
 */
function modulesLoaded() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-hook-'));
  try {
    const log = path.join(dir, 'loaded.txt');
    fs.writeFileSync(path.join(dir, 'hooks.mjs'), `import fs from 'node:fs';\nexport async function load(url, context, next) { fs.appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); }\n`);
    fs.writeFileSync(path.join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});\n`);
    execFileSync(process.execPath, ['--import', pathToFileURL(path.join(dir, 'register.mjs')).href, bin, 'run', 'examples/hello.lua'], { cwd: root, stdio: 'ignore', env: { ...process.env, LLMSPELL_STATE_BACKEND: 'memory' } });
    const urls = fs.readFileSync(log, 'utf8').split('\n').filter((u) => u.startsWith('file:'));
    const packages = new Map();
    for (const u of urls) {
      const m = u.match(/node_modules\/((?:@[^/]+\/)?[^/.][^/]*)\/(?!.*node_modules\/)/) ?? u.match(/\/(?:packages|apps)\/([^/]+)\//);
      const name = m ? (m[0].includes('node_modules') ? m[1] : `@llmspell/${m[1]}`) : 'other';
      packages.set(name, (packages.get(name) ?? 0) + 1);
    }
    return { files: urls.length, packages };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run({ percentile }) {
  const rows = [];
  const notes = [];
  if (ONLY !== 'size') await startRows(rows, notes, percentile);
  if (ONLY !== 'start') await sizeRowsAll(rows, notes);
  return { rows, notes };
}

async function startRows(rows, notes, percentile) {
  const loadBefore = os.loadavg()[0];
  const floor = forkFloor();
  let starts;
  try {
    starts = coldStarts([
      { name: 'node -e 0', args: ['-e', '0'] },
      { name: 'llmspell --version', args: [bin, '--version'] },
      { name: 'llmspell run examples/hello.lua', args: [bin, 'run', 'examples/hello.lua'] },
      { name: 'llmspell run examples/hello.js', args: [bin, 'run', 'examples/hello.js'] },
      { name: 'node forking a child with IPC', args: floor.args },
      { name: 'llmspell run examples/hello.lua, first run', args: [bin, 'run', 'examples/hello.lua'], freshCache: true },
      { name: 'llmspell run examples/hello.lua, LLMSPELL_CODE_CACHE=0', args: [bin, 'run', 'examples/hello.lua'], env: { LLMSPELL_CODE_CACHE: '0' } },
      ...(BASELINE_BIN ? [{ name: 'baseline build: run examples/hello.lua', args: [BASELINE_BIN, 'run', 'examples/hello.lua'] }] : []),
    ]);
  } finally {
    floor.cleanup();
  }
  const [node, version, lua, js, fork, firstRun, noCache, baseline] = starts.wall;
  const cpu = starts.cpu.map((s) => percentile(s, 50));
  const loadAfter = os.loadavg()[0];
  const n50 = percentile(node, 50);
  const cpuNote = (i) => `CPU ${cpu[i].toFixed(0)} ms (${(cpu[i] / cpu[0]).toFixed(2)}× node's)`;
  rows.push({ name: 'process: node -e 0 (baseline)', value: n50, unit: 'ms', note: `CPU ${cpu[0].toFixed(0)} ms` });
  rows.push({ name: 'process: llmspell --version', value: percentile(version, 50), unit: 'ms', baseline: n50, ratio: percentile(version, 50) / n50, goal: '≤ 2×', note: cpuNote(1) });
  rows.push({ name: 'process: llmspell run examples/hello.lua', value: percentile(lua, 50), unit: 'ms', baseline: n50, ratio: percentile(lua, 50) / n50, goal: '≤ 3×', note: cpuNote(2) });
  rows.push({ name: 'process: llmspell run examples/hello.js', value: percentile(js, 50), unit: 'ms', baseline: n50, ratio: percentile(js, 50) / n50, note: cpuNote(3) });
  rows.push({ name: 'process: llmspell run examples/hello.lua, first run (an empty cache folder: the host\'s code cache is written)', value: percentile(firstRun, 50), unit: 'ms', baseline: n50, ratio: percentile(firstRun, 50) / n50, note: cpuNote(5) });
  rows.push({ name: 'process: llmspell run examples/hello.lua, LLMSPELL_CODE_CACHE=0 (the host from its ES module chunks, as before the code cache)', value: percentile(noCache, 50), unit: 'ms', baseline: n50, ratio: percentile(noCache, 50) / n50, note: cpuNote(6) });
  if (baseline) rows.push({ name: `process: baseline build (CLI_BENCH_BASELINE_BIN) run examples/hello.lua`, value: percentile(baseline, 50), unit: 'ms', baseline: n50, ratio: percentile(baseline, 50) / n50, note: `${cpuNote(7)}; this build's run is ${(percentile(lua, 50) / percentile(baseline, 50)).toFixed(2)}× its wall time and ${(cpu[2] / cpu[7]).toFixed(2)}× its CPU` });
  rows.push({ name: 'process: floor of a supervised host: node forking a child that answers over IPC and exits', value: percentile(fork, 50), unit: 'ms', baseline: n50, ratio: percentile(fork, 50) / n50, note: cpuNote(4) });
  notes.push(`Cold starts: medians of ${ROUNDS} interleaved rounds after 2 warm-up rounds; default state backend (SQLite) in a scratch HOME; CPU is the children's user + system time (10 ms ticks of /proc/self/stat), the CLI and its script host together. Load average (1 min) ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on ${os.cpus().length} CPUs.`);
  const phases = startPhases([bin, 'run', 'examples/hello.lua'], 7);
  notes.push(`Where run examples/hello.lua's start goes (LLMSPELL_START_MARKS=1, medians of 7 runs; wall ms since the previous mark / CPU ms of that process in it): ${phases.map((p) => `${p.name} ${p.wall.toFixed(0)}/${p.cpu.toFixed(0)}`).join(', ')}.`);

  const loaded = modulesLoaded();
  const heavy = ['ai', '@llmspell/agents', 'tar', 'yauzl', 'yazl', 'picomatch', 'ajv', 'ajv-formats', 'csv-parse', 'htmlparser2', 'css-select', 'domutils', 'fast-xml-parser', 'diff', 'nodemailer', 'pg'].filter((n) => loaded.packages.has(n));
  rows.push({ name: 'process: files loaded by run examples/hello.lua', value: loaded.files, unit: 'files', note: `heavy packages loaded: ${heavy.length ? heavy.join(', ') : 'none'}` });
  notes.push(`Packages loaded by run examples/hello.lua (files each): ${[...loaded.packages].sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n} ${c}`).join(', ')}.`);

}

async function sizeRowsAll(rows, notes) {
  const sizeRows = (count, what, label) => {
    rows.push({ name: `install: ${what}, file bytes without native-build leftovers`, value: count.kept / MB, unit: 'MB', goal: '≤ 60 MB', note: `${count.files} files; ${mb(count.keptBlocks)} MB on disk in whole blocks; with node-gyp's leftovers ${mb(count.kept + count.leftovers)} MB` });
    rows.push({ name: `install: add-on packages (RocksDB, media, MCP SDK) in the ${label}`, value: count.present.length, unit: 'packages', goal: '0', note: count.present.join(', ') });
  };
  try {
    sizeRows(deploySize(notes), 'pnpm --filter @llmspell/cli deploy --prod (the published files of each workspace package, production dependencies)', 'deploy');
  } catch (error) {
    notes.push(`Deploy size not measured: pnpm deploy failed: ${String(error?.stderr ?? error?.message ?? error).slice(0, 300)}`);
  }
  const registryInstall = await registryInstallSize(notes);
  if (registryInstall.skipped) {
    rows.push({ name: 'install: npm i -g @llmspell/cli from a local registry of the published packages', value: 'skipped', unit: '', note: `the local registry could not start: ${registryInstall.skipped.split('\n')[0]}` });
  } else {
    sizeRows(registryInstall.count, 'npm i -g --prefix <tmp> @llmspell/cli from a local registry of the published packages (what a user gets)', 'npm install');
  }
  notes.push('Sizes count the bytes of files, each inode once (kept when any of its paths is kept), no directories or symlinks. Native-build leftovers: everything under a native package\'s build/ but build/Release/*.node, and test_extension.node (obj/, obj.target/, .deps/, the static library *.a, Makefiles); better-sqlite3\'s shipped deps/ sources count. Add-ons a user installs next to the CLI when needed (@llmspell/mcp, @llmspell/queue, @llmspell/state-postgres, @llmspell/tools-media, @llmspell/state-rocksdb) are not in these figures.');
}
