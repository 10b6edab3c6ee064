import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LlmspellError } from '@llmspell/core';
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

async function openZip(file: string, display: string): Promise<yauzl.ZipFile> {
  const { reader } = await loadZipLibs();
  return new Promise((resolve, reject) => {
    reader.open(file, { lazyEntries: true, autoClose: true, validateEntrySizes: true, decodeStrings: true }, (err, zip) => {
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

export async function listZip(file: string, display: string, maxEntries: number): Promise<{ entries: ArchiveEntry[]; truncated: boolean }> {
  const zip = await openZip(file, display);
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

export async function extractZip(file: string, display: string, guard: ExtractGuard, signal: AbortSignal): Promise<void> {
  const zip = await openZip(file, display);
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
    const dest = guard.resolveEntry(name);
    if (kind === 'directory' || dest === guard.root) {
      fs.mkdirSync(dest, { recursive: true });
      return;
    }
    const stream = await openEntry(zip, entry);
    if (kind === 'symlink') {
      guard.addSymlink(name, dest, await readSmall(stream, 4096, name));
      return;
    }
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    let entryBytes = 0;
    const counter = new Writable({
      write(chunk: Buffer, _enc, cb) {
        entryBytes += chunk.length;
        try {
          guard.addBytes(chunk.length, entryBytes, name, entry.compressedSize);
        } catch (error) {
          cb(error as Error);
          return;
        }
        if (!out.write(chunk)) out.once('drain', () => cb());
        else cb();
      },
      final(cb) {
        out.end(cb);
      },
      destroy(error, cb) {
        out.destroy();
        cb(error);
      },
    });
    const mode = (entry.externalFileAttributes >>> 16) & 0o777;
    const out = fs.createWriteStream(dest, { mode: mode ? mode | 0o600 : 0o644 });
    const closed = new Promise<void>((resolve) => out.once('close', () => resolve()));
    try {
      await pipeline(stream, counter, { signal });
    } finally {
      out.destroy();
      await closed;
    }
  });
}

/** Writes a zip of `files` to `out` (a temp path). Symlinks are skipped by the caller. */
export async function createZip(files: SourceFile[], out: string): Promise<void> {
  const zip = new (await loadZipLibs()).writer.ZipFile();
  for (const f of files) {
    if (f.type === 'directory') zip.addEmptyDirectory(f.name, { mtime: f.mtime, mode: S_IFDIR | f.mode });
    else zip.addFile(f.real, f.name, { mtime: f.mtime, mode: 0o100000 | f.mode });
  }
  zip.end();
  await pipeline(zip.outputStream, fs.createWriteStream(out));
}
