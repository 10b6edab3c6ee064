import fs from 'node:fs';
import path from 'node:path';
import { LlmspellError } from '../errors.js';
import {
  type DescriptorGate, type FileOpenMode, type VerifiedFile, VerifiedDirectory, errnoOf, openVerifiedDirectory,
} from './verified-directory.js';

/** True when `child` is `root` or lies below it (both absolute and normalised). */
export function isInside(child: string, root: string): boolean {
  if (child === root) return true;
  const rel = path.relative(root, child);
  // `..notes` (a dotfile's temp name, say) is inside; only `..` itself and `../…` lead out
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/**
 * The real path of `p`: symlinks resolved for the part that exists, the rest appended. A
 * dangling symlink resolves to where it points, since a write through it would land there.
 */
export function realpathOfLongestExistingPrefix(p: string, depth = 0): string {
  let current = p;
  const rest: string[] = [];
  for (;;) {
    try {
      const real = fs.realpathSync.native(current);
      return rest.length ? path.join(real, ...rest.reverse()) : real;
    } catch {
      try {
        if (depth < 40 && fs.lstatSync(current).isSymbolicLink()) {
          const target = path.resolve(path.dirname(current), fs.readlinkSync(current));
          return realpathOfLongestExistingPrefix(rest.length ? path.join(target, ...rest.reverse()) : target, depth + 1);
        }
      } catch {
        // not there at all: fall through to the parent
      }
      const parent = path.dirname(current);
      if (parent === current) return p;
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

/**
 * /proc, /sys and /dev: not files but the host's processes and devices (/proc/self/environ
 * holds every secret of the environment, /dev/fd the open descriptors of this process).
 */
const KERNEL_TREES = ['/proc', '/sys', '/dev'];
/** Devices a tool may use under a root that holds /dev: sinks and sources of bytes, nothing more. */
const HARMLESS_DEVICES = new Set(['/dev/null', '/dev/zero', '/dev/random', '/dev/urandom', '/dev/full']);

/** The kernel tree a real path lies in, if any (Linux and other Unix layouts). */
function kernelTree(real: string): string | undefined {
  return process.platform === 'win32' ? undefined : KERNEL_TREES.find((tree) => isInside(real, tree));
}

/** `.env`, `.env.local`, `.envrc`…: files that conventionally hold secrets. */
export function isEnvFileName(name: string): boolean {
  return /^\.env/i.test(name);
}

export interface FileAccessOptions {
  cwd: string;
  /** Real paths of the allowed roots. */
  roots: string[];
  /** `runtime.security.allow_file_access`: false refuses every file a tool names. */
  enabled: boolean;
  /** Files no tool may read or write: the configs the runtime loaded (and would load). */
  protectedFiles: string[];
  /** Directories no tool may read or write anything in: the state store and its backups. */
  protectedDirs?: string[];
}

export interface LocateOptions {
  parameter?: string;
  /** Follow a symlink at the last component, checking every hop (default true). */
  followLinks?: boolean;
  /** Create missing parent directories (each one opened through its parent's descriptor). */
  createParents?: boolean;
}

/** A name inside a verified, open directory; `stat` is its lstat (undefined when absent). */
export interface LocatedEntry {
  dir: VerifiedDirectory;
  name: string;
  realPath: string;
  stat: fs.Stats | undefined;
}

const MAX_LINK_HOPS = 40;

/**
 * V8's longest string (2^29 - 24 code units): a whole-file read handed to a script as text can
 * be no longer, whatever the other limits say (past it the decode fails with a RangeError).
 */
export const MAX_WHOLE_READ_BYTES = 0x1fffffe8;

/**
 * Every file a tool touches goes through here: the path is checked against the allowed roots
 * and the deny list, then opened so that the object checked is the object used (see
 * `VerifiedDirectory`). Refusals are PATH_NOT_ALLOWED naming the parameter and the reason.
 */
export class FileAccess implements DescriptorGate {
  private readonly protectedSet: Set<string>;
  private readonly protectedDirs: string[];
  private scriptMemoryBytes: number | undefined;

  constructor(private readonly options: FileAccessOptions) {
    const real = (f: string) => realpathOfLongestExistingPrefix(path.resolve(options.cwd, f));
    this.protectedSet = new Set(options.protectedFiles.map(real));
    this.protectedDirs = [...new Set((options.protectedDirs ?? []).map(real))];
  }

  get protectedFiles(): readonly string[] {
    return [...this.protectedSet];
  }

  get enabled(): boolean {
    return this.options.enabled;
  }

  private refuse(message: string, details: Record<string, unknown>): LlmspellError {
    return new LlmspellError('PATH_NOT_ALLOWED', message, { details });
  }

  /** Throws when `runtime.security.allow_file_access = false`. */
  checkEnabled(parameter = 'path', input?: string): void {
    if (!this.options.enabled) {
      throw this.refuse(
        `parameter '${parameter}'${input ? ` (${input})` : ''}: file access is disabled (runtime.security.allow_file_access = false)`,
        { parameter, path: input, reason: 'file_access_disabled' },
      );
    }
  }

  insideRoots(real: string): boolean {
    const tree = kernelTree(real);
    // A kernel tree is granted only by a root inside it (say /dev/shm), never by `/` above it.
    return this.options.roots.some((root) => isInside(real, root) && (!tree || isInside(root, tree) || HARMLESS_DEVICES.has(real)));
  }

  private outside(input: string, real: string, parameter: string): LlmspellError {
    const tree = kernelTree(real);
    if (tree && this.options.roots.some((root) => isInside(real, root))) {
      return this.refuse(
        `parameter '${parameter}': ${input} resolves to ${real}, in ${tree}, the kernel's view of processes and devices (environments, memory, open files of this host); a root above it such as / does not grant it: allow a directory inside ${tree} by name in runtime.security.allowed_paths`,
        { parameter, path: input, resolved: real, reason: 'kernel_filesystem', allowed: [...this.options.roots] },
      );
    }
    return this.refuse(
      `parameter '${parameter}': ${input} resolves to ${real}, outside the allowed roots (${this.options.roots.join(', ')}); widen runtime.security.allowed_paths or LLMSPELL_ALLOWED_PATHS`,
      { parameter, path: input, resolved: real, allowed: [...this.options.roots] },
    );
  }

  /** Why `real` is protected, or undefined. `stat` (when given) also catches hard links to a protected file. */
  protectedReason(real: string, stat?: fs.Stats): string | undefined {
    // A directory named .env (a virtualenv, say) holds nothing secret by its name.
    if (isEnvFileName(path.basename(real)) && !stat?.isDirectory()) return 'a .env file';
    if (this.protectedSet.has(real)) return 'a configuration file of this runtime';
    // The state database (with its -wal and -shm files) and backups: a script reaches state only through State.
    const dir = this.protectedDirs.find((d) => isInside(real, d));
    if (dir) return `part of this runtime's state store (${dir})`;
    if (stat?.isFile() && stat.nlink > 1) {
      for (const p of this.protectedSet) {
        try {
          const ps = fs.statSync(p);
          if (ps.dev === stat.dev && ps.ino === stat.ino) return `a hard link to the configuration file ${p}`;
        } catch {
          // not there: nothing to compare
        }
      }
    }
    return undefined;
  }

  private checkProtected(real: string, display: string, stat?: fs.Stats, parameter?: string): void {
    const why = this.protectedReason(real, stat);
    if (why) {
      const where = parameter ? `parameter '${parameter}': ` : '';
      throw this.refuse(`${where}${display} is ${why}; tools may not read or write it`, { parameter, path: display, resolved: real, reason: 'protected_file' });
    }
  }

  /** Path-only check (symlinks and `..` resolved): the real path, or PATH_NOT_ALLOWED. */
  resolve(input: string, parameter = 'path'): string {
    if (typeof input !== 'string' || input.length === 0) {
      throw new LlmspellError('INVALID_ARGUMENT', `parameter '${parameter}' must be a non-empty path`);
    }
    this.checkEnabled(parameter, input);
    if (input.includes('\0')) throw this.refuse(`parameter '${parameter}' contains a NUL byte`, { parameter });
    const absolute = path.resolve(this.options.cwd, input);
    // /dev/fd/N and /proc/self/fd/N resolve to whatever this process has open: judge the name too.
    if (kernelTree(absolute) && !this.insideRoots(absolute)) throw this.outside(input, absolute, parameter);
    const real = realpathOfLongestExistingPrefix(absolute);
    if (!this.insideRoots(real)) throw this.outside(input, real, parameter);
    this.checkProtected(real, input, fs.statSync(real, { throwIfNoEntry: false }), parameter);
    return real;
  }

  // DescriptorGate: applied to every descriptor a VerifiedDirectory opens.
  checkDirectory(real: string, _stat: fs.Stats, display: string): void {
    if (!this.insideRoots(real)) throw this.outside(display, real, 'path');
  }

  checkFile(real: string, stat: fs.Stats, display: string): void {
    if (!this.insideRoots(real)) throw this.outside(display, real, 'path');
    this.checkProtected(real, display, stat);
  }

  checkWritableName(dirReal: string, name: string, display: string): void {
    const real = path.join(dirReal, name);
    if (!this.insideRoots(real)) throw this.outside(display, real, 'path');
    this.checkProtected(real, display);
  }

  /**
   * Opens the directory `input` names (checked, then verified through its descriptor). With
   * `create`, missing components are made one by one, each opened through its parent without
   * following links; a missing allowed root is created the same way from its nearest ancestor.
   */
  async openDirectory(input: string, options: { parameter?: string; create?: boolean } = {}): Promise<VerifiedDirectory> {
    const parameter = options.parameter ?? 'path';
    const real = this.resolve(input, parameter);
    const missing: string[] = [];
    let existing = real;
    while (!fs.existsSync(existing)) {
      const parent = path.dirname(existing);
      if (parent === existing) break;
      missing.unshift(path.basename(existing));
      existing = parent;
    }
    if (missing.length > 0 && !options.create) {
      throw new LlmspellError('NOT_FOUND', `${input}: no such file or directory`, { details: { parameter, path: input } });
    }
    // Passing through an ancestor of a root is allowed only on the way to `real`, which is inside.
    const gate: DescriptorGate = this.insideRoots(existing) ? this : transitGate(this, real);
    let dir: VerifiedDirectory;
    try {
      dir = await openVerifiedDirectory(existing, existing, gate, 0);
    } catch (error) {
      throw this.mapOpenError(error, input, parameter);
    }
    if (missing.length === 0) return dir;
    try {
      return await dir.openPath(missing, { create: true });
    } catch (error) {
      throw this.mapOpenError(error, input, parameter);
    } finally {
      await dir.close();
    }
  }

  /** Refuses an operation on an allowed root itself (deleting, moving or replacing it). */
  /** A root is a directory: naming it where a file is expected is a bad argument, not a refusal. */
  private checkNotRootFile(input: string, parameter: string): void {
    if (this.options.roots.includes(this.resolve(input, parameter))) {
      throw new LlmspellError('INVALID_ARGUMENT', `${input}: is a directory`, { details: { parameter, path: input } });
    }
  }

  private checkNotRoot(real: string, input: string, parameter: string): void {
    if (this.options.roots.includes(real)) {
      throw this.refuse(`parameter '${parameter}': ${input} is an allowed root directory and cannot be used as a file name here`, {
        parameter, path: input, reason: 'allowed_root',
      });
    }
  }

  /**
   * Finds what `input` names: its parent directory open and verified, and the last component
   * as a name inside it. A symlink at the end is followed (unless `followLinks` is false) by
   * reading it and locating its target the same way, so every hop is checked against the roots;
   * without following, the link itself is the entry (to delete or move it).
   */
  async locate(input: string, options: LocateOptions = {}): Promise<LocatedEntry> {
    const parameter = options.parameter ?? 'path';
    const follow = options.followLinks !== false;
    let absolute = path.resolve(this.options.cwd, input);
    // The early, path-only check gives the clearest message; the descriptors below decide.
    if (follow) this.resolve(input, parameter);
    else this.resolve(path.dirname(absolute), parameter);
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop += 1) {
      const name = path.basename(absolute);
      const parent = path.dirname(absolute);
      if (parent === absolute || name === '') throw this.refuse(`parameter '${parameter}': ${input} names the file system root`, { parameter, path: input });
      this.checkNotRoot(path.join(realpathOfLongestExistingPrefix(parent), name), input, parameter);
      const dir = await this.openDirectory(parent, { parameter, create: options.createParents });
      let keep = false;
      try {
        const realPath = dir.display(name);
        this.checkNotRoot(realPath, input, parameter);
        if (!this.insideRoots(realPath)) throw this.outside(input, realPath, parameter);
        const stat = await dir.lstat(name);
        if (stat?.isSymbolicLink() && follow) {
          absolute = path.resolve(dir.realPath, await dir.readlink(name));
          continue;
        }
        this.checkProtected(realPath, input, stat, parameter);
        keep = true;
        return { dir, name, realPath, stat };
      } finally {
        if (!keep) await dir.close();
      }
    }
    throw this.refuse(`parameter '${parameter}': ${input}: more than ${MAX_LINK_HOPS} symbolic links`, { parameter, path: input });
  }

  /**
   * Stats what `input` names, following links through checked hops. `isLink` tells whether
   * `input` itself is a symlink. Works on an allowed root too.
   */
  async stat(input: string, options: { parameter?: string } = {}): Promise<{ realPath: string; stat: fs.Stats; isLink: boolean }> {
    const parameter = options.parameter ?? 'path';
    const real = this.resolve(input, parameter);
    if (this.options.roots.includes(real)) {
      const dir = await this.openDirectory(input, { parameter });
      try {
        return { realPath: dir.realPath, stat: await fs.promises.stat(dir.self()), isLink: false };
      } finally {
        await dir.close();
      }
    }
    const own = await this.locate(input, { parameter, followLinks: false });
    const isLink = own.stat?.isSymbolicLink() ?? false;
    await own.dir.close();
    const entry = isLink ? await this.locate(input, { parameter }) : own;
    try {
      if (!entry.stat) throw new LlmspellError('NOT_FOUND', `${input}: no such file or directory`, { details: { parameter, path: input } });
      return { realPath: entry.realPath, stat: entry.stat, isLink };
    } finally {
      if (entry !== own) await entry.dir.close();
    }
  }

  /** Opens a regular file through `locate` (see `VerifiedDirectory.openFile` for the modes). */
  async openFile(input: string, options: LocateOptions & { mode?: FileOpenMode; fileMode?: number } = {}): Promise<VerifiedFile> {
    const mode = options.mode ?? 'read';
    const parameter = options.parameter ?? 'path';
    this.checkNotRootFile(input, parameter);
    const entry = await this.locate(input, { ...options, createParents: mode !== 'read' && options.createParents });
    try {
      if (mode === 'read' && !entry.stat) throw new LlmspellError('NOT_FOUND', `${input}: no such file`, { details: { parameter, path: input } });
      return await entry.dir.openFile(entry.name, mode, options.fileMode);
    } catch (error) {
      throw this.mapOpenError(error, input, parameter);
    } finally {
      await entry.dir.close();
    }
  }

  /**
   * The memory limit of the scripts this policy serves (the runtime sets it). A whole-file read
   * lands in the host's heap, which is sized from this limit, and its content is meant for the
   * script: `readFile` refuses a file larger than the script could hold, whatever
   * `max_file_bytes` allows, instead of running the host out of memory.
   */
  setScriptMemoryLimit(bytes: number | undefined): void {
    this.scriptMemoryBytes = bytes !== undefined && Number.isFinite(bytes) && bytes > 0 ? bytes : undefined;
  }

  /**
   * The cap of a whole-file read: the smallest of `maxBytes`, the script's memory limit and V8's
   * string limit, with what to raise when it is not `maxBytes` itself.
   */
  wholeReadLimit(maxBytes: number): { limit: number; setting?: string } {
    let limit = maxBytes;
    let setting: string | undefined;
    if (this.scriptMemoryBytes !== undefined && this.scriptMemoryBytes < limit) {
      limit = this.scriptMemoryBytes;
      setting = "the script's memory limit, --max-memory or runtime.security.max_memory_bytes: the whole file would be held in the script's memory";
    }
    if (MAX_WHOLE_READ_BYTES < limit) {
      limit = MAX_WHOLE_READ_BYTES;
      setting = 'the longest text a script can be given';
    }
    return { limit, setting };
  }

  /**
   * Reads a whole file, refusing files over `maxBytes` (and over what a script could hold, see
   * `wholeReadLimit`); the read is capped too, so a growing file cannot slip past.
   */
  async readFile(input: string, options: LocateOptions & { maxBytes: number }): Promise<{ data: Buffer; realPath: string }> {
    const parameter = options.parameter ?? 'path';
    const { limit, setting } = this.wholeReadLimit(options.maxBytes);
    const file = await this.openFile(input, { ...options, mode: 'read' });
    try {
      return { data: await readCapped(file, limit, input, { parameter, setting }), realPath: file.realPath };
    } finally {
      await file.close();
    }
  }

  /**
   * Writes a file atomically (temp file and rename, both inside the verified parent). A symlink
   * at `input` is followed to its (checked) target, so the link keeps pointing at the new content.
   */
  async writeFile(input: string, data: Buffer | Uint8Array, options: LocateOptions & { fileMode?: number; fsync?: boolean; maxBytes?: number } = {}): Promise<{ realPath: string; bytes: number }> {
    const parameter = options.parameter ?? 'path';
    if (options.maxBytes !== undefined && data.length > options.maxBytes) {
      throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `content for ${input} is ${data.length} bytes, over the limit of ${options.maxBytes} bytes`, {
        details: { bytes: data.length, limit: options.maxBytes },
      });
    }
    this.checkNotRootFile(input, parameter);
    const entry = await this.locate(input, options);
    try {
      if (entry.stat?.isDirectory()) throw new LlmspellError('INVALID_ARGUMENT', `${input}: is a directory`, { details: { parameter, path: input } });
      const mode = options.fileMode ?? (entry.stat?.isFile() ? entry.stat.mode & 0o7777 : 0o666);
      await entry.dir.writeAtomic(entry.name, data, { mode, fsync: options.fsync });
      return { realPath: entry.realPath, bytes: data.length };
    } catch (error) {
      throw this.mapOpenError(error, input, parameter);
    } finally {
      await entry.dir.close();
    }
  }

  /** Makes a directory (with `recursive`, its missing parents too). Existing directories are fine. */
  async mkdir(input: string, options: { parameter?: string; recursive?: boolean } = {}): Promise<{ realPath: string; created: boolean }> {
    const parameter = options.parameter ?? 'path';
    const real = this.resolve(input, parameter);
    if (this.options.roots.includes(real)) return { realPath: real, created: false };
    const entry = await this.locate(input, { parameter, createParents: options.recursive });
    try {
      if (entry.stat?.isDirectory()) return { realPath: entry.realPath, created: false };
      if (entry.stat) throw new LlmspellError('ALREADY_EXISTS', `${input}: already exists and is not a directory`, { details: { parameter, path: input } });
      await entry.dir.mkdir(entry.name);
      return { realPath: entry.realPath, created: true };
    } catch (error) {
      throw this.mapOpenError(error, input, parameter);
    } finally {
      await entry.dir.close();
    }
  }

  /** Node errors become coded errors naming the user's path; ours pass through. */
  mapOpenError(error: unknown, input: string, parameter: string): LlmspellError {
    if (error instanceof LlmspellError) return error;
    const details = { parameter, path: input };
    switch (errnoOf(error)) {
      case 'ENOENT':
        return new LlmspellError('NOT_FOUND', `${input}: no such file or directory`, { details, cause: error });
      case 'EEXIST':
        return new LlmspellError('ALREADY_EXISTS', `${input}: already exists`, { details, cause: error });
      case 'ELOOP':
        return this.refuse(`${input}: a symbolic link appeared where a file or directory was checked; refused`, { ...details, reason: 'link_swapped' });
      case 'ENOTDIR':
        return new LlmspellError('INVALID_ARGUMENT', `${input}: not a directory`, { details, cause: error });
      case 'EISDIR':
        return new LlmspellError('INVALID_ARGUMENT', `${input}: is a directory`, { details, cause: error });
      case 'ENOTEMPTY':
        return new LlmspellError('IO_ERROR', `${input}: directory not empty`, { details, cause: error });
      case 'EACCES':
      case 'EPERM':
        return new LlmspellError('IO_ERROR', `${input}: permission denied`, { details, cause: error });
      default:
        return new LlmspellError('IO_ERROR', `${input}: ${(error as Partial<Error> | null | undefined)?.message ?? String(error)}`, { details, cause: error });
    }
  }
}

/** A gate that also lets directories on the way to `target` (an ancestor of an allowed root) be opened. */
function transitGate(base: FileAccess, target: string): DescriptorGate {
  return {
    checkDirectory: (real, stat, display) => {
      if (!isInside(target, real)) base.checkDirectory(real, stat, display);
    },
    checkFile: (real, stat, display) => base.checkFile(real, stat, display),
    checkWritableName: (dirReal, name, display) => {
      if (!isInside(target, path.join(dirReal, name))) base.checkWritableName(dirReal, name, display);
    },
  };
}

/**
 * Reads an open file to its end, refusing more than `limit` bytes. `parameter` and `setting`
 * (what sets the limit) are named in the refusal when given.
 */
export async function readCapped(file: VerifiedFile, limit: number, display: string, about: { parameter?: string; setting?: string } = {}): Promise<Buffer> {
  const where = about.parameter ? `parameter '${about.parameter}': ` : '';
  const why = about.setting ? ` (${about.setting})` : '';
  const tooBig = (bytes: number) =>
    new LlmspellError('SIZE_LIMIT_EXCEEDED', `${where}file ${display} is ${bytes} bytes, over the limit of ${limit} bytes${why}`, {
      details: { bytes, limit, ...(about.parameter ? { parameter: about.parameter } : {}) },
    });
  if (file.stat.size > limit) throw tooBig(file.stat.size);
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.allocUnsafe(Math.min(Math.max(file.stat.size, 1), 1 << 20) + 1);
  for (;;) {
    const { bytesRead } = await file.handle.read(buf, 0, buf.length, null);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > limit) throw tooBig(total);
    chunks.push(Buffer.from(buf.subarray(0, bytesRead)));
  }
  return Buffer.concat(chunks, total);
}
