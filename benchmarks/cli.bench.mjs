// Issue: CLI install size and cold start.
// Installed size of a production deploy of @llmspell/cli, and the cold start of
// `llmspell --version`, `llmspell run examples/hello.lua` and `examples/hello.js` next to
// `node -e 0`, all in the same run.
//
// Size: `pnpm --filter @llmspell/cli deploy --prod` with inject-workspace-packages, which
// packs every workspace package as npm would publish it (only its `files`), installs the
// production dependencies (no devDependencies: tools-media and state-rocksdb are dev-only
// for the CLI) and nothing else. That is `npm i -g @llmspell/cli` without the registry.
// One difference is reported apart: a native addon built here from source leaves its
// object files next to the binary, where npm would fetch a prebuilt binary alone.
//
// Start: every round runs each command once, in a rotating order, so machine load falls
// on all of them alike; medians after two warm-up rounds. HOME and the XDG dirs point to a
// scratch directory, so the default state backend (SQLite) opens a fresh file there.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const title = 'CLI: installed size and cold start';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'apps/cli/dist/bin.js');
const ROUNDS = Number(process.env.CLI_BENCH_ROUNDS ?? 15);
const MB = 1024 * 1024;

/** Packages the CLI must not bring: the RocksDB backend and the media libraries. */
const MUST_BE_ABSENT = ['rocksdb', '@llmspell/state-rocksdb', '@llmspell/tools-media', 'sharp', 'music-metadata', '@img/sharp-linux-x64', '@img/sharp-libvips-linux-x64'];

/** Bytes under `dir`, each file counted once (pnpm may hard-link), symlinks not followed. */
function sizeOf(dir, seen = new Set(), filter = () => true, measure = (st) => st.size) {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) total += sizeOf(full, seen, filter, measure);
    else if (entry.isFile()) {
      const st = fs.statSync(full);
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key) || !filter(full)) continue;
      seen.add(key);
      total += measure(st);
    }
  }
  return total;
}

/** `.pnpm/<name>@<version>[_peers]` → `<name>@<version>`. */
function packageOf(entry) {
  const name = entry.replace(/_.*$/, '').replace(/^(@[^+]+)\+/, '$1/');
  return name.replace(/@file\+.*$/, '');
}

const isBuildLeftover = (file) => /[\\/]build[\\/]Release[\\/](obj|obj\.target|\.deps)[\\/]/.test(file) || /[\\/]build[\\/]Release[\\/]test_extension\.node$/.test(file);

function installedSize(notes) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-deploy-'));
  try {
    execFileSync('pnpm', ['--filter', '@llmspell/cli', 'deploy', '--prod', '--config.inject-workspace-packages=true', '--prefer-offline', dir], { cwd: root, stdio: 'pipe' });
    const total = sizeOf(dir);
    const leftovers = sizeOf(dir, new Set(), isBuildLeftover);
    const onDisk = sizeOf(dir, new Set(), (f) => !isBuildLeftover(f), (st) => st.blocks * 512);
    notes.push(`Sizes are the bytes of the files; on disk (whole blocks, as \`du\` counts) the same install takes ${(onDisk / MB).toFixed(1)} MB.`);
    const store = path.join(dir, 'node_modules/.pnpm');
    const packages = fs.readdirSync(store).filter((e) => e !== 'node_modules' && !e.startsWith('lock'))
      .map((e) => ({ name: packageOf(e), bytes: sizeOf(path.join(store, e), new Set(), (f) => !isBuildLeftover(f)) }))
      .sort((a, b) => b.bytes - a.bytes);
    const names = new Set(packages.map((p) => p.name.replace(/@[^@]*$/, '')));
    const present = MUST_BE_ABSENT.filter((n) => names.has(n));
    notes.push(`Largest packages in the deploy (MB, without node-gyp leftovers): ${packages.slice(0, 12).map((p) => `${p.name} ${(p.bytes / MB).toFixed(1)}`).join(', ')}.`);
    notes.push(`${packages.length} packages in the deploy. RocksDB and media libraries (${MUST_BE_ABSENT.join(', ')}): ${present.length ? `PRESENT: ${present.join(', ')}` : 'none present'}.`);
    return { total, leftovers, present, count: packages.length };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function coldStarts(commands) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-home-'));
  const env = { PATH: process.env.PATH ?? '', HOME: home, XDG_DATA_HOME: path.join(home, '.data'), XDG_CONFIG_HOME: path.join(home, '.config'), NO_COLOR: '1' };
  const samples = commands.map(() => []);
  try {
    for (let round = 0; round < ROUNDS + 2; round++) {
      for (let k = 0; k < commands.length; k++) {
        const i = (k + round) % commands.length;
        const t = performance.now();
        const r = spawnSync(process.execPath, commands[i].args, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
        const ms = performance.now() - t;
        if (r.status !== 0) throw new Error(`${commands[i].name} exited ${r.status}: ${r.stderr}`);
        if (round >= 2) samples[i].push(ms);
      }
    }
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
  return samples.map((s) => s.sort((a, b) => a - b));
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
  const loadBefore = os.loadavg()[0];
  const [node, version, lua, js] = coldStarts([
    { name: 'node -e 0', args: ['-e', '0'] },
    { name: 'llmspell --version', args: [bin, '--version'] },
    { name: 'llmspell run examples/hello.lua', args: [bin, 'run', 'examples/hello.lua'] },
    { name: 'llmspell run examples/hello.js', args: [bin, 'run', 'examples/hello.js'] },
  ]);
  const loadAfter = os.loadavg()[0];
  const n50 = percentile(node, 50);
  rows.push({ name: 'process: node -e 0 (baseline)', value: n50, unit: 'ms' });
  rows.push({ name: 'process: llmspell --version', value: percentile(version, 50), unit: 'ms', baseline: n50, ratio: percentile(version, 50) / n50, goal: '≤ 2×' });
  rows.push({ name: 'process: llmspell run examples/hello.lua', value: percentile(lua, 50), unit: 'ms', baseline: n50, ratio: percentile(lua, 50) / n50, goal: '≤ 3×' });
  rows.push({ name: 'process: llmspell run examples/hello.js', value: percentile(js, 50), unit: 'ms', baseline: n50, ratio: percentile(js, 50) / n50 });
  notes.push(`Cold starts: medians of ${ROUNDS} interleaved rounds after 2 warm-up rounds; default state backend (SQLite) in a scratch HOME. Load average (1 min) ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on ${os.cpus().length} CPUs.`);

  const loaded = modulesLoaded();
  const heavy = ['ai', '@llmspell/agents', 'tar', 'yauzl', 'yazl', 'picomatch', 'ajv', 'ajv-formats', 'csv-parse', 'htmlparser2', 'css-select', 'domutils', 'fast-xml-parser', 'diff', 'nodemailer', 'pg'].filter((n) => loaded.packages.has(n));
  rows.push({ name: 'process: files loaded by run examples/hello.lua', value: loaded.files, unit: 'files', note: `heavy packages loaded: ${heavy.length ? heavy.join(', ') : 'none'}` });
  notes.push(`Packages loaded by run examples/hello.lua (files each): ${[...loaded.packages].sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n} ${c}`).join(', ')}.`);

  let size;
  try {
    size = installedSize(notes);
  } catch (error) {
    notes.push(`Installed size not measured: pnpm deploy failed: ${String(error?.stderr ?? error?.message ?? error).slice(0, 300)}`);
  }
  if (size) {
    rows.push({ name: 'install: production deploy of @llmspell/cli, as npm installs it (prebuilt native binaries)', value: (size.total - size.leftovers) / MB, unit: 'MB', goal: '≤ 60 MB' });
    rows.push({ name: 'install: the same with native addons built from source here', value: size.total / MB, unit: 'MB', note: `${(size.leftovers / MB).toFixed(1)} MB of it is build/Release/obj* left by node-gyp` });
    rows.push({ name: 'install: RocksDB or media packages present', value: size.present.length, unit: 'packages', goal: '0' });
  }
  return { rows, notes };
}
