import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
// fs.promises, not node:fs/promises: Node loads it on first use, not with every host's start
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { LlmspellError } from '../errors.js';

const C = fs.constants;
// Node types every flag as present, but Windows lacks these three.
const optionalFlags: Partial<Pick<typeof C, 'O_NOFOLLOW' | 'O_DIRECTORY' | 'O_NONBLOCK'>> = C;
/** Open flags; 0 where the platform lacks them (Windows), which only weakens the fallback path. */
export const O_NOFOLLOW = optionalFlags.O_NOFOLLOW ?? 0;
export const O_DIRECTORY = optionalFlags.O_DIRECTORY ?? 0;
export const O_NONBLOCK = optionalFlags.O_NONBLOCK ?? 0;

let descriptorPaths: boolean | undefined;

/**
 * True where `/proc/self/fd/N` names open descriptors (Linux). Then every name a tool uses is
 * resolved by the kernel through a directory descriptor that was verified once, so swapping a
 * directory on the path for a link afterwards changes nothing. Elsewhere each use re-checks
 * that the directory's path still names the same directory (device and inode).
 */
export function hasDescriptorPaths(): boolean {
  if (descriptorPaths === undefined) {
    descriptorPaths = false;
    try {
      const fd = fs.openSync('/', C.O_RDONLY);
      try {
        descriptorPaths = fs.readlinkSync(`/proc/self/fd/${fd}`) === '/';
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      descriptorPaths = false;
    }
  }
  return descriptorPaths;
}

/** The path the kernel reports for an open descriptor, or undefined without `/proc`. */
export function descriptorPath(fd: number): string | undefined {
  return hasDescriptorPaths() ? fs.readlinkSync(`/proc/self/fd/${fd}`) : undefined;
}

export function errnoOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as NodeJS.ErrnoException).code : undefined;
}

/** A single path component; anything else would let a name walk out of its directory. */
function checkName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0') || (path.sep === '\\' && name.includes('\\'))) {
    throw new LlmspellError('PATH_NOT_ALLOWED', `'${name}' is not a single file name`, { details: { name } });
  }
}

/**
 * What the policy checks on every descriptor a directory hands out. `VerifiedDirectory` calls
 * it, so code holding a directory cannot open around the deny list or the roots.
 */
export interface DescriptorGate {
  /** Throws unless the opened directory (real path `real`) may be used. */
  checkDirectory(real: string, stat: fs.Stats, display: string): void;
  /** Throws unless the opened file may be used (roots, protected files). */
  checkFile(real: string, stat: fs.Stats, display: string): void;
  /** Throws unless `name` may be created, replaced, renamed or removed in directory `dirReal`. */
  checkWritableName(dirReal: string, name: string, display: string): void;
}

export type FileOpenMode = 'read' | 'write' | 'append' | 'create';

const OPEN_FLAGS: Record<FileOpenMode, number> = {
  read: C.O_RDONLY | O_NONBLOCK,
  // No O_TRUNC: a file is emptied only after its descriptor is verified.
  write: C.O_WRONLY | C.O_CREAT,
  append: C.O_WRONLY | C.O_APPEND | C.O_CREAT,
  create: C.O_WRONLY | C.O_CREAT | C.O_EXCL,
};

/** An open, verified regular file. Close it when done. */
export interface VerifiedFile {
  readonly handle: FileHandle;
  /** Where the file really is (the descriptor's path). */
  readonly realPath: string;
  /** The descriptor's stat at open time. */
  readonly stat: fs.Stats;
  close(): Promise<void>;
}

/**
 * A directory held open by descriptor and verified inside the allowed roots. Names inside it
 * are reached through the descriptor (`entry`), never by re-walking the path, and are opened
 * with O_NOFOLLOW: nothing done through it can step through a link planted after the check.
 */
export class VerifiedDirectory {
  private closed = false;

  constructor(
    private readonly handle: FileHandle,
    /** The directory's real path when it was verified. */
    readonly realPath: string,
    private readonly identity: { dev: number; ino: number },
    private readonly gate: DescriptorGate,
  ) {}

  get fd(): number {
    return this.handle.fd;
  }

  /** The directory itself, as a path resolved through the descriptor. */
  self(): string {
    if (hasDescriptorPaths()) return `/proc/self/fd/${this.handle.fd}`;
    this.recheck();
    return this.realPath;
  }

  /** `name` inside exactly this directory, whatever happened to its path since it was opened. */
  entry(name: string): string {
    checkName(name);
    if (hasDescriptorPaths()) return `/proc/self/fd/${this.handle.fd}/${name}`;
    this.recheck();
    return path.join(this.realPath, name);
  }

  /** For messages and results: the real path `name` has inside this directory. */
  display(name: string): string {
    return path.join(this.realPath, name);
  }

  private recheck(): void {
    if (this.closed) throw new LlmspellError('INTERNAL', `directory ${this.realPath} used after close`);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(this.realPath);
    } catch (error) {
      throw new LlmspellError('PATH_NOT_ALLOWED', `${this.realPath} changed while in use (${errnoOf(error) ?? 'gone'}); refused`, { cause: error });
    }
    if (!st.isDirectory() || st.dev !== this.identity.dev || st.ino !== this.identity.ino) {
      throw new LlmspellError('PATH_NOT_ALLOWED', `${this.realPath} was replaced while in use; refused`, { details: { path: this.realPath } });
    }
  }

  async lstat(name: string): Promise<fs.Stats | undefined> {
    try {
      return await fs.promises.lstat(this.entry(name));
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return undefined;
      throw error;
    }
  }

  async readdir(): Promise<fs.Dirent[]> {
    return fs.promises.readdir(this.self(), { withFileTypes: true });
  }

  async readlink(name: string): Promise<string> {
    return fs.promises.readlink(this.entry(name));
  }

  /** Opens the child directory `name` without following a link; `create` makes it first when missing. */
  async openDirectory(name: string, options: { create?: boolean; mode?: number } = {}): Promise<VerifiedDirectory> {
    const target = this.entry(name);
    if (options.create) {
      this.gate.checkWritableName(this.realPath, name, this.display(name));
      try {
        await fs.promises.mkdir(target, options.mode ?? 0o777);
      } catch (error) {
        if (errnoOf(error) !== 'EEXIST') throw error;
      }
    }
    try {
      return await openVerifiedDirectory(target, this.display(name), this.gate, O_NOFOLLOW);
    } catch (error) {
      const code = errnoOf(error);
      if ((code === 'ELOOP' || code === 'ENOTDIR') && (await this.lstat(name))?.isSymbolicLink()) {
        throw new LlmspellError('PATH_NOT_ALLOWED', `${this.display(name)} is a symbolic link where a directory is used; links are not followed here`, {
          details: { path: this.display(name), reason: 'symlink_not_followed' },
        });
      }
      throw error;
    }
  }

  /** Opens (and with `create` makes) a chain of child directories, one component at a time. */
  async openPath(parts: readonly string[], options: { create?: boolean } = {}): Promise<VerifiedDirectory> {
    let current: VerifiedDirectory = this;
    for (const part of parts) {
      const next: VerifiedDirectory = await current.openDirectory(part, options).finally(() => (current !== this ? current.close() : undefined));
      current = next;
    }
    if (current === this) return this.duplicate();
    return current;
  }

  /** A second, independently closable handle on the same directory. */
  async duplicate(): Promise<VerifiedDirectory> {
    return openVerifiedDirectory(this.self(), this.realPath, this.gate, 0);
  }

  /**
   * Opens the file `name` (never through a link): `read` an existing file, `write` creates or
   * empties it once verified, `append` creates or appends, `create` only a new one.
   */
  async openFile(name: string, mode: FileOpenMode = 'read', fileMode = 0o666): Promise<VerifiedFile> {
    const display = this.display(name);
    if (mode !== 'read') this.gate.checkWritableName(this.realPath, name, display);
    const handle = await fs.promises.open(this.entry(name), OPEN_FLAGS[mode] | O_NOFOLLOW, fileMode);
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) {
        throw new LlmspellError('INVALID_ARGUMENT', `${display} is ${stat.isDirectory() ? 'a directory' : 'not a regular file'}`, { details: { path: display } });
      }
      const real = verifiedRealPath(handle.fd, display, stat);
      this.gate.checkFile(real, stat, display);
      if (mode === 'write' && stat.size > 0) await handle.truncate(0);
      return { handle, realPath: real, stat, close: () => handle.close() };
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  /** Writes `name` atomically: a temp file beside it, then a rename over it (an old file stays intact on failure). */
  async writeAtomic(name: string, data: Buffer | Uint8Array, options: { mode?: number; fsync?: boolean } = {}): Promise<void> {
    const tmp = tempName(name);
    const file = await this.openFile(tmp, 'create', options.mode ?? 0o666);
    try {
      try {
        await file.handle.writeFile(data);
        // The rename alone keeps the old file intact on failure; fsync adds power-loss durability.
        if (options.fsync) await file.handle.sync();
      } finally {
        await file.close();
      }
      await this.renameTo(tmp, this, name);
    } catch (error) {
      await fs.promises.unlink(this.entry(tmp)).catch(() => undefined);
      throw error;
    }
  }

  /** Renames `name` here to `toName` in `to` (both resolved through their descriptors). */
  async renameTo(name: string, to: VerifiedDirectory, toName: string): Promise<void> {
    this.gate.checkWritableName(this.realPath, name, this.display(name));
    this.gate.checkWritableName(to.realPath, toName, to.display(toName));
    await fs.promises.rename(this.entry(name), to.entry(toName));
  }

  async mkdir(name: string, mode = 0o777): Promise<void> {
    this.gate.checkWritableName(this.realPath, name, this.display(name));
    await fs.promises.mkdir(this.entry(name), mode);
  }

  async unlink(name: string): Promise<void> {
    this.gate.checkWritableName(this.realPath, name, this.display(name));
    await fs.promises.unlink(this.entry(name));
  }

  async rmdir(name: string): Promise<void> {
    this.gate.checkWritableName(this.realPath, name, this.display(name));
    await fs.promises.rmdir(this.entry(name));
  }

  async symlink(target: string, name: string): Promise<void> {
    this.gate.checkWritableName(this.realPath, name, this.display(name));
    await fs.promises.symlink(target, this.entry(name));
  }

  /**
   * Removes `name` and, for a directory, everything below it. Each level is opened through its
   * parent's descriptor without following links, so a directory swapped for a link halfway
   * through cannot redirect the removal outside.
   */
  async removeTree(name: string, signal?: AbortSignal): Promise<void> {
    const st = await fs.promises.lstat(this.entry(name));
    if (!st.isDirectory()) {
      await this.unlink(name);
      return;
    }
    const child = await this.openDirectory(name);
    try {
      for (const e of await child.readdir()) {
        if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new LlmspellError('CANCELLED', 'removal cancelled');
        await child.removeTree(e.name, signal);
      }
    } finally {
      await child.close();
    }
    await this.rmdir(name);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}

/** A temp sibling name, bounded so a long name cannot push it past NAME_MAX. */
export function tempName(name: string): string {
  return `.${name.slice(0, 100)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

/**
 * The real path of an open descriptor. With `/proc` it is what the kernel says; elsewhere the
 * expected path is accepted only if it still names the very same object (device and inode).
 */
export function verifiedRealPath(fd: number, expected: string, stat: fs.Stats): string {
  if (stat.nlink === 0) {
    throw new LlmspellError('NOT_FOUND', `${expected} was removed while being opened`, { details: { path: expected } });
  }
  const real = descriptorPath(fd);
  if (real !== undefined) return real;
  let now: fs.Stats;
  try {
    now = fs.lstatSync(expected);
  } catch (error) {
    throw new LlmspellError('PATH_NOT_ALLOWED', `${expected} changed while being opened; refused`, { cause: error });
  }
  if (now.dev !== stat.dev || now.ino !== stat.ino) {
    throw new LlmspellError('PATH_NOT_ALLOWED', `${expected} changed while being opened; refused`, { details: { path: expected } });
  }
  return expected;
}

/** Opens a directory by `target` (a plain or descriptor path), verifies the descriptor, and wraps it. */
export async function openVerifiedDirectory(target: string, display: string, gate: DescriptorGate, extraFlags: number, expectedReal = display): Promise<VerifiedDirectory> {
  const handle = await fs.promises.open(target, C.O_RDONLY | O_DIRECTORY | extraFlags);
  try {
    const stat = await handle.stat();
    if (!stat.isDirectory()) {
      const error = new Error(`${display}: not a directory`) as NodeJS.ErrnoException;
      error.code = 'ENOTDIR';
      throw error;
    }
    const real = verifiedRealPath(handle.fd, expectedReal, stat);
    gate.checkDirectory(real, stat, display);
    return new VerifiedDirectory(handle, real, { dev: stat.dev, ino: stat.ino }, gate);
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/**
 * A readable stream over an open file that never closes it (its owner does). `fs` streams on a
 * descriptor number close it when destroyed, and the number may then be reused by another open.
 * `end` is inclusive, as in `fs.createReadStream`.
 */
export function handleReadStream(handle: FileHandle, options: { start?: number; end?: number } = {}): Readable {
  let position = options.start ?? 0;
  const end = options.end ?? Number.POSITIVE_INFINITY;
  return new Readable({
    highWaterMark: 1 << 16,
    read(size) {
      const want = Math.min(size, end - position + 1);
      if (want <= 0) {
        this.push(null);
        return;
      }
      const buf = Buffer.allocUnsafe(want);
      handle.read(buf, 0, want, position).then(({ bytesRead }) => {
        position += bytesRead;
        this.push(bytesRead === 0 ? null : buf.subarray(0, bytesRead));
      }, (error: Error) => this.destroy(error));
    },
  });
}

/** A writable stream into an open file that never closes it (its owner does). */
export function handleWriteStream(handle: FileHandle): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      handle.write(chunk).then(() => callback(), callback);
    },
  });
}
