import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LlmspellError, defineLazyTool, isLlmspellError, isTool, type Tool, type ToolManifestEntry } from '@llmspell/core';
import { BUNDLED_TOOLS_MANIFEST } from './bundled-tools-manifest.js';

/**
 * Tool packages the CLI installs with it, loaded on start. Written as literal imports so the
 * build's bundle of the script host (scripts/bundle-host.mjs) takes them in.
 */
export const BUNDLED_TOOL_LOADERS: Record<string, () => Promise<unknown>> = {
  '@llmspell/tools-util': () => import('@llmspell/tools-util'),
  '@llmspell/tools-fs': () => import('@llmspell/tools-fs'),
  '@llmspell/tools-data': () => import('@llmspell/tools-data'),
  '@llmspell/tools-web': () => import('@llmspell/tools-web'),
  '@llmspell/tools-system': () => import('@llmspell/tools-system'),
  '@llmspell/tools-search': () => import('@llmspell/tools-search'),
  '@llmspell/tools-comm': () => import('@llmspell/tools-comm'),
};

export const BUNDLED_TOOL_PACKAGES = Object.keys(BUNDLED_TOOL_LOADERS);

/**
 * Bundled packages that can load one tool's module alone (tool name → its loader): a run pays
 * only for the tools it calls, not for every schema of the package. A tool missing here loads
 * with its whole package.
 */
export const BUNDLED_TOOL_MODULE_LOADERS: Partial<Record<string, () => Promise<Readonly<Record<string, () => Promise<unknown>>>>>> = {
  '@llmspell/tools-util': () => import('@llmspell/tools-util/tool-loaders').then((m) => m.UTIL_TOOL_LOADERS),
};

/** Optional packages: loaded only when the config names them, since they are heavy. */
export const OPTIONAL_TOOL_PACKAGES = ['@llmspell/tools-media'];

export function collectTools(mod: Record<string, unknown>): Tool[] {
  const found = new Map<string, Tool>();
  const visit = (value: unknown) => {
    if (isTool(value)) found.set(value.name, value);
    else if (Array.isArray(value)) value.forEach(visit);
  };
  for (const value of Object.values(mod)) visit(value);
  return [...found.values()];
}

const isPathLike = (name: string) => name.startsWith('.') || path.isAbsolute(name);

/** The file a package directory's manifest names for `import` (exports, then module/main). */
function packageEntry(pkgDir: string): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { exports?: unknown; main?: string; module?: string };
  let entry: unknown = pkg.exports;
  if (entry && typeof entry === 'object' && '.' in (entry as object)) entry = (entry as Record<string, unknown>)['.'];
  while (entry && typeof entry === 'object') {
    const e = entry as Record<string, unknown>;
    entry = e.import ?? e.node ?? e.default ?? e.require;
  }
  const rel = typeof entry === 'string' ? entry : pkg.module ?? pkg.main ?? 'index.js';
  return path.join(pkgDir, rel);
}

/**
 * Finds a package (or a path: a file, or a package directory such as a plugin being written)
 * from the user's directory first: a globally installed CLI cannot see the project's
 * node_modules through a bare `import(name)`. Undefined when the project does not have it.
 */
export function resolveFromDirectory(name: string, cwd: string): string | undefined {
  if (isPathLike(name)) {
    const target = path.resolve(cwd, name);
    if (!fs.existsSync(target)) return undefined;
    if (!fs.statSync(target).isDirectory()) return pathToFileURL(target).href;
    const manifest = path.join(target, 'package.json');
    return pathToFileURL(fs.existsSync(manifest) ? packageEntry(target) : path.join(target, 'index.js')).href;
  }
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    const pkgDir = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(pkgDir, 'package.json'))) return pathToFileURL(packageEntry(pkgDir)).href;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Imports a package the config names: from the first of `searchFirst` folders (and their
 * parents) that has it, else from the project (the working directory and up), else from where
 * the CLI is installed (a global install sees packages installed globally next to it). A path
 * (`./my-plugin`) is taken from the working directory.
 */
export async function importFromProjectOrCli(name: string, cwd: string, searchFirst: string[] = []): Promise<unknown> {
  if (isPathLike(name)) {
    const file = resolveFromDirectory(name, cwd);
    if (!file) throw new LlmspellError('NOT_FOUND', `'${name}' does not exist (resolved to ${path.resolve(cwd, name)})`, { details: { path: path.resolve(cwd, name) } });
    return import(file);
  }
  for (const dir of [...searchFirst, cwd]) {
    const found = resolveFromDirectory(name, dir);
    if (found) return import(found);
  }
  return import(name);
}

/** How to get a package that is not installed, for a CLI installed globally or in a project. */
export function installHint(pkg: string): string {
  const hint = `install it next to the CLI (\`npm i -g ${pkg}\`) or in your project (\`npm i ${pkg}\`)`;
  // Until the packages are on the public registry, a source checkout installs them itself.
  return pkg.startsWith('@llmspell/') ? `${hint}; from a source checkout of llmspell: \`pnpm install-global ${pkg}\`` : hint;
}

/** What an ERR_MODULE_NOT_FOUND names as missing: a package name or a file path. */
function missingSpecifier(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null | undefined)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return undefined;
  return /Cannot find (?:package|module) '([^']+)'/.exec(String((error as Error).message))?.[1];
}

/** The package name in a bare specifier (`@scope/pkg/sub` → `@scope/pkg`). */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * The error to show when loading package `name` (for `why`) failed: not installed, one of its
 * dependencies not installed (named, instead of blaming the package), a file of it missing (a
 * plugin not built yet), or its own error.
 */
export function packageLoadError(error: unknown, name: string, why: string): LlmspellError {
  // Our own refusals (a path that is not there) and a plugin's own errors keep their code.
  if (isLlmspellError(error)) return new LlmspellError(error.code, `${why}: ${error.detail ?? error.message}`, { cause: error, details: { ...error.details, package: name } });
  const missing = missingSpecifier(error);
  const importer = /imported from (\S+)/.exec(String((error as Partial<Error> | null | undefined)?.message))?.[1];
  const from = importer ? ` (imported from ${importer})` : '';
  if (missing && (isPathLike(missing) || missing.startsWith('file:'))) {
    // The package was found but a file of it is not there: most often a plugin not built yet.
    return new LlmspellError('PACKAGE_NOT_INSTALLED', `${why}: '${name}' is incomplete: ${missing.startsWith('file:') ? fileURLToPath(missing) : missing} is missing; if it is a plugin you are writing, build it first (npm run build)`, {
      cause: error,
      details: { package: name, missing },
    });
  }
  if (missing && packageName(missing) === packageName(name)) {
    return new LlmspellError('PACKAGE_NOT_INSTALLED', `${why} needs the package '${name}': ${installHint(name)}`, { details: { package: name } });
  }
  if (missing) {
    const dependency = packageName(missing);
    return new LlmspellError('PACKAGE_NOT_INSTALLED', `${why}: '${name}' cannot load because its dependency '${dependency}' is not installed${from}; install it where '${name}' can find it (\`npm install\` in the plugin's folder, or \`npm i ${dependency}\` in your project)`, {
      cause: error,
      details: { package: name, dependency },
    });
  }
  return new LlmspellError('PACKAGE_NOT_INSTALLED', `${why}: loading '${name}' failed: ${(error as Partial<Error> | null | undefined)?.message ?? String(error)}`, { cause: error, details: { package: name } });
}

async function importPackage(name: string, why: string, cwd: string): Promise<Record<string, unknown>> {
  try {
    return (await importFromProjectOrCli(name, cwd)) as Record<string, unknown>;
  } catch (error) {
    throw packageLoadError(error, name, why);
  }
}

/**
 * The tools of a bundled package from the manifest built with the CLI: the package is
 * imported when one of its tools is first called (most runs use a few tools of one or two
 * packages, and importing all seven is a tenth of a cold start).
 */
function lazyPackageTools(name: string, entries: ToolManifestEntry[]): Tool[] {
  let loading: Promise<Map<string, Tool>> | undefined;
  const loadPackage = () => {
    loading ??= BUNDLED_TOOL_LOADERS[name]().then(
      (mod) => new Map(collectTools(mod as Record<string, unknown>).map((tool) => [tool.name, tool])),
      (error: unknown) => {
        loading = undefined;
        throw packageLoadError(error, name, 'a built-in tool');
      },
    );
    return loading;
  };
  const loadOne = async (toolName: string): Promise<Tool | undefined> => {
    const perTool = BUNDLED_TOOL_MODULE_LOADERS[name];
    const loaders = perTool ? await perTool().catch(() => undefined) : undefined;
    const loadTool = loaders && Object.hasOwn(loaders, toolName) ? loaders[toolName] : undefined;
    if (!loadTool) return (await loadPackage()).get(toolName);
    const tool = await loadTool().catch((error: unknown) => {
      throw packageLoadError(error, name, 'a built-in tool');
    });
    return isTool(tool) && tool.name === toolName ? tool : undefined;
  };
  return entries.map((entry) => defineLazyTool(entry, async () => {
    const tool = await loadOne(entry.name);
    if (!tool) throw new LlmspellError('INTERNAL', `${name} no longer has the tool '${entry.name}' the CLI's tool manifest lists (rebuild the CLI)`, { details: { tool: entry.name, package: name } });
    return tool;
  }));
}

/**
 * The tools for a run: every bundled package that is installed, the optional ones the
 * config lists under `[tools] packages`, and third-party plugins under `[tools] plugins`
 * (an npm package exporting `defineTool(...)` results, as default export, named exports
 * or arrays).
 */
export async function loadTools(config: { tools: { packages: string[]; plugins: string[] } }, cwd = process.cwd()): Promise<Tool[]> {
  const tools: Tool[] = [];
  const eager: string[] = [];
  for (const name of BUNDLED_TOOL_PACKAGES) {
    const entries = BUNDLED_TOOLS_MANIFEST[name];
    if (entries) tools.push(...lazyPackageTools(name, entries));
    else eager.push(name); // a package added to the CLI before the manifest was written again
  }
  const loaded = await Promise.all(eager.map((name) => BUNDLED_TOOL_LOADERS[name]().then((m) => m as Record<string, unknown>, () => undefined)));
  for (const mod of loaded) if (mod) tools.push(...collectTools(mod));
  for (const name of config.tools.packages) {
    tools.push(...collectTools(await importPackage(name, `[tools] packages`, cwd)));
  }
  for (const name of config.tools.plugins) {
    const mod = await importPackage(name, `the tool plugin listed in [tools] plugins`, cwd);
    const pluginTools = collectTools(mod);
    if (pluginTools.length === 0) {
      throw new LlmspellError('INVALID_ARGUMENT', `tool plugin '${name}' exports no tools (export defineTool(...) as default or named exports)`);
    }
    tools.push(...pluginTools);
  }
  return tools;
}
