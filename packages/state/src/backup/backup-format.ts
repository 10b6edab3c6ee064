import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { LlmspellError } from '@llmspell/core';

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
  stats: { total_entries: number; changed_entries: number; deleted_entries: number; total_size: number; duration_ms: number; scopes_backed_up: string[] };
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

export function encodePayload(payload: BackupPayload, compress: boolean, level: number): { data: Buffer; originalSize: number } {
  const raw = Buffer.from(JSON.stringify(payload), 'utf8');
  return { data: compress ? gzipSync(raw, { level }) : raw, originalSize: raw.length };
}

export function decodePayload(data: Buffer, meta: BackupMetadata): BackupPayload {
  let raw: Buffer;
  try {
    raw = meta.compression.algorithm === 'gzip' ? gunzipSync(data) : data;
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
