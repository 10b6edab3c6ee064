import type { FileHandle } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LlmspellError, type VerifiedFile, handleReadStream, handleWriteStream } from '@llmspell/core';
import type yauzl from 'yauzl';
import type yazl from 'yazl';
import type { ExtractGuard } from './extract-guard.js';
import type { ArchiveEntry, SourceFile } from './types.js';

// Loaded on first use, so importing the tool package only builds its definition.
let zipLibs: Promise<{ reader: typeof yauzl; writer: typeof yazl }> | undefined;
const loadZipLibs = () => (zipLibs ??= Promise.all([import('yauzl'), import('yazl')]).then(([r, w]) => ({ reader: r.default, writer: w.default })));

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

/** yauzl validates names itself; its refusals become PATH_NOT_ALLOWED like ours. */
function mapZipError(error: unknown, display: string): LlmspellError {
  if (error instanceof LlmspellError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/invalid relative path|absolute path|invalid characters in fileName/i.test(message)) {
    return new LlmspellError('PATH_NOT_ALLOWED', `${display}: ${message}; refused (zip-slip protection)`, { cause: error });
  }
  if (/too many bytes|too few bytes|invalid|unsupported|end of central directory/i.test(message)) {
    return new LlmspellError('INVALID_ARGUMENT', `${display} is not a valid zip archive: ${message}`, { cause: error });
  }
  return new LlmspellError('IO_ERROR', `${display}: ${message}`, { cause: error });
}

/**
 * Opens a zip from an open, verified descriptor. yauzl reads it through a reader that never
 * closes the descriptor (the caller owns it), so the file checked is the file read.
 */
async function openZip(handle: FileHandle, display: string): Promise<yauzl.ZipFile> {
  const { reader } = await loadZipLibs();
  const source = new (class extends reader.RandomAccessReader {
    override _readStreamForRange(start: number, end: number): Readable {
      if (end <= start) return Readable.from([]);
      return handleReadStream(handle, { start, end: end - 1 });
    }
  })();
  const size = (await handle.stat()).size;
  return new Promise((resolve, reject) => {
    reader.fromRandomAccessReader(source, size, { lazyEntries: true, autoClose: true, validateEntrySizes: true, decodeStrings: true }, (err, zip) => {
      if (err || !zip) reject(mapZipError(err, display));
      else resolve(zip);
    });
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => (err || !stream ? reject(err) : resolve(stream)));
  });
}

function entryKind(entry: yauzl.Entry): 'file' | 'directory' | 'symlink' {
  const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
  if ((mode & S_IFMT) === S_IFLNK) return 'symlink';
  if (entry.fileName.endsWith('/') || (mode & S_IFMT) === S_IFDIR) return 'directory';
  return 'file';
}

/** Walks entries one at a time; `each` may be async. */
async function forEachEntry(zip: yauzl.ZipFile, display: string, each: (entry: yauzl.Entry) => Promise<boolean | void>): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (error?: unknown) => {
      if (done) return;
      done = true;
      if (error !== undefined) {
        zip.close();
        reject(mapZipError(error, display));
      } else resolve();
    };
    zip.on('entry', (entry: yauzl.Entry) => {
      each(entry).then((stop) => {
        if (stop === true) {
          zip.close();
          finish();
        } else zip.readEntry();
      }, finish);
    });
    zip.on('end', () => finish());
    zip.on('error', finish);
    zip.readEntry();
  });
}

export async function listZip(handle: FileHandle, display: string, maxEntries: number): Promise<{ entries: ArchiveEntry[]; truncated: boolean }> {
  const zip = await openZip(handle, display);
  const entries: ArchiveEntry[] = [];
  let truncated = false;
  await forEachEntry(zip, display, async (entry) => {
    if (entries.length >= maxEntries) {
      truncated = true;
      return true;
    }
    entries.push({
      name: entry.fileName,
      type: entryKind(entry),
      size: entry.uncompressedSize,
      compressed_size: entry.compressedSize,
      modified: entry.getLastModDate().toISOString(),
    });
    return false;
  });
  return { entries, truncated };
}

async function readSmall(stream: NodeJS.ReadableStream, max: number, name: string): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > max) throw new LlmspellError('PATH_NOT_ALLOWED', `archive entry '${name}' is a symlink with an oversized target`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function extractZip(handle: FileHandle, display: string, guard: ExtractGuard, signal: AbortSignal): Promise<void> {
  const zip = await openZip(handle, display);
  if (zip.entryCount > guard.limits.maxEntries) {
    zip.close();
    throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `${display} declares ${zip.entryCount} entries, over the limit of ${guard.limits.maxEntries}; possible zip bomb`, {
      details: { entries: zip.entryCount, limit: guard.limits.maxEntries },
    });
  }
  await forEachEntry(zip, display, async (entry) => {
    const name = entry.fileName;
    guard.countEntry(name);
    const kind = entryKind(entry);
    const parts = guard.entryParts(name);
    if (kind === 'directory' || parts.length === 0) {
      await guard.makeDirectory(parts);
      return;
    }
    if (kind === 'symlink') {
      guard.addSymlink(name, parts, await readSmall(await openEntry(zip, entry), 4096, name));
      return;
    }
    const dir = await guard.parentOf(parts);
    const leaf = parts[parts.length - 1];
    // A later entry of the same name replaces an earlier one; nothing is written through a link.
    if (await dir.lstat(leaf)) await dir.removeTree(leaf);
    const mode = (entry.externalFileAttributes >>> 16) & 0o777;
    const file = await dir.openFile(leaf, 'create', mode ? mode | 0o600 : 0o644);
    // The entry stream is opened last and piped at once: it may fail (lying sizes) any time.
    let stream: NodeJS.ReadableStream;
    try {
      stream = await openEntry(zip, entry);
    } catch (error) {
      await file.close();
      throw error;
    }
    let entryBytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        entryBytes += chunk.length;
        try {
          guard.addBytes(chunk.length, entryBytes, name, entry.compressedSize);
        } catch (error) {
          cb(error as Error);
          return;
        }
        cb(null, chunk);
      },
    });
    try {
      await pipeline(stream, counter, handleWriteStream(file.handle), { signal });
    } finally {
      await file.close();
    }
  });
}

/**
 * Writes a zip of `files` to `out`. Each file is opened (verified) only when its turn comes,
 * and must still have the size it had when collected: a file that changes meanwhile fails the
 * archive with a coded error instead of an unhandled 'error' event.
 */
export async function createZip(files: SourceFile[], out: FileHandle, open: (file: SourceFile) => Promise<VerifiedFile>): Promise<void> {
  const zip = new (await loadZipLibs()).writer.ZipFile();
  const opened = new Set<VerifiedFile>();
  const failed = new Promise<never>((_, reject) => {
    zip.on('error', (error: Error) => reject(changedWhileArchiving(error)));
  });
  failed.catch(() => undefined);
  for (const f of files) {
    if (f.type === 'directory') {
      zip.addEmptyDirectory(f.name, { mtime: f.mtime, mode: S_IFDIR | f.mode });
      continue;
    }
    zip.addReadStreamLazy(f.name, { mtime: f.mtime, mode: 0o100000 | f.mode, size: f.size }, (cb) => {
      open(f).then(
        // One byte past the collected size is read, so a file that grew is noticed too.
        (file) => {
          opened.add(file);
          const stream = handleReadStream(file.handle, { end: f.size });
          stream.once('close', () => {
            opened.delete(file);
            void file.close().catch(() => undefined);
          });
          cb(null, stream);
        },
        (error) => cb(error, undefined as unknown as NodeJS.ReadableStream),
      );
    });
  }
  zip.end();
  const written = pipeline(zip.outputStream, handleWriteStream(out));
  try {
    await Promise.race([written, failed]);
  } catch (error) {
    (zip.outputStream as unknown as Readable).destroy();
    await written.catch(() => undefined);
    await Promise.all([...opened].map((f) => f.close().catch(() => undefined)));
    throw error;
  }
}

function changedWhileArchiving(error: Error): LlmspellError {
  if (error instanceof LlmspellError) return error;
  if (/unexpected number of bytes/i.test(error.message)) {
    return new LlmspellError('IO_ERROR', `a file changed size while it was being archived; archive not written (${error.message})`, { cause: error });
  }
  return new LlmspellError('IO_ERROR', `creating the zip failed: ${error.message}`, { cause: error });
}
