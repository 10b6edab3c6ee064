import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import nodeModule from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { startMark } from './start-marks.js';

/**
 * The script host's entry on Node 20 (dist/host/script-host-cached.cjs): runs the host bundle
 * (dist/script-host.bundle.cjs, one CommonJS file) through V8's code cache. Node 20 keeps no
 * compiled code between runs (22 has module.enableCompileCache, which the CLI uses there), so
 * without this every run parses and compiles the host's modules again. The cache holds V8's
 * code for the bundle and for every function that ran in the run that wrote it.
 *
 * The cache lives in the user's own cache folder (never a shared /tmp one that another user
 * could plant code in; a folder or file that is not the user's alone is not used), one file
 * per bundle file, Node, V8 and flags. It is written once,
 * when missing or refused by V8 (a corrupt or stale file), atomically (a temporary file
 * renamed over it); anything that goes wrong with it (an unwritable folder, a short read) only
 * means no cache. `LLMSPELL_CODE_CACHE=0` turns it off.
 */

/** The folder of the cache, or undefined when it is turned off or no home can be found. */
export function codeCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.LLMSPELL_CODE_CACHE === '0') return undefined;
  // the same folder as runtime's userCacheDir, which the policy keeps every tool out of (this
  // small entry does not load the runtime): a relative XDG_CACHE_HOME is ignored, as XDG says
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : env.HOME ? path.join(env.HOME, '.cache') : safeHomedir();
  return base ? path.join(base, 'llmspell', 'code-cache') : undefined;
}

function safeHomedir(): string | undefined {
  try {
    return path.join(os.homedir(), '.cache');
  } catch {
    return undefined;
  }
}

/**
 * The cache file of one bundle. V8 checks its own version and flags and the source's length,
 * not the source itself, so the key names the file as it is on disk (path, size, modification
 * time, inode: an install or a rebuild changes them, as for Python's .pyc files; hashing 5 MB
 * of source would cost more than a tenth of what the cache saves) with Node, V8 and the flags.
 */
export function codeCacheFile(dir: string, bundle: string, stat: fs.Stats): string {
  const key = createHash('sha256')
    .update([bundle, stat.size, stat.mtimeMs, stat.ino, process.version, process.versions.v8, process.arch, process.execArgv.join(' ')].join('\0'))
    .digest('hex')
    .slice(0, 32);
  return path.join(dir, `${path.basename(bundle, '.cjs')}-${key}.bin`);
}

/** What scripts/bundle-host.mjs puts first in a bundle it checked to be all ASCII. */
const ASCII_MARK = Buffer.from('/*llmspell:ascii*/', 'latin1');
/** …and in one it also wrapped in WRAPPER_START…WRAPPER_END (wrapBundle): the file is the script V8 compiles. */
const WRAPPED_MARK = Buffer.from('/*llmspell:ascii,wrapped*/', 'latin1');

/** Node's CommonJS wrapper, with the bundle's import functions (all on the first line: line numbers hold). */
const WRAPPER_START = '(function (exports, require, module, __filename, __dirname, __llmspellImport, __llmspellImportMetaResolve) { ';
const WRAPPER_END = '\n})';

/**
 * The host bundle as the build writes it: marked, and already wrapped as the loader runs it.
 * The loader then compiles the file's text as it was read, one flat string. Wrapping it on each
 * start made V8 flatten the joined text into another 5 MB copy before its code-cache lookup:
 * 1.2k more page faults, which cost about 14 µs each on the VM of benchmarks/RESULTS.md (the
 * host's `bundle compiled` mark came 8–10 ms sooner without them).
 */
export function wrapBundle(asciiCode: string): string {
  return `${WRAPPED_MARK.toString('latin1')}${WRAPPER_START}${asciiCode}${WRAPPER_END}`;
}

/** The bundle's script text and what it is on disk, from one open file (so they match). */
function readBundle(bundle: string): { source: string; stat: fs.Stats } {
  const fd = fs.openSync(bundle, 'r');
  try {
    const stat = fs.fstatSync(fd);
    const bytes = fs.readFileSync(fd);
    if (startsWith(bytes, WRAPPED_MARK)) return { source: bytes.toString('latin1'), stat };
    // esbuild writes ASCII: as Latin-1 it decodes several times faster than as UTF-8. The build
    // marks a bundle it found all ASCII; an unmarked one is scanned.
    const ascii = startsWith(bytes, ASCII_MARK) || isAscii(bytes);
    return { source: `${WRAPPER_START}${ascii ? bytes.toString('latin1') : bytes.toString('utf8')}${WRAPPER_END}`, stat };
  } finally {
    fs.closeSync(fd);
  }
}

function startsWith(bytes: Buffer, mark: Buffer): boolean {
  return bytes.length >= mark.length && bytes.subarray(0, mark.length).equals(mark);
}

/**
 * Whether a path is the user's own and no one else can write it: compiled code read from a
 * folder another user can write (a cache home under a shared /tmp) would run as theirs.
 */
function ownedPrivately(file: string): boolean {
  if (typeof process.getuid !== 'function') return true;
  try {
    const stat = fs.lstatSync(file);
    return stat.uid === process.getuid() && (stat.mode & 0o022) === 0 && !stat.isSymbolicLink();
  } catch {
    return false;
  }
}

/** The cache folder as it may be used: made (private) if missing; undefined when it is not the user's alone. */
function usableCacheDir(dir: string | undefined): string | undefined {
  if (!dir) return undefined;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    return undefined;
  }
  return ownedPrivately(dir) ? dir : undefined;
}

/** The cache file's bytes, when it is the user's alone: checked on the open file itself (no link followed), so what is checked is what is read. */
function readCache(file: string | undefined): Buffer | undefined {
  if (!file) return undefined;
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || (typeof process.getuid === 'function' && (stat.uid !== process.getuid() || (stat.mode & 0o022) !== 0))) return undefined;
    return fs.readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes the file whole or not at all: a run reading it meanwhile sees the old one or none. */
function writeCache(file: string, data: Buffer): void {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    fs.writeFileSync(temp, data, { mode: 0o600 });
    fs.renameSync(temp, file);
  } catch {
    fs.rmSync(temp, { force: true });
  }
}

/** Set while a code cache is to be written: the script host calls it as it closes. */
export const WRITE_CODE_CACHE = Symbol.for('llmspell.cli.writeCodeCache');

/** Loads a CommonJS bundle as Node would, through the code cache in `cacheDir` when there is one. */
export function loadWithCodeCache(bundle: string, cacheDir: string | undefined): unknown {
  const { source, stat } = readBundle(bundle);
  const dir = usableCacheDir(cacheDir);
  const cacheFile = dir ? codeCacheFile(dir, bundle, stat) : undefined;
  const cachedData = readCache(cacheFile);
  const script = new vm.Script(source, { filename: bundle, cachedData });
  startMark(`host: bundle compiled (code cache ${cachedData ? (script.cachedDataRejected ? 'refused' : 'used') : 'absent'})`);
  if (cacheFile && (!cachedData || script.cachedDataRejected)) {
    // called by the host's setup as it closes (the supervisor kills the host once it has
    // closed), so the cache also holds the functions the run compiled
    (globalThis as Record<symbol, unknown>)[WRITE_CODE_CACHE] = () => {
      delete (globalThis as Record<symbol, unknown>)[WRITE_CODE_CACHE];
      writeCache(cacheFile, script.createCachedData());
    };
  }
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} as unknown, filename: bundle, id: bundle, loaded: false };
  const bundleUrl = pathToFileURL(bundle);
  // the bundle's import() calls (see routeDynamicImports in scripts/bundle-host.mjs), resolved as from the bundle
  const fromBundle = (specifier: string) => (/^\.\.?\//.test(specifier) ? new URL(specifier, bundleUrl).href : specifier);
  const importFromBundle = (specifier: string) => import(fromBundle(specifier));
  // import.meta.resolve of the bundle's modules: ES module resolution ("import" conditions);
  // the built entry is CommonJS, which has none (the bundle's one user falls back without it)
  const metaResolve = (import.meta as { resolve?: (specifier: string) => string }).resolve;
  const resolveFromBundle = metaResolve ? (specifier: string) => metaResolve(fromBundle(specifier)) : undefined;
  wrapper.call(module.exports, module.exports, nodeModule.createRequire(bundle), module, bundle, path.dirname(bundle), importFromBundle, resolveFromBundle);
  module.loaded = true;
  return module.exports;
}

/** The host bundle, beside the chunks (this file is dist/host/script-host-cached.cjs). */
export const HOST_BUNDLE = fileURLToPath(new URL('../script-host.bundle.cjs', import.meta.url));

// Run as the entry only (the tests import the functions above).
if (/script-host-cached\.c?js$/.test(fileURLToPath(import.meta.url))) {
  loadWithCodeCache(HOST_BUNDLE, codeCacheDir(process.env));
}
