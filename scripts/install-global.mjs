#!/usr/bin/env node
// `pnpm install-global [package…]`: a global `llmspell` command from this checkout, until the
// packages are on the public registry. Each package (default @llmspell/cli) is built, deployed
// with its production dependencies by `pnpm deploy` into .llmspell-install/node_modules/<name>,
// and linked into npm's global prefix with `npm i -g <folder>`, which is what `npm i -g <name>`
// will do from the registry. The deployed packages sit side by side in one node_modules, so the
// CLI finds an optional package installed the same way (`pnpm install-global
// @llmspell/tools-media`). Removing the checkout removes them: `npm uninstall -g <name>` first.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const packages = names.length ? names : ['@llmspell/cli'];
// LLMSPELL_INSTALL_ROOT moves the deployed packages elsewhere (the tests use a temp dir).
const installRoot = path.join(process.env.LLMSPELL_INSTALL_ROOT ? path.resolve(process.env.LLMSPELL_INSTALL_ROOT) : path.join(root, '.llmspell-install'), 'node_modules');
// --no-build: the packages are built already (the test suite, inside `turbo run test`).
const build = !process.argv.includes('--no-build');

function workspacePackageDir(name) {
  for (const folder of ['packages', 'apps']) {
    for (const entry of fs.readdirSync(path.join(root, folder))) {
      const manifest = path.join(root, folder, entry, 'package.json');
      if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === name) return path.dirname(manifest);
    }
  }
  return undefined;
}

const run = (command, args, options = {}) => execFileSync(command, args, { cwd: root, stdio: 'inherit', ...options });

// `pnpm <script>` hands its own settings to the script as npm_config_* variables, which npm
// warns about; npm gets only the ones that are npm's and matter to a global install.
const NPM_KEYS = new Set(['prefix', 'registry', 'cache', 'userconfig', 'globalconfig', 'nodedir', 'python', 'loglevel', 'proxy', 'https_proxy', 'cafile']);
const npmEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => {
  const m = /^npm_config_(.*)$/i.exec(key);
  return !m || NPM_KEYS.has(m[1].toLowerCase()) || m[1].startsWith('//') || m[1].includes(':registry');
}));
// `pnpm -C <dir>` replaces npm_config_prefix by <dir>, hiding the user's global prefix.
if (Object.entries(npmEnv).some(([key, value]) => /^npm_config_prefix$/i.test(key) && path.resolve(value) === root)) {
  process.stderr.write('install-global: run it from the checkout (cd into it; `pnpm -C` hides npm\'s global prefix)\n');
  process.exit(2);
}

for (const name of packages) {
  if (!workspacePackageDir(name)) {
    process.stderr.write(`install-global: '${name}' is not a package of this checkout (see packages/ and apps/)\n`);
    process.exit(2);
  }
}

if (build) run('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only', ...packages.map((n) => `--filter=${n}...`)]);
for (const name of packages) {
  const target = path.join(installRoot, name);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  run('pnpm', ['--filter', name, 'deploy', '--prod', target], { stdio: ['ignore', 'ignore', 'inherit'] });
  run('npm', ['install', '--global', '--no-audit', '--no-fund', target], { env: npmEnv });
}
const prefix = execFileSync('npm', ['prefix', '--global'], { encoding: 'utf8', env: npmEnv }).trim();
process.stdout.write(`\ninstalled ${packages.join(', ')} from this checkout into ${prefix}`);
process.stdout.write(packages.includes('@llmspell/cli') ? `; try: llmspell run examples/hello.lua\n` : '\n');
