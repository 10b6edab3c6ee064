import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { LlmspellError, toLlmspellError } from '@llmspell/core';
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
  file: string;
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
  onEntry(entry: ReadEntry, fail: (error: unknown) => void, track: (out: fs.WriteStream) => void): Promise<void> | void;
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
    const open = new Set<fs.WriteStream>();
    const track = (out: fs.WriteStream) => {
      open.add(out);
      out.once('close', () => open.delete(out));
    };
    const source = fs.createReadStream(w.file);
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

export async function listTar(file: string, display: string, gzip: boolean, maxEntries: number, maxStreamBytes: number, signal: AbortSignal) {
  const entries: ArchiveEntry[] = [];
  let truncated = false;
  await walkTar({
    file, display, gzip, signal, maxStreamBytes,
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

export async function extractTar(file: string, display: string, gzip: boolean, guard: ExtractGuard, signal: AbortSignal): Promise<void> {
  await walkTar({
    file, display, gzip, signal,
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
      const dest = guard.resolveEntry(name);
      if (kind === 'directory' || dest === guard.root) {
        fs.mkdirSync(dest, { recursive: true });
        entry.resume();
        return;
      }
      if (kind === 'symlink') {
        guard.addSymlink(name, dest, entry.linkpath ?? '');
        entry.resume();
        return;
      }
      if (kind === 'hardlink') {
        // Hard links become copies of an already extracted file inside the target.
        const from = guard.resolveEntry(entry.linkpath ?? '');
        entry.resume();
        if (!fs.existsSync(from) || !fs.statSync(from).isFile()) {
          guard.skipped.push({ name, reason: `hard link target '${entry.linkpath}' not extracted` });
          return;
        }
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        const size = fs.statSync(from).size;
        guard.addBytes(size, size, name);
        fs.copyFileSync(from, dest);
        return;
      }
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      const mode = (entry.mode ?? 0o644) & 0o777;
      const out = fs.createWriteStream(dest, { mode: mode | 0o600 });
      track(out);
      const closed = new Promise<void>((resolve, reject) => {
        out.once('close', () => resolve());
        out.once('error', reject);
      });
      let entryBytes = 0;
      entry.on('data', (chunk: Buffer) => {
        entryBytes += chunk.length;
        try {
          guard.addBytes(chunk.length, entryBytes, name);
        } catch (error) {
          entry.unpipe(out);
          out.destroy();
          fail(error);
        }
      });
      entry.pipe(out);
      return closed;
    },
  });
}

/** Writes a tar (gzipped when `gzip`) of `files`, named relative to `base`, to `out`. */
export async function createTarArchive(files: SourceFile[], base: string, out: string, gzip: boolean): Promise<void> {
  // Every entry is listed and tar does not descend by itself, so the archive holds exactly
  // what was checked (and never the temp file it is being written to).
  const names = files.map((f) => {
    const rel = path.relative(base, f.real);
    // node-tar reads a leading '@' as "append this archive"
    return rel.startsWith('@') ? `./${rel}` : rel;
  });
  await (await loadTar()).create({ file: out, cwd: base, gzip, portable: true, follow: false, strict: true, noDirRecurse: true }, names);
}
