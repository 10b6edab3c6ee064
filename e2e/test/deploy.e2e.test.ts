// The two ways to a `llmspell` from a checkout that need no registry, run as documented:
// `pnpm --filter @llmspell/cli deploy --prod <dir>` (README, apps/cli/README.md) and
// `pnpm install-global` (README's one line), each used outside the repository.
import fs from 'node:fs';
import path from 'node:path';
import { cleanEnv, repoRoot } from '../src/index.js';
import { ok, run, tempDir } from './helpers.js';

const work = tempDir('llmspell-deploy-e2e-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/**
 * The developer's shell in the checkout: no pnpm/turbo/jest variables, their own HOME (the pnpm
 * store and npm's settings live there).
 */
function shellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...cleanEnv(), ...extra };
}

/** Where the installed command then runs: an empty HOME, outside the checkout. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const home = path.join(work, 'home');
  fs.mkdirSync(home, { recursive: true });
  return { ...cleanEnv(), HOME: home, ...extra };
}

function helloProject(): string {
  const dir = fs.mkdtempSync(path.join(work, 'project-'));
  fs.copyFileSync(path.join(repoRoot, 'examples/hello.lua'), path.join(dir, 'hello.lua'));
  return dir;
}

test('pnpm --filter @llmspell/cli deploy --prod <dir> works with the workspace settings as they are', async () => {
  const target = path.join(work, 'deploy');
  // As the docs write it: no --legacy, no --config override.
  ok(await run('pnpm', ['--filter', '@llmspell/cli', 'deploy', '--prod', target], { cwd: repoRoot, env: shellEnv(), timeoutMs: 300_000 }), 'pnpm deploy');
  const manifest = fs.readFileSync(path.join(target, 'package.json'), 'utf8');
  expect(manifest).not.toContain('workspace:');
  // The CLI is one bundle: its only production dependency is the native SQLite addon, as files
  // of their own (not links back into the checkout); no workspace package comes with it.
  const sqlite = fs.realpathSync(path.join(target, 'node_modules/better-sqlite3'));
  expect(sqlite.startsWith(target)).toBe(true);
  for (const name of ['@llmspell', 'zod', 'jest']) expect(fs.existsSync(path.join(target, 'node_modules', name))).toBe(false);
  const hello = ok(await run(process.execPath, [path.join(target, 'dist/bin.cjs'), 'run', 'hello.lua'], { cwd: helloProject(), env: userEnv(), timeoutMs: 120_000 }), 'deployed llmspell run hello.lua');
  expect(hello.stdout).toContain('Hello, world!');
}, 360_000);

test('pnpm install-global puts a working llmspell on the PATH, and an optional package beside it', async () => {
  const prefix = path.join(work, 'prefix');
  const installRoot = path.join(work, 'install-root');
  // --no-build: `turbo run test` has built every package before this test.
  const env = shellEnv({ npm_config_prefix: prefix, LLMSPELL_INSTALL_ROOT: installRoot });
  ok(await run('pnpm', ['install-global', '--no-build'], { cwd: repoRoot, env, timeoutMs: 300_000 }), 'pnpm install-global');
  ok(await run('pnpm', ['install-global', '--no-build', '@llmspell/tools-media'], { cwd: repoRoot, env, timeoutMs: 300_000 }), 'pnpm install-global @llmspell/tools-media');
  const user = userEnv({ PATH: `${path.join(prefix, 'bin')}${path.delimiter}${process.env.PATH}` });
  const project = helloProject();
  const hello = ok(await run('llmspell', ['run', 'hello.lua'], { cwd: project, env: user, timeoutMs: 120_000 }), 'llmspell run hello.lua');
  expect(hello.stdout).toContain('Hello, world!');
  fs.writeFileSync(path.join(project, 'llmspell.toml'), '[tools]\npackages = ["@llmspell/tools-media"]\n');
  const media = ok(await run('llmspell', ['exec', 'return Tool.exists("image_processor")'], { cwd: project, env: user, timeoutMs: 120_000 }), 'media tools');
  expect(media.stdout).toBe('true\n');
  const listed = ok(await run('npm', ['ls', '--global', '--prefix', prefix, '--depth=0'], { cwd: project, env: user }), 'npm ls -g');
  expect(listed.stdout).toContain('@llmspell/cli@');
  expect(listed.stdout).toContain('@llmspell/tools-media@');
}, 660_000);
