import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { type ExecutionContext, LlmspellError, toLlmspellError } from '@llmspell/core';

export { emptyTableAsList, missingParameter as missing, normaliseOperation } from '@llmspell/core';

/** True when `child` is `root` or lies below it (both already resolved). */
export function isInside(child: string, root: string): boolean {
  if (child === root) return true;
  const rel = path.relative(root, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** The per-file size cap: the policy's limit, lowered by a tool setting `max_file_size` if given. */
export function maxFileBytes(ctx: ExecutionContext): number {
  const setting = ctx.settings.max_file_size;
  const limit = ctx.policy.maxFileBytes;
  return typeof setting === 'number' && setting > 0 ? Math.min(setting, limit) : limit;
}

export function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as NodeJS.ErrnoException).code : undefined;
}

/** Maps a node fs error to an LlmspellError with a stable code and the user's path. */
export function fsError(error: unknown, what: string): LlmspellError {
  switch (errnoCode(error)) {
    case 'ENOENT':
      return new LlmspellError('NOT_FOUND', `${what}: no such file or directory`, { cause: error });
    case 'EEXIST':
      return new LlmspellError('ALREADY_EXISTS', `${what}: already exists`, { cause: error });
    case 'ENOTEMPTY':
      return new LlmspellError('IO_ERROR', `${what}: directory not empty (use recursive = true)`, { cause: error });
    case 'EACCES':
    case 'EPERM':
      return new LlmspellError('IO_ERROR', `${what}: permission denied`, { cause: error });
    case 'EISDIR':
      return new LlmspellError('INVALID_ARGUMENT', `${what}: is a directory`, { cause: error });
    case 'ENOTDIR':
      return new LlmspellError('INVALID_ARGUMENT', `${what}: not a directory`, { cause: error });
    default:
      return toLlmspellError(error, 'IO_ERROR', what);
  }
}

/** Runs an fs action, turning node errors into LlmspellErrors that name `what`. */
export async function io<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw fsError(error, what);
  }
}

/**
 * Reads a whole file, refusing files over `limit` bytes. The read itself is capped too,
 * so a file that grows between the stat and the read cannot slip past the limit.
 */
export async function readFileLimited(real: string, limit: number, ctx: ExecutionContext, display = real): Promise<Buffer> {
  const handle = await io(display, () => fsp.open(real, 'r'));
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw new LlmspellError('INVALID_ARGUMENT', `${display} is a directory, not a file`);
    ctx.policy.checkSize(`file ${display}`, st.size, limit);
    const chunks: Buffer[] = [];
    let total = 0;
    const buf = Buffer.allocUnsafe(Math.min(Math.max(st.size, 1), 1 << 20) + 1);
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      ctx.policy.checkSize(`file ${display}`, total, limit);
      chunks.push(Buffer.from(buf.subarray(0, bytesRead)));
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

/** A unique sibling name for a temp file, so the final rename stays on one file system. */
export function tempSibling(real: string): string {
  return path.join(path.dirname(real), `.${path.basename(real)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Writes atomically: the data goes to a temp file in the same directory which is then
 * renamed over the target, so a failed write leaves the old file intact. The size is
 * checked against the limit before anything is written.
 */
export async function atomicWrite(
  real: string,
  data: Buffer | string,
  ctx: ExecutionContext,
  display = real,
  options: { createParents?: boolean; mode?: number } = {},
): Promise<number> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  ctx.policy.checkSize(`content for ${display}`, bytes.length, maxFileBytes(ctx));
  if (options.createParents) await io(path.dirname(display), () => fsp.mkdir(path.dirname(real), { recursive: true }));
  let mode = options.mode;
  if (mode === undefined) {
    try {
      mode = (await fsp.stat(real)).mode & 0o7777;
    } catch {
      mode = undefined;
    }
  }
  const tmp = tempSibling(real);
  try {
    await io(display, async () => {
      const handle = await fsp.open(tmp, 'wx', mode ?? 0o666);
      try {
        await handle.writeFile(bytes);
        // The rename alone keeps the old file intact on failure; fsync adds power-loss durability.
        if (ctx.settings.fsync === true) await handle.sync();
      } finally {
        await handle.close();
      }
    });
    await io(display, () => fsp.rename(tmp, real));
  } catch (error) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
  return bytes.length;
}

/** Renames `from` into `to`; when they sit on different devices, copies then removes. */
export async function renameOrCopy(from: string, to: string): Promise<void> {
  try {
    await fsp.rename(from, to);
  } catch (error) {
    if (errnoCode(error) !== 'EXDEV') throw error;
    await fsp.cp(from, to, { recursive: true, errorOnExist: false, force: true, verbatimSymlinks: true });
    await fsp.rm(from, { recursive: true, force: true });
  }
}

export function throwIfAborted(ctx: ExecutionContext, what: string): void {
  if (ctx.signal.aborted) {
    const reason = ctx.signal.reason;
    if (reason instanceof LlmspellError) throw reason;
    throw new LlmspellError('CANCELLED', `${what}: cancelled`);
  }
}

export function statType(st: fs.Stats): 'file' | 'directory' | 'symlink' | 'other' {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'directory';
  if (st.isFile()) return 'file';
  return 'other';
}

/** Accepts a string or an array of strings (the reference takes both for list params). */
export function stringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(value)) return value.map(String).filter((s) => s.length > 0);
  return [];
}
