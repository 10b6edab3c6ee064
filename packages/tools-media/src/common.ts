import { z } from '@llmspell/core';
import type { DetectedFormat } from './magic-bytes.js';

/** DOC's operation names, mapped to the CODE names every tool answers to. */
const OPERATION_ALIASES: Record<string, string> = { get_info: 'metadata', extract_metadata: 'metadata', info: 'metadata' };

/** `operation`, defaulting to `metadata`, with DOC's `get_info` / `extract_metadata` accepted. */
export function operationParam<const T extends readonly [string, ...string[]]>(operations: T) {
  return z.preprocess(
    (v) => (v === undefined || v === null ? 'metadata' : typeof v === 'string' ? (OPERATION_ALIASES[v.toLowerCase()] ?? v.toLowerCase()) : v),
    z.enum(operations),
  ).describe(`One of ${operations.join(', ')} (default metadata; DOC's get_info and extract_metadata mean metadata)`);
}

export const filePathParam = z.string().min(1).optional().describe('The media file to inspect (detect/metadata); must be inside the allowed paths');
export const pathAliasParam = z.string().min(1).optional().describe("DOC's name for 'file_path'");

/** The input file a call names: `file_path`, DOC's `path`, or (for processing) `source_path`. */
export function inputPath(params: { file_path?: string; path?: string; source_path?: string }, preferSource: boolean): { value?: string; parameter: string } {
  const order: Array<'source_path' | 'file_path' | 'path'> = preferSource ? ['source_path', 'file_path', 'path'] : ['file_path', 'path', 'source_path'];
  for (const name of order) {
    const value = params[name];
    if (value !== undefined) return { value, parameter: name };
  }
  return { parameter: order[0] };
}

export const MiB = 1024 * 1024;

/**
 * `metadata` of a file that is not of the tool's kind (a text file, an image given to
 * audio_processor): like the reference, an answer saying the format is unknown, not an error.
 * Nothing else reads the file, so it never reaches a decoder or ffmpeg.
 */
export function unrecognisedMedia(kind: 'audio' | 'video' | 'image', filePath: string, size: number, detected?: DetectedFormat) {
  return {
    message: `Not a recognised ${kind} format`,
    result: {
      file_path: filePath,
      [`is_${kind}`]: false,
      format: 'unknown',
      detected_kind: detected?.kind,
      detected_format: detected?.format,
      file_size: size,
    },
    metadata: { file_path: filePath, file_size: size },
  };
}

/** Timeout for one ffmpeg run: the `timeout_ms` tool setting or 120 s. */
export function ffmpegTimeout(settings: Readonly<Record<string, unknown>>): number {
  const t = toNumber(settings.timeout_ms);
  return t !== undefined && t > 0 ? t : 120_000;
}

/** A numeric setting from config (TOML integers may arrive as bigint). */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

/** The `result` of `detect`, the same for every media tool but the `is_<kind>` field. */
export function detectResultSchema<K extends 'audio' | 'video' | 'image'>(kind: K) {
  return z.object({
    file_path: z.string(), [`is_${kind}`]: z.boolean(), format: z.string().describe("'unknown' when not recognised"), mime_type: z.string().optional(),
    detected_kind: z.string().optional().describe('What the bytes look like: audio, video, image…'), extension_format: z.string().optional(),
    extension_matches: z.boolean().optional(), file_size: z.number(), detected_by: z.literal('magic_bytes'),
  } as Record<string, z.ZodType>).describe('detect');
}

/** The `result` of `metadata` for a file that is not of the tool's kind (see unrecognisedMedia). */
export function unrecognisedResultSchema<K extends 'audio' | 'video' | 'image'>(kind: K) {
  return z.object({
    file_path: z.string(), [`is_${kind}`]: z.literal(false), format: z.literal('unknown'), detected_kind: z.string().optional(), detected_format: z.string().optional(),
    file_size: z.number(),
  } as Record<string, z.ZodType>).describe(`metadata of a file that is not ${kind}`);
}
