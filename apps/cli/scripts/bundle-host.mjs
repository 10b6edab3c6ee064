// Bundles the whole CLI (tsc's output in lib/) into dist/, which is what the package ships:
// the main process (bin.js and every command, the REPL, `ui` with the trace viewer's prebuilt
// app, `mcp`, `worker`), the programmatic API (index.js) and the script host
// (host/script-host.mjs), as ES modules sharing chunks that load on first use (agents and the ai
// SDK, MCP glue, tool libraries, OpenTelemetry). Files read at run time (the engines' WASM, the
// viewer's app) are copied beside the chunks. Nothing is left to resolve from other packages'
// folders but what cannot be bundled: better-sqlite3 (a native addon, the CLI's one dependency)
// and the add-ons a user installs and the config names (backends, MCP, queue, media tools,
// plugins), which load from the project or beside the CLI and bring their own @llmspell/core.
// Licence notices of the bundled packages go to dist/THIRD_PARTY_NOTICES.md.
import fs from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lib = path.join(cli, 'lib');
const out = path.join(cli, 'dist');

/** A package's folder, as the CLI resolves it. */
function packageDir(pkg) {
  return path.dirname(createRequire(path.join(cli, 'package.json')).resolve(`${pkg}/package.json`));
}

/** Resolves a package file the way the package that uses it does. */
function resolveFrom(pkg, request) {
  return createRequire(path.join(packageDir(pkg), 'package.json')).resolve(request);
}

// Files the bundled code reads at run time, copied beside it. `replace` points a package's
// own lookup of the file at the copy (the lookup would search node_modules from dist/).
const assets = [
  { file: resolveFrom('@llmspell/bridge-lua', 'wasmoon/dist/glue.wasm'), name: 'glue.wasm' },
  {
    file: resolveFrom('@llmspell/bridge-js', '@jitl/quickjs-wasmfile-release-sync/wasm'),
    name: 'emscripten-module.wasm',
    replace: { module: /bridge-js\/dist\/quickjs-module\.js$/, from: "require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm')", to: "fileURLToPath(new URL('./emscripten-module.wasm', import.meta.url))" },
  },
];

// Never bundled. better-sqlite3 is a native addon (the CLI's dependency); the add-ons load from
// the user's install or project when the config or a command asks for them; mysql2 is an
// optional package its users install (PACKAGE_NOT_INSTALLED says how), and pg asks for
// pg-native only when its caller wants the native binding (the database tool never does).
const external = [
  'better-sqlite3',
  '@llmspell/mcp', '@llmspell/queue', '@llmspell/state-postgres', '@llmspell/state-rocksdb', '@llmspell/tools-media',
  '@modelcontextprotocol/sdk', 'rocksdb', 'mysql2', 'pg-native', 'sharp', 'music-metadata', '@ffmpeg-installer/ffmpeg', 'fluent-ffmpeg',
];

// Code only tests load: a bundle that picks any of it up is refused.
const devOnly = [/\/packages\/[^/]+\/dist\/testing\//, /\/node_modules\/(jest|@jest|ts-jest|@swc\/jest)\//, /\.test\.js$/];

/** Whether a resolved file is CommonJS, as Node decides it (extension, then the package's type). */
function isCommonJs(file) {
  if (file.endsWith('.cjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) return JSON.parse(fs.readFileSync(pkg, 'utf8')).type !== 'module';
  }
  return true;
}

// esbuild with code splitting gives `import()` of a CommonJS module only a default export
// (evanw/esbuild#3245), where Node also gives its named exports (`(await import('ajv')).Ajv`).
// Such an import goes through a wrapper that exports the names the module has when loaded
// here, like Node's namespace for it.
const commonJsImports = {
  name: 'llmspell-commonjs-dynamic-imports',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.pluginData?.unwrapped) return undefined;
      const resolved = await build.resolve(args.path, { kind: 'dynamic-import', resolveDir: args.resolveDir, importer: args.importer, pluginData: { unwrapped: true } });
      if (resolved.errors.length > 0 || resolved.external || !isCommonJs(resolved.path)) return undefined;
      return { path: resolved.path, namespace: 'cjs-namespace' };
    });
    build.onLoad({ filter: /.*/, namespace: 'cjs-namespace' }, (args) => {
      let names = [];
      try {
        names = Object.keys(createRequire(args.path)(args.path)).filter((n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n));
      } catch {
        // a module that does not load here keeps only its default export
      }
      const lines = [`const m = require(${JSON.stringify(args.path)});`, 'export default m;'];
      names.forEach((n, i) => lines.push(`const e${i} = m[${JSON.stringify(n)}];`, `export { e${i} as ${n} };`));
      return { contents: lines.join('\n'), loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

const rewrites = {
  name: 'llmspell-host-rewrites',
  setup(build) {
    build.onLoad({ filter: /\.(m?js)$/ }, async (args) => {
      let text = await fs.promises.readFile(args.path, 'utf8');
      let changed = false;
      // lazy `createRequire(import.meta.url)(x)` loads become plain requires, bundled (and still lazy)
      if (text.includes('createRequire(import.meta.url)(')) {
        text = text.replace(/createRequire\(import\.meta\.url\)\(/g, 'require(');
        changed = true;
      }
      for (const asset of assets) {
        if (asset.replace && asset.replace.module.test(args.path.split(path.sep).join('/'))) {
          if (!text.includes(asset.replace.from)) throw new Error(`bundle-host: ${args.path} no longer contains ${asset.replace.from}`);
          text = text.split(asset.replace.from).join(asset.replace.to);
          if (!/import \{[^}]*fileURLToPath/.test(text)) text = `import { fileURLToPath } from 'node:url';\n${text}`;
          asset.replaced = true;
          changed = true;
        }
      }
      return changed ? { contents: text, loader: 'js', resolveDir: path.dirname(args.path) } : undefined;
    });
  },
};

/*
 * better-sqlite3's JavaScript in the Node 20 host bundle, so it is in the host's code cache: as an
 * external package the host resolved, read and compiled its thirteen files on every start, and its
 * `bindings` helper searched for the native addon from a stack trace (about 8 ms of a start). The
 * native addon stays in the installed package, loaded by path. The bundled code is used only when
 * the installed package is the very version bundled, with its addon where a build puts it;
 * otherwise the installed package loads as before.
 */
const sqliteDir = packageDir('better-sqlite3');
const sqliteVersion = JSON.parse(fs.readFileSync(path.join(sqliteDir, 'package.json'), 'utf8')).version;
const SQLITE_REQUIRE = "createRequire(import.meta.url)('better-sqlite3')";
const SQLITE_ADDON_REQUIRE = "require('bindings')('better_sqlite3.node')";
const bundledSqlite = {
  name: 'llmspell-bundled-better-sqlite3',
  setup(build) {
    build.onLoad({ filter: /state-sqlite[\\/]dist[\\/]sqlite-state-store\.js$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      if (!text.includes(SQLITE_REQUIRE)) throw new Error(`bundle-host: ${args.path} no longer contains ${SQLITE_REQUIRE}`);
      // a missing package falls through to the plain require, whose error says so as before
      const chosen = [
        '(() => {',
        '  let bundled = false;',
        '  try {',
        "    const installed = require('node:path').dirname(require.resolve('better-sqlite3/package.json'));",
        `    bundled = require(require('node:path').join(installed, 'package.json')).version === ${JSON.stringify(sqliteVersion)}`,
        "      && require('node:fs').existsSync(require('node:path').join(installed, 'build', 'Release', 'better_sqlite3.node'));",
        '  } catch {}',
        `  return bundled ? require(${JSON.stringify(path.join(sqliteDir, 'lib', 'index.js'))}) : require('better-sqlite3');`,
        '})()',
      ].join('\n');
      return { contents: text.replace(SQLITE_REQUIRE, chosen), loader: 'js', resolveDir: path.dirname(args.path) };
    });
    build.onLoad({ filter: /better-sqlite3[\\/]lib[\\/]database\.js$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      if (!text.includes(SQLITE_ADDON_REQUIRE)) throw new Error(`bundle-host: ${args.path} no longer contains ${SQLITE_ADDON_REQUIRE}`);
      const addon = "require(require('node:path').join(require('node:path').dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node'))";
      return { contents: text.replace(SQLITE_ADDON_REQUIRE, addon), loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

fs.rmSync(out, { recursive: true, force: true });
const result = await esbuild.build({
  entryPoints: {
    'bin-main': path.join(lib, 'bin-main.js'),
    index: path.join(lib, 'index.js'),
    // the host with its setup built in (renamed .mjs below: the name script-job looks for)
    'host/script-host': path.join(lib, 'script-host-entry.js'),
    // LLMSPELL_HOST_BUNDLE=0: the runtime's generic host entry, loading the setup module
    'script-host': path.join(lib, 'script-host.js'),
    'isolated-host': path.join(packageDir('@llmspell/runtime'), 'dist/isolation/isolated-host.js'),
  },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // chunks sit beside the entries: code that finds files from import.meta.url (the CLI's
  // package.json, the viewer's app, the WASM) sees the same folder wherever esbuild puts it
  chunkNames: '[name]-[hash]',
  external,
  // resolve as Node does (it ignores "module"; an import gets the "import" condition, a require
  // the "require" one): a CommonJS require of a package's ESM build breaks its callers (yazl's
  // buffer-crc32)
  mainFields: ['main'],
  // CommonJS code inside (wasmoon, tool libraries) gets the require and __filename it expects
  banner: {
    js: [
      "import { createRequire as __llmspellCreateRequire } from 'node:module';",
      "import { fileURLToPath as __llmspellFileURLToPath } from 'node:url';",
      'const require = __llmspellCreateRequire(import.meta.url);',
      'const __filename = __llmspellFileURLToPath(import.meta.url);',
      "const __dirname = __llmspellFileURLToPath(new URL('.', import.meta.url));",
    ].join('\n'),
  },
  plugins: [commonJsImports, rewrites],
  // smaller to install and to parse; identifiers are not minified, so stack traces still read.
  // No source maps: the code is tsc's output, unminified names, one line per statement lost only.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  // notices are collected per package into THIRD_PARTY_NOTICES.md (below)
  legalComments: 'none',
  metafile: true,
});

// The launcher (src/bin.ts) alone as one CommonJS file, dist/bin.cjs (the package's bin): `run`
// and `exec` fork their script host from it before the rest of the CLI loads, so it must load
// in the time of one small file, without setting up Node's ES module loader (about 10 ms of a
// start). What it uses of runtime/isolation is bundled into it a second time; the rest of the
// CLI takes the host it started through a global (host-prestart.ts). dist/bin.js, for
// `node dist/bin.js`, loads it.
const launcher = await esbuild.build({
  entryPoints: { bin: path.join(lib, 'bin.js') },
  outdir: out,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: [...external, './bin-main.js'],
  mainFields: ['main'],
  define: { 'import.meta.url': '__llmspellImportMetaUrl' },
  banner: { js: "const __llmspellImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  legalComments: 'none',
  metafile: true,
});
fs.writeFileSync(path.join(out, 'bin.js'), "#!/usr/bin/env node\n// `node dist/bin.js`: the CLI's launcher is dist/bin.cjs (see scripts/bundle-host.mjs)\nimport './bin.cjs';\n", { mode: 0o755 });
const launcherBytes = Object.values(launcher.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
if (launcherBytes > 64 * 1024) throw new Error(`bundle-host: the launcher (dist/bin.cjs) grew to ${launcherBytes} bytes: it should hold only what forks the host`);

// The script host once more as one CommonJS file (dist/script-host.bundle.cjs, beside the chunks
// so that files found from import.meta.url are the same): Node 20 keeps no compiled code between
// runs, so the host's loader (src/host-code-cache.ts, dist/host/script-host-cached.cjs) compiles this
// file with vm.Script and V8's code cache, which only a classic script can have. Dynamic imports
// of bundled code are inlined (and still run on first use); add-ons stay external imports.
/** What the two one-file builds below share. */
const oneFile = { outdir: out, bundle: true, platform: 'node', target: 'node20', minifyWhitespace: true, logLevel: 'warning', legalComments: 'none' };
const cjsHost = await esbuild.build({
  ...oneFile,
  entryPoints: { 'script-host.bundle': path.join(lib, 'script-host-entry.js') },
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  external,
  mainFields: ['main'],
  // import.meta.resolve is the loader's (an ES module's, with the "import" conditions)
  define: { 'import.meta.url': '__llmspellImportMetaUrl', 'import.meta.resolve': '__llmspellImportMetaResolve' },
  // ASCII only (non-ASCII escaped): the loader then reads it as Latin-1, much faster than UTF-8
  charset: 'ascii',
  banner: {
    js: [
      "const __llmspellImportMetaUrl = require('node:url').pathToFileURL(__filename).href;",
      'const __llmspellImportBuiltin = (id) => Promise.resolve().then(() => { const m = require(id); return { __proto__: m, default: m }; });',
    ].join('\n'),
  },
  plugins: [bundledSqlite, commonJsImports, rewrites],
  minifySyntax: true,
  metafile: true,
});
Object.assign(result.metafile.inputs, cjsHost.metafile.inputs);
// the entry the CLI starts on Node 20: loads the bundle above through the code cache. CommonJS,
// so a host's start does not set up Node's ES module loader (nor build the ES namespaces of the
// builtins it uses, which read every lazy export: crypto's webcrypto, fs's streams…): the
// loader comes up only when the bundle first imports an add-on.
await esbuild.build({
  ...oneFile,
  entryPoints: { 'host/script-host-cached': path.join(lib, 'host-code-cache.js') },
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  define: { 'import.meta.url': '__llmspellImportMetaUrl' },
  banner: { js: "const __llmspellImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});
routeDynamicImports(path.join(out, 'script-host.bundle.cjs'));
// text esbuild keeps as written (template literals: the engines' preludes) can bring non-ASCII
// in, and the loader then decodes as UTF-8, about 15 ms slower per start
const hostBundle = path.join(out, 'script-host.bundle.cjs');
const { wrapBundle } = await import(pathToFileURL(path.join(lib, 'host-code-cache.js')).href);
const hostText = fs.readFileSync(hostBundle, 'latin1');
const nonAscii = hostText.match(/.{0,60}[^\x00-\x7f]+/);
if (nonAscii) process.stderr.write(`bundle-host: warning: script-host.bundle.cjs is not ASCII (slower to load): ${nonAscii[0]}\n`);
// checked here once, so the loader need not scan 5 MB on every start, and wrapped here once, so
// it compiles the file's text as read (wrapBundle in src/host-code-cache.ts; mark and wrapper on
// the first line, before the code: the bundle's line numbers stay)
else fs.writeFileSync(hostBundle, wrapBundle(hostText), 'latin1');

/**
 * Node 20's V8 drops a script's dynamic-import callback from functions it takes from a code
 * cache ("A dynamic import callback was not specified"), so the bundle's own `import()`s (of
 * add-ons, optional packages, plugins) call `__llmspellImport` instead, a parameter the loader
 * passes: a real import from a module Node compiled itself. An import of a Node builtin
 * (wasmoon's `await import('module')`, on every Lua start) calls `__llmspellImportBuiltin`
 * (the banner): the builtin through require, as a namespace (its exports, and `default`), so
 * the host does not set up Node's ES module loader for it (a few ms of each start).
 */
function routeDynamicImports(file) {
  const acorn = createRequire(path.join(packageDir('@llmspell/bridge-js'), 'package.json'))('acorn');
  const text = fs.readFileSync(file, 'latin1');
  const starts = [];
  const builtins = [];
  const walk = (node) => {
    if (!node || typeof node.type !== 'string') return;
    if (node.type === 'ImportExpression') {
      const named = node.source.type === 'Literal' && typeof node.source.value === 'string' ? node.source.value : undefined;
      (named !== undefined && isBuiltin(named) ? builtins : starts).push(node.start);
    }
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object' && typeof value.type === 'string') walk(value);
    }
  };
  walk(acorn.parse(text, { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: true }));
  let routed = text;
  const routes = [...starts.map((at) => [at, '__llmspellImport']), ...builtins.map((at) => [at, '__llmspellImportBuiltin'])];
  for (const [start, to] of routes.sort((a, b) => b[0] - a[0])) {
    if (routed.slice(start, start + 6) !== 'import') throw new Error(`bundle-host: no import() at ${start} of ${file}`);
    routed = `${routed.slice(0, start)}${to}${routed.slice(start + 6)}`;
  }
  fs.writeFileSync(file, routed, 'latin1');
}

const inputs = Object.keys(result.metafile.inputs).map((f) => path.resolve(cli, f.replace(/^[a-z-]+:/, '')));
const devInput = inputs.find((f) => devOnly.some((re) => re.test(f.split(path.sep).join('/'))));
if (devInput) throw new Error(`bundle-host: dev-only code in the bundle: ${devInput}`);

for (const asset of assets) {
  if (asset.replace && !asset.replaced) throw new Error(`bundle-host: no module matched ${asset.replace.module}`);
  fs.copyFileSync(asset.file, path.join(out, asset.name));
}
fs.renameSync(path.join(out, 'host/script-host.js'), path.join(out, 'host/script-host.mjs'));
// `llmspell ui` serves the trace viewer's prebuilt app from beside the code (viewerAssetsDir)
fs.cpSync(path.join(packageDir('@llmspell/trace-viewer'), 'dist/app'), path.join(out, 'app'), { recursive: true });

/** The package folder a bundled file came from (the last node_modules/<name> in its path). */
function packageDirOf(file) {
  const parts = file.split(path.sep);
  const i = parts.lastIndexOf('node_modules');
  if (i < 0) return undefined;
  const take = parts[i + 1]?.startsWith('@') ? 3 : 2;
  return parts.slice(0, i + take).join(path.sep);
}

const notices = new Map();
for (const file of inputs) {
  const dir = packageDirOf(file);
  if (!dir || notices.has(dir)) continue;
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  if (manifest.name?.startsWith('@llmspell/')) continue;
  const licenceFile = fs.readdirSync(dir).find((f) => /^(licen[cs]e|copying|notice)(\.|$)/i.test(f));
  notices.set(dir, { name: manifest.name, version: manifest.version, license: manifest.license ?? 'see the text', text: licenceFile ? fs.readFileSync(path.join(dir, licenceFile), 'utf8').trim() : undefined, homepage: manifest.homepage ?? manifest.repository?.url ?? manifest.repository });
}
const sorted = [...notices.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
const missing = sorted.filter((n) => !n.text);
fs.writeFileSync(path.join(out, 'THIRD_PARTY_NOTICES.md'), [
  '# Third-party notices',
  '',
  `@llmspell/cli ships these packages bundled in its JavaScript files (dist/*.js), under their own licences.`,
  '',
  ...sorted.flatMap((n) => [`## ${n.name} ${n.version} (${n.license})`, '', ...(n.homepage ? [`${n.homepage}`, ''] : []), ...(n.text ? ['```', n.text, '```'] : [`Licence: ${n.license} (the package has no licence file).`]), '']),
].join('\n'));

const size = fs.readdirSync(out, { recursive: true }).filter((f) => /\.m?js$/.test(String(f))).reduce((n, f) => n + fs.statSync(path.join(out, String(f))).size, 0);
process.stderr.write(`bundle-host: dist/ (${(size / 1024).toFixed(0)} KB of JavaScript, ${sorted.length} third-party packages${missing.length ? `, ${missing.length} without a licence file` : ''})\n`);
