import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { LlmspellError, stableJson } from '@llmspell/core';

/** A backup holds the whole state (agent conversations, values): readable by its owner only, as the state file is. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * node:zlib is loaded on the first backup or restore, not at import: every run that opens
 * the state store imports this module, and zlib's compile was a measurable part of a cold start.
 */
let zlib: Promise<{ createGzip: typeof import('node:zlib').createGzip; gunzipAsync: (data: Buffer) => Promise<Buffer> }> | undefined;
function loadZlib() {
  zlib ??= import('node:zlib').then((m) => ({ createGzip: m.createGzip, gunzipAsync: promisify(m.gunzip) }));
  return zlib;
}

export type BackupType = 'full' | 'incremental';

/** The `<id>.meta` JSON beside each `<id>.backup`. */
export interface BackupMetadata {
  id: string;
  created_at: string;
  /** Orders backups made within the same millisecond. */
  sequence: number;
  backup_type: BackupType;
  parent_id: string | null;
  description: string | null;
  important: boolean;
  schema_version: string | null;
  checksums: { sha256: string };
  compression: { algorithm: 'gzip' | 'none'; level: number; original_size: number; compressed_size: number };
  encryption: null;
  /**
   * HMAC-SHA256, under a key the user holds, of this metadata (minus this field), which holds
   * the data file's SHA-256: proof of who made the backup, not only that it is whole.
   */
  signature?: BackupSignature | null;
  stats: { total_entries: number; changed_entries: number; deleted_entries: number; total_size: number; duration_ms: number; scopes_backed_up: string[] };
}

export interface BackupSignature {
  algorithm: 'hmac-sha256';
  /** Hex digest. */
  value: string;
}

/** The decompressed content of a `.backup` file. */
export interface BackupPayload {
  format: 'llmspell-backup';
  format_version: 1;
  id: string;
  backup_type: BackupType;
  parent_id: string | null;
  /** Full: every key and its stored text. Incremental: keys added or changed since the parent. */
  entries: Array<[string, string]>;
  /** Incremental: keys deleted since the parent. */
  deleted: string[];
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The signature of a backup's metadata (every field but `signature`). */
export function signMetadata(meta: BackupMetadata, key: Buffer): BackupSignature {
  const { signature: _ignored, ...signed } = meta;
  return { algorithm: 'hmac-sha256', value: createHmac('sha256', key).update('llmspell-backup-v1\n').update(stableJson(signed)).digest('hex') };
}

/** Whether `meta.signature` is the one `key` makes (constant-time comparison). */
export function verifyMetadata(meta: BackupMetadata, key: Buffer): boolean {
  const given = meta.signature;
  if (!given || given.algorithm !== 'hmac-sha256' || typeof given.value !== 'string' || !/^[0-9a-f]{64}$/.test(given.value)) return false;
  return timingSafeEqual(Buffer.from(signMetadata(meta, key).value, 'hex'), Buffer.from(given.value, 'hex'));
}

/** Entries per chunk handed to the compressor (~100 KB of JSON for typical values). */
const CHUNK_ENTRIES = 1000;

/**
 * Writes `JSON.stringify(payload)` — gzip-compressed when asked — to `path` as a stream:
 * the snapshot is never one giant string, compression runs off the main thread, and the
 * SHA-256 and size of the stored bytes are computed as they are written.
 */
export async function writePayload(path: string, payload: BackupPayload, compress: boolean, level: number, signal?: AbortSignal): Promise<{ sha256: string; size: number; originalSize: number }> {
  let originalSize = 0;
  function* json(): Generator<string> {
    const { entries, deleted, ...head } = payload;
    let text = JSON.stringify(head);
    text = `${text.slice(0, -1)},"entries":[`;
    for (let i = 0; i < entries.length; i += CHUNK_ENTRIES) {
      const end = Math.min(entries.length, i + CHUNK_ENTRIES);
      for (let j = i; j < end; j++) text += (j === 0 ? '' : ',') + JSON.stringify(entries[j]);
      originalSize += Buffer.byteLength(text);
      yield text;
      text = '';
    }
    text += `],"deleted":${JSON.stringify(deleted)}}`;
    originalSize += Buffer.byteLength(text);
    yield text;
  }
  const hash = createHash('sha256');
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const source = Readable.from(json(), { objectMode: false });
  const options = signal ? { signal } : {};
  if (compress) await pipeline(source, (await loadZlib()).createGzip({ level }), measure, createWriteStream(path, { mode: PRIVATE_FILE_MODE }), options);
  else await pipeline(source, measure, createWriteStream(path, { mode: PRIVATE_FILE_MODE }), options);
  return { sha256: hash.digest('hex'), size, originalSize };
}

export async function decodePayload(data: Buffer, meta: BackupMetadata): Promise<BackupPayload> {
  let raw: Buffer;
  const gunzipAsync = meta.compression.algorithm === 'gzip' ? (await loadZlib()).gunzipAsync : undefined;
  try {
    raw = gunzipAsync ? await gunzipAsync(data) : data;
  } catch (error) {
    throw new LlmspellError('BACKUP_INVALID', `backup ${meta.id} does not decompress: ${(error as Error).message}`, { cause: error });
  }
  let payload: BackupPayload;
  try {
    payload = JSON.parse(raw.toString('utf8')) as BackupPayload;
  } catch (error) {
    throw new LlmspellError('BACKUP_INVALID', `backup ${meta.id} content is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (payload?.format !== 'llmspell-backup' || payload.id !== meta.id || !Array.isArray(payload.entries) || !Array.isArray(payload.deleted)) {
    throw new LlmspellError('BACKUP_INVALID', `backup ${meta.id} content does not match its metadata`);
  }
  return payload;
}
