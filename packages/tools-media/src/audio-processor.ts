import { defineTool, LlmspellError, z, type ExecutionContext, paramError } from '@llmspell/core';
import { detectResultSchema, ffmpegTimeout, filePathParam, inputPath, MiB, operationParam, pathAliasParam, unrecognisedMedia, unrecognisedResultSchema } from './common.js';
import { ffmpegErrorTail, inputArgs, outputArg, requireFfmpeg, runFfmpeg } from './ffmpeg.js';
import { DETECTION_BYTES, detectFormat, formatFromExtension, type DetectedFormat } from './magic-bytes.js';
import { inputLimit, prepareOutput, readHead, readInput, statInput, writeOutput } from './media-files.js';
import { decodeWav, encodeWav, parseWav, remixChannels, resample, resampledLength, WavError, type WavInfo } from './wav.js';

const NAME = 'audio_processor';
const DEFAULT_MAX_BYTES = 100 * MiB;
const OPERATIONS = ['detect', 'metadata', 'convert'] as const;
const TARGET_FORMATS = ['wav', 'mp3', 'flac', 'ogg'] as const;
type TargetFormat = (typeof TARGET_FORMATS)[number];

const parameters = z.object({
  operation: operationParam(OPERATIONS),
  file_path: filePathParam,
  path: pathAliasParam,
  source_path: z.string().min(1).optional().describe('convert: the input audio (file_path is accepted too)'),
  target_path: z.string().min(1).optional().describe('convert: where to write the result (atomically; inside the allowed paths)'),
  target_format: z.string().optional().describe("convert: 'wav', 'mp3', 'flac' or 'ogg'; default from target_path's extension"),
  sample_rate: z.number().int().min(1000).max(384_000).optional().describe('convert: output sample rate in Hz (default: the source rate)'),
  channels: z.number().int().min(1).max(8).optional().describe('convert: output channel count (default: the source count)'),
  bit_depth: z.union([z.literal(8), z.literal(16), z.literal(24), z.literal(32)]).optional().describe('convert to wav: 8, 16, 24 or 32-bit integer PCM (default: the source depth, else 16)'),
  bitrate: z.number().int().min(8).max(320).optional().describe('convert to mp3/ogg: bitrate in kbit/s (default 192)'),
});

type Params = z.infer<typeof parameters>;

function wavSummary(info: WavInfo) {
  return {
    format: 'wav',
    duration_seconds: info.duration_seconds,
    sample_rate: info.sample_rate,
    channels: info.channels,
    bit_depth: info.bit_depth,
    encoding: info.encoding,
    audio_format_code: info.audio_format,
    byte_rate: info.byte_rate,
    block_align: info.block_align,
    sample_frames: info.sample_frames,
    bitrate: info.byte_rate * 8,
    lossless: true,
  };
}

function parseWavParam(data: Buffer, parameter: string, given: string): WavInfo {
  try {
    return parseWav(data);
  } catch (error) {
    if (error instanceof WavError) paramError(NAME, parameter, `${given} is not a valid WAV file: ${error.message}`);
    throw error;
  }
}

/** music-metadata is pure JS but not small; it is loaded only for non-WAV files. */
async function parseWithMusicMetadata(data: Buffer, detected: DetectedFormat | undefined, parameter: string, given: string) {
  const mm = await import('music-metadata');
  let meta;
  try {
    meta = await mm.parseBuffer(data, { mimeType: detected?.mime, size: data.length }, { duration: true, skipCovers: true });
  } catch (error) {
    paramError(NAME, parameter, `${given} could not be parsed as audio: ${(error as Error).message}`);
  }
  const f = meta.format;
  const c = meta.common;
  const tags = Object.fromEntries(Object.entries({
    title: c.title, artist: c.artist, album: c.album, year: c.year, genre: c.genre?.join(', '), track: c.track?.no ?? undefined, comment: c.comment?.map((x) => (typeof x === 'string' ? x : x.text)).join(' '),
  }).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  return {
    format: detected?.format,
    container: f.container,
    codec: f.codec,
    duration_seconds: f.duration,
    sample_rate: f.sampleRate,
    channels: f.numberOfChannels,
    bit_depth: f.bitsPerSample,
    bitrate: f.bitrate !== undefined ? Math.round(f.bitrate) : undefined,
    lossless: f.lossless,
    tags,
  };
}

async function readAudioMetadata(data: Buffer, detected: DetectedFormat | undefined, parameter: string, given: string) {
  if (detected?.format === 'wav') return wavSummary(parseWavParam(data, parameter, given));
  return parseWithMusicMetadata(data, detected, parameter, given);
}

function targetFormat(params: Params): TargetFormat {
  const raw = params.target_format ?? (params.target_path ? formatFromExtension(params.target_path) : undefined);
  const f = raw?.toLowerCase().replace(/^\./, '');
  const parameter = params.target_format !== undefined ? 'target_format' : 'target_path';
  if (!f) paramError(NAME, 'target_format', `is required for 'convert' unless target_path ends in .${TARGET_FORMATS.join(', .')}`);
  if (!(TARGET_FORMATS as readonly string[]).includes(f)) paramError(NAME, parameter, `unsupported target format '${f}' (use ${TARGET_FORMATS.join(', ')})`);
  return f as TargetFormat;
}

/** Throws when the call has been cancelled or has run out of time. */
function throwIfAborted(ctx: ExecutionContext): void {
  if (!ctx.signal.aborted) return;
  const reason: unknown = ctx.signal.reason;
  if (reason instanceof LlmspellError) throw reason;
  throw new LlmspellError('CANCELLED', `${NAME}: cancelled`);
}

/**
 * wav -> wav in pure JS: channel remix, windowed-sinc resampling and bit-depth change.
 * The output size is known from the header, so an oversize result is refused before any work.
 */
async function convertWav(data: Buffer, info: WavInfo, params: Params, parameter: string, given: string, limit: number, ctx: ExecutionContext): Promise<Buffer> {
  const rate = params.sample_rate ?? info.sample_rate;
  const channelCount = params.channels ?? info.channels;
  const depth = params.bit_depth ?? (info.encoding === 'pcm_int' && [8, 16, 24, 32].includes(info.bit_depth) ? info.bit_depth as 8 | 16 | 24 | 32 : 16);
  const frames = resampledLength(info.sample_frames, info.sample_rate, rate);
  const dataBytes = frames * channelCount * (depth / 8);
  const bytes = 44 + dataBytes + (dataBytes % 2);
  if (bytes > limit) {
    // Name what made the output grow, so the caller knows what to lower.
    const cause = params.sample_rate !== undefined && rate > info.sample_rate ? 'sample_rate'
      : params.channels !== undefined && channelCount > info.channels ? 'channels'
        : params.bit_depth !== undefined && depth > info.bit_depth ? 'bit_depth' : 'target_path';
    paramError(NAME, cause, `the converted audio (${frames} frames at ${rate} Hz, ${channelCount} channel(s), ${depth}-bit) would be ${bytes} bytes, over the limit of ${limit} bytes`, 'SIZE_LIMIT_EXCEEDED', { bytes, limit });
  }
  let channels: Float32Array[];
  try {
    channels = decodeWav(data, info);
  } catch (error) {
    if (error instanceof WavError) paramError(NAME, parameter, `${given}: ${error.message}`);
    throw error;
  }
  if (params.channels !== undefined) channels = remixChannels(channels, params.channels);
  // Resampling is the long part: between slices the event loop runs (timers, the time limit) and a
  // cancelled or timed-out call stops.
  channels = await resample(channels, info.sample_rate, rate, async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    throwIfAborted(ctx);
  });
  return encodeWav(channels, rate, depth);
}

function ffmpegCodecArgs(format: TargetFormat, params: Params): string[] {
  switch (format) {
    case 'mp3': return ['-c:a', 'libmp3lame', '-b:a', `${params.bitrate ?? 192}k`, '-f', 'mp3'];
    case 'ogg': return ['-c:a', 'libvorbis', '-b:a', `${params.bitrate ?? 192}k`, '-f', 'ogg'];
    case 'flac': return ['-c:a', 'flac', '-f', 'flac'];
    default: {
      const codec = { 8: 'pcm_u8', 16: 'pcm_s16le', 24: 'pcm_s24le', 32: 'pcm_s32le' }[params.bit_depth ?? 16];
      return ['-c:a', codec, '-f', 'wav'];
    }
  }
}

async function convert(params: Params, ctx: ExecutionContext) {
  const source = inputPath(params, true);
  if (!source.value) paramError(NAME, source.parameter, "is required for 'convert'");
  if (!params.target_path) paramError(NAME, 'target_path', "is required for 'convert'");
  const format = targetFormat(params);
  const limit = inputLimit(ctx, DEFAULT_MAX_BYTES);
  const file = await statInput(ctx, NAME, source.parameter, source.value, limit);
  const detected = await detectFormat(await readHead(file));
  if (!detected || detected.kind === 'image') paramError(NAME, source.parameter, `${source.value} is not a recognised audio file`);
  const sourceFormat = detected.format;

  let engine: 'builtin' | 'ffmpeg';
  let sourceInfo: Record<string, unknown> | undefined;
  let wavCandidate: { data: Buffer; info: WavInfo } | undefined;
  if (sourceFormat === 'wav' && format === 'wav') {
    const data = await readInput(ctx, NAME, source.parameter, file, limit);
    const info = parseWavParam(data, source.parameter, source.value);
    wavCandidate = { data, info };
    sourceInfo = wavSummary(info);
  }
  const builtinOk = wavCandidate !== undefined && ((wavCandidate.info.encoding === 'pcm_int' && [8, 16, 24, 32].includes(wavCandidate.info.bit_depth)) || (wavCandidate.info.encoding === 'pcm_float' && [32, 64].includes(wavCandidate.info.bit_depth)));
  if (wavCandidate && builtinOk) {
    engine = 'builtin';
    const out = await convertWav(wavCandidate.data, wavCandidate.info, params, source.parameter, source.value, limit, ctx);
    throwIfAborted(ctx);
    await writeOutput(ctx, NAME, 'target_path', params.target_path, out);
  } else {
    engine = 'ffmpeg';
    const ffmpeg = await requireFfmpeg(NAME, `convert ${sourceFormat} -> ${format}`, ctx.settings);
    const out = await prepareOutput(ctx, NAME, 'target_path', params.target_path);
    const args = [...inputArgs(file, detected.demuxer), '-vn', '-map_metadata', '0'];
    if (params.sample_rate !== undefined) args.push('-ar', String(params.sample_rate));
    if (params.channels !== undefined) args.push('-ac', String(params.channels));
    args.push(...ffmpegCodecArgs(format, params), '-y', outputArg(out));
    try {
      const run = await runFfmpeg(ffmpeg, args, { signal: ctx.signal, timeoutMs: ffmpegTimeout(ctx.settings), tool: NAME, input: file, output: out });
      if (run.code !== 0) throw new LlmspellError('TOOL_EXECUTION_FAILED', `${NAME}: ffmpeg could not convert ${source.value} to ${format}: ${ffmpegErrorTail(run.stderr)}`);
      await out.commit();
    } catch (error) {
      await out.discard();
      throw error;
    }
  }

  // Read the written file back so the reported values are what is on disk, not what was asked for.
  const written = await statInput(ctx, NAME, 'target_path', params.target_path, Number.MAX_SAFE_INTEGER);
  const writtenData = await readInput(ctx, NAME, 'target_path', written, Number.MAX_SAFE_INTEGER);
  const target = await readAudioMetadata(writtenData, await detectFormat(writtenData.subarray(0, DETECTION_BYTES)), 'target_path', params.target_path);
  return {
    message: `Converted ${sourceFormat} to ${format}`,
    result: {
      source_path: source.value,
      target_path: params.target_path,
      source_format: sourceFormat,
      target_format: format,
      engine,
      file_size: written.size,
      ...(sourceInfo ? { source: sourceInfo } : {}),
      target,
    },
    metadata: { file_path: params.target_path, file_size: written.size },
  };
}

async function run(params: Params, ctx: ExecutionContext) {
  if (params.operation === 'convert') return convert(params, ctx);
  const source = inputPath(params, false);
  if (!source.value) paramError(NAME, source.parameter, 'is required');
  const limit = inputLimit(ctx, DEFAULT_MAX_BYTES);
  const file = await statInput(ctx, NAME, source.parameter, source.value, limit);
  const detected = await detectFormat(await readHead(file));
  const isAudio = detected?.kind === 'audio';
  if (params.operation === 'detect') {
    const extension = formatFromExtension(source.value);
    return {
      message: isAudio ? `Detected ${detected.format} audio` : 'Not a recognised audio format',
      result: {
        file_path: source.value,
        is_audio: isAudio,
        format: isAudio ? detected.format : 'unknown',
        mime_type: isAudio ? detected.mime : undefined,
        detected_kind: detected?.kind,
        extension_format: extension,
        extension_matches: detected !== undefined && extension !== undefined ? detected.format === extension || (detected.format === 'ogg' && extension === 'oga') : undefined,
        file_size: file.size,
        detected_by: 'magic_bytes',
      },
    };
  }
  if (!isAudio) return unrecognisedMedia('audio', source.value, file.size, detected);
  const data = await readInput(ctx, NAME, source.parameter, file, limit);
  const meta = await readAudioMetadata(data, detected, source.parameter, source.value);
  return {
    message: `${detected.format} audio${meta.duration_seconds !== undefined ? `, ${meta.duration_seconds.toFixed(3)} s` : ''}`,
    result: { file_path: source.value, mime_type: detected.mime, file_size: file.size, ...meta },
    metadata: { file_path: source.value, file_size: file.size },
  };
}

/** WAV headers and the parser for other formats give different fields; each is there when known. */
function outputSchema() {
  const info = {
    format: z.string().optional(), container: z.string().optional(), codec: z.string().optional(), duration_seconds: z.number().optional(),
    sample_rate: z.number().optional(), channels: z.number().optional(), bit_depth: z.number().optional(), encoding: z.string().optional().describe('wav: pcm_int, pcm_float…'),
    audio_format_code: z.number().optional(), byte_rate: z.number().optional(), block_align: z.number().optional(), sample_frames: z.number().optional(),
    bitrate: z.number().optional().describe('bits per second'), lossless: z.boolean().optional(),
    tags: z.record(z.string(), z.union([z.string(), z.number()])).optional().describe('title, artist, album, year…'),
  };
  return z.union([
    z.object({
      source_path: z.string(), target_path: z.string(), source_format: z.string(), target_format: z.string(), engine: z.enum(['builtin', 'ffmpeg']),
      file_size: z.number(), source: z.object(info).optional(), target: z.object(info).describe('Read back from the written file'),
    }).describe('convert'),
    detectResultSchema('audio'),
    z.object({ file_path: z.string(), mime_type: z.string(), file_size: z.number(), ...info }).describe('metadata'),
    unrecognisedResultSchema('audio'),
  ]);
}

export const audioProcessor = defineTool({
  name: NAME,
  description: 'Detects audio formats by their bytes, reads metadata (WAV header; MP3, FLAC, OGG, M4A via a parser) and converts audio (wav resampling/channels/bit depth built in; mp3, flac, ogg through the bundled ffmpeg).',
  outputSchema: outputSchema(),
  ignoredParameters: ['format'],
  category: 'media',
  // Every operation reads (and some write) files: what `restricted` means (the reference said Safe).
  securityLevel: 'restricted',
  tags: ['audio', 'media', 'wav', 'mp3', 'convert'],
  parameters,
  examples: [
    { description: 'Read WAV metadata', params: { operation: 'metadata', file_path: 'tone.wav' } },
    { description: 'Resample to 8 kHz mono (WAV is converted without ffmpeg)', params: { operation: 'convert', source_path: 'tone.wav', target_path: 'tone-8k.wav', sample_rate: 8000, channels: 1 } },
    { description: 'Convert WAV to MP3 (needs ffmpeg)', params: { operation: 'convert', source_path: 'tone.wav', target_path: 'tone.mp3', target_format: 'mp3' } },
  ],
  execute: (params, ctx) => run(params, ctx),
});
