import type { FileHandle } from 'node:fs/promises';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { LlmspellError, type VerifiedFile, handleReadStream, handleWriteStream, toLlmspellError } from '@llmspell/core';
import type { ReadEntry } from 'tar';
import type { ExtractGuard } from './extract-guard.js';
import type { ArchiveEntry, SourceFile } from './types.js';

// Loaded on first use, so importing the tool package only builds its definition.
let tarLib: Promise<typeof import('tar')> | undefined;
const loadTar = () => (tarLib ??= import('tar'));

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

function kindOf(type: string): ArchiveEntry['type'] {
  if (FILE_TYPES.has(type)) return 'file';
  if (type === 'Directory') return 'directory';
  if (type === 'SymbolicLink') return 'symlink';
  if (type === 'Link') return 'hardlink';
  return 'other';
}

function badArchive(display: string, error: unknown): LlmspellError {
  if (error instanceof LlmspellError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string })?.code ?? '';
  if (/^TAR_|^Z_/.test(code) || /unexpected end|incorrect header|invalid|unrecognized archive/i.test(message)) {
    return new LlmspellError('INVALID_ARGUMENT', `${display} is not a valid tar archive: ${message}`, { cause: error });
  }
  return toLlmspellError(error, 'IO_ERROR', display);
}

interface TarWalk {
  /** The open, verified archive (never closed here). */
  handle: FileHandle;
  display: string;
  gzip: boolean;
  signal: AbortSignal;
  /** Caps the decompressed tar stream (headers included), independent of entry sizes. */
  maxStreamBytes: number;
  /** Checks the whole-stream compression ratio (gzip only). */
  checkRatio?: (uncompressed: number, compressed: number) => void;
  /**
   * Called synchronously for each entry; must consume it (pipe or resume). May return a
   * promise that settles when the entry's data is safely written.
   */
  onEntry(entry: ReadEntry, fail: (error: unknown) => void, track: (out: Writable) => void): Promise<void> | void;
}

/**
 * Streams a (gzipped) tar file through node-tar's Parser, counting compressed and
 * decompressed bytes as they flow. Any failure stops the whole stream.
 */
async function walkTar(w: TarWalk): Promise<void> {
  const { Parser } = await loadTar();
  return new Promise<void>((resolve, reject) => {
    let failed = false;
    let compressed = 0;
    let decompressed = 0;
    const pending: Array<Promise<void>> = [];
    const open = new Set<Writable>();
    const track = (out: Writable) => {
      open.add(out);
      out.once('close', () => open.delete(out));
    };
    const source = handleReadStream(w.handle);
    const gunzip = w.gzip ? zlib.createGunzip() : undefined;
    const parser = new Parser({ strict: true });
    const onAbort = () => fail(w.signal.reason ?? new LlmspellError('CANCELLED', `${w.display}: cancelled`));
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      w.signal.removeEventListener('abort', onAbort);
      source.destroy();
      gunzip?.destroy();
      try {
        parser.abort(error instanceof Error ? error : new Error(String(error)));
      } catch {
        // abort re-emits the error; we are already failing
      }
      for (const out of open) out.destroy();
      // Let entries being written close their files before the caller removes the staging dir.
      void Promise.allSettled(pending).then(() => reject(badArchive(w.display, error)));
    };
    if (w.signal.aborted) return onAbort();
    w.signal.addEventListener('abort', onAbort, { once: true });

    parser.on('entry', (entry: ReadEntry) => {
      if (failed) {
        entry.resume();
        return;
      }
      try {
        const p = w.onEntry(entry, fail, track);
        if (p) pending.push(p.catch(fail));
      } catch (error) {
        entry.resume();
        fail(error);
      }
    });
    parser.on('error', fail);
    // Two zero blocks end a tar archive, and tar reads nothing after them. node-tar's Parser
    // keeps reading: every later byte goes into one buffer it copies again for each chunk, so a
    // few KB of gzipped zeros would pin a CPU for minutes. Stop the input at the marker.
    parser.on('eof', () => {
      if (failed) return;
      source.unpipe();
      gunzip?.unpipe();
      source.destroy();
      gunzip?.destroy();
      parser.end();
    });
    parser.on('end', () => {
      Promise.all(pending).then(() => {
        if (failed) return;
        w.signal.removeEventListener('abort', onAbort);
        resolve();
      }, fail);
    });
    source.on('error', fail);
    source.on('data', (chunk: Buffer | string) => {
      compressed += chunk.length;
    });
    const count = (chunk: Buffer) => {
      decompressed += chunk.length;
      try {
        if (decompressed > w.maxStreamBytes) {
          throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `${w.display} expands past ${w.maxStreamBytes} bytes; possible zip bomb`, {
            details: { limit: w.maxStreamBytes },
          });
        }
        if (gunzip) w.checkRatio?.(decompressed, compressed);
      } catch (error) {
        fail(error);
      }
    };
    if (gunzip) {
      gunzip.on('error', fail);
      gunzip.on('data', count);
      source.pipe(gunzip).pipe(parser as unknown as NodeJS.WritableStream);
    } else {
      source.on('data', (chunk) => count(chunk as Buffer));
      source.pipe(parser as unknown as NodeJS.WritableStream);
    }
  });
}

export async function listTar(handle: FileHandle, display: string, gzip: boolean, maxEntries: number, maxStreamBytes: number, signal: AbortSignal) {
  const entries: ArchiveEntry[] = [];
  let truncated = false;
  await walkTar({
    handle, display, gzip, signal, maxStreamBytes,
    onEntry(entry) {
      if (entries.length >= maxEntries) truncated = true;
      else {
        entries.push({
          name: entry.path,
          type: kindOf(entry.type),
          size: entry.size ?? 0,
          modified: entry.mtime ? entry.mtime.toISOString() : undefined,
          ...(entry.linkpath ? { link_target: entry.linkpath } : {}),
        });
      }
      entry.resume();
    },
  });
  return { entries, truncated };
}

export async function extractTar(handle: FileHandle, display: string, gzip: boolean, guard: ExtractGuard, signal: AbortSignal): Promise<void> {
  await walkTar({
    handle, display, gzip, signal,
    maxStreamBytes: guard.limits.maxBytes + guard.limits.maxEntries * 1536 + 1024 * 1024,
    checkRatio: (u, c) => guard.checkRatio(u, c, display),
    onEntry(entry, fail, track) {
      const name = entry.path;
      guard.countEntry(name);
      const kind = kindOf(entry.type);
      if (kind === 'other') {
        guard.skipped.push({ name, reason: `unsupported entry type ${entry.type}` });
        entry.resume();
        return;
      }
      const parts = guard.entryParts(name);
      if (kind === 'directory' || parts.length === 0) {
        entry.resume();
        return guard.serial(() => guard.makeDirectory(parts));
      }
      if (kind === 'symlink') {
        guard.addSymlink(name, parts, entry.linkpath ?? '');
        entry.resume();
        return;
      }
      if (kind === 'hardlink') {
        entry.resume();
        return guard.serial(() => copyHardLink(guard, name, parts, entry.linkpath ?? ''));
      }
      // Paused (the parser waits) until earlier entries are done and the file is open.
      entry.pause();
      return guard.serial(() => writeEntry(guard, entry, name, parts, fail, track));
    },
  });
}

/** Hard links become copies of an already extracted file inside the target. */
async function copyHardLink(guard: ExtractGuard, name: string, parts: string[], linkpath: string): Promise<void> {
  const fromParts = guard.entryParts(linkpath);
  const fromDir = fromParts.length > 0 ? await guard.root.openPath(fromParts.slice(0, -1)).catch(() => undefined) : undefined;
  if (!fromDir) {
    guard.skipped.push({ name, reason: `hard link target '${linkpath}' not extracted` });
    return;
  }
  try {
    const leaf = fromParts[fromParts.length - 1];
    const st = await fromDir.lstat(leaf);
    if (!st?.isFile()) {
      guard.skipped.push({ name, reason: `hard link target '${linkpath}' not extracted` });
      return;
    }
    const src = await fromDir.openFile(leaf, 'read');
    try {
      guard.addBytes(src.stat.size, src.stat.size, name);
      const dir = await guard.parentOf(parts);
      const out = await dir.openFile(parts[parts.length - 1], 'write', src.stat.mode & 0o777);
      try {
        await pipeline(handleReadStream(src.handle), handleWriteStream(out.handle));
      } finally {
        await out.close();
      }
    } finally {
      await src.close();
    }
  } finally {
    await fromDir.close();
  }
}

async function writeEntry(guard: ExtractGuard, entry: ReadEntry, name: string, parts: string[], fail: (error: unknown) => void, track: (out: Writable) => void): Promise<void> {
  const dir = await guard.parentOf(parts);
  const leaf = parts[parts.length - 1];
  // A later entry of the same name replaces an earlier one; nothing is written through a link.
  if (await dir.lstat(leaf)) await dir.removeTree(leaf);
  const mode = (entry.mode ?? 0o644) & 0o777;
  const file = await dir.openFile(leaf, 'create', mode | 0o600);
  const out = handleWriteStream(file.handle);
  track(out);
  let entryBytes = 0;
  // Every byte is counted on its way to the file, so a lying header cannot sneak a bomb past.
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      entryBytes += chunk.length;
      try {
        guard.addBytes(chunk.length, entryBytes, name);
      } catch (error) {
        callback(error as Error);
        return;
      }
      callback(null, chunk);
    },
  });
  try {
    await pipeline(entry as unknown as Readable, counter, out);
  } catch (error) {
    fail(error);
    throw error;
  } finally {
    await file.close();
  }
}

const BLOCK = 512;

/**
 * Writes a tar (gzipped when `gzip`) of `files` to `out`. Each file is opened (verified) only
 * when its turn comes and must still have the size it had when collected; a file that changes
 * meanwhile fails the archive with a coded error.
 */
export async function createTarArchive(files: SourceFile[], out: FileHandle, gzip: boolean, open: (file: SourceFile) => Promise<VerifiedFile>): Promise<void> {
  const { Header, Pax } = await loadTar();
  async function* blocks(): AsyncGenerator<Buffer> {
    for (const f of files) {
      const data = { path: f.name, mode: f.mode, size: f.type === 'file' ? f.size : 0, mtime: f.mtime, type: f.type === 'file' ? 'File' as const : 'Directory' as const };
      const header = new Header(data);
      // Long or non-ASCII names need a pax header before the plain one.
      if (header.encode()) yield new Pax(data).encode();
      yield header.block!;
      if (f.type !== 'file') continue;
      const file = await open(f);
      try {
        let left = f.size;
        const buf = Buffer.allocUnsafe(Math.min(Math.max(f.size, 1), 1 << 20));
        while (left > 0) {
          const { bytesRead } = await file.handle.read(buf, 0, Math.min(buf.length, left), null);
          if (bytesRead === 0) throw changedSize(f);
          left -= bytesRead;
          yield Buffer.from(buf.subarray(0, bytesRead));
        }
        if ((await file.handle.read(Buffer.alloc(1), 0, 1, null)).bytesRead > 0) throw changedSize(f);
      } finally {
        await file.close();
      }
      const pad = (BLOCK - (f.size % BLOCK)) % BLOCK;
      if (pad > 0) yield Buffer.alloc(pad);
    }
    yield Buffer.alloc(BLOCK * 2);
  }
  const sink = handleWriteStream(out);
  if (gzip) await pipeline(Readable.from(blocks()), zlib.createGzip(), sink);
  else await pipeline(Readable.from(blocks()), sink);
}

function changedSize(f: SourceFile): LlmspellError {
  return new LlmspellError('IO_ERROR', `${f.name} changed size while it was being archived (expected ${f.size} bytes); archive not written`, {
    details: { entry: f.name, size: f.size },
  });
}
