// Bundles the CLI's script host (dist/script-host-entry.js, after tsc) into dist/host/: one
// ES module for the start path plus chunks that load on first use (agents and the ai SDK,
// MCP, tool libraries), and the engines' WASM files beside them. A host then starts by
// loading one file instead of ~300; nothing is left to resolve from other packages' folders
// but better-sqlite3 (a native addon, a dependency of the CLI) and packages the user's
// config names (backends, plugins), which load from the project or the CLI's install as before.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(cli, 'dist/host');
const entry = path.join(cli, 'dist/script-host-entry.js');

/** Resolves a package file the way the package that uses it does. */
function resolveFrom(pkg, request) {
  const fromCli = createRequire(path.join(cli, 'package.json'));
  return createRequire(fromCli.resolve(`${pkg}/package.json`)).resolve(request);
}

// Files the bundled code reads at run time, copied beside it. `replace` points a package's
// own lookup of the file at the copy (the lookup would search node_modules from dist/host).
const assets = [
  { file: resolveFrom('@llmspell/bridge-lua', 'wasmoon/dist/glue.wasm'), name: 'glue.wasm' },
  {
    file: resolveFrom('@llmspell/bridge-js', '@jitl/quickjs-wasmfile-release-sync/wasm'),
    name: 'emscripten-module.wasm',
    replace: { module: /bridge-js\/dist\/quickjs-module\.js$/, from: "require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm')", to: "fileURLToPath(new URL('./emscripten-module.wasm', import.meta.url))" },
  },
];

// Packages loaded through the user's config or only where installed: never bundled.
const external = [
  'better-sqlite3', 'rocksdb', '@llmspell/state-rocksdb', '@llmspell/state-postgres', 'pg', 'mysql2', 'nodemailer',
  '@llmspell/tools-media', 'sharp', 'music-metadata', '@ffmpeg-installer/ffmpeg', 'fluent-ffmpeg',
];

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

fs.rmSync(out, { recursive: true, force: true });
await esbuild.build({
  entryPoints: { 'script-host': entry },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
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
  // smaller to install and to parse; identifiers are not minified, so stack traces still read
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  legalComments: 'none',
});
for (const asset of assets) {
  if (asset.replace && !asset.replaced) throw new Error(`bundle-host: no module matched ${asset.replace.module}`);
  fs.copyFileSync(asset.file, path.join(out, asset.name));
  // chunks live one folder down; CommonJS code there looks beside its own file
  fs.mkdirSync(path.join(out, 'chunks'), { recursive: true });
  fs.copyFileSync(asset.file, path.join(out, 'chunks', asset.name));
}
const size = fs.readdirSync(out, { recursive: true }).filter((f) => String(f).endsWith('.mjs')).reduce((n, f) => n + fs.statSync(path.join(out, String(f))).size, 0);
process.stderr.write(`bundle-host: dist/host (${(size / 1024).toFixed(0)} KB of JavaScript)\n`);
