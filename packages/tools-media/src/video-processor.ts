import { aliasOf, defineTool, LlmspellError, z, type ExecutionContext, paramError } from '@llmspell/core';
import { loadSharp } from './load-sharp.js';
import { detectResultSchema, ffmpegTimeout, filePathParam, inputPath, MiB, operationParam, pathAliasParam, unrecognisedMedia, unrecognisedResultSchema } from './common.js';
import { containerInfo } from './container-info.js';
import { ffmpegErrorTail, inputArgs, optionalFfmpeg, outputArg, probe, requireFfmpeg, runFfmpeg, type ProbeInfo } from './ffmpeg.js';
import { detectFormat, formatFromExtension } from './magic-bytes.js';
import { inputLimit, prepareOutput, readHead, statInput, writeOutput } from './media-files.js';

const NAME = 'video_processor';
const DEFAULT_MAX_BYTES = 500 * MiB;
const OPERATIONS = ['detect', 'metadata', 'thumbnail', 'extract_frame'] as const;
const FRAME_FORMATS = ['png', 'jpeg', 'webp'] as const;
type FrameFormat = (typeof FRAME_FORMATS)[number];

const parameters = z.object({
  operation: operationParam(OPERATIONS),
  file_path: filePathParam,
  path: pathAliasParam,
  source_path: aliasOf('file_path', z.string().min(1)),
  target_path: z.string().min(1).optional().describe('thumbnail/extract_frame: the image to write (png, jpg or webp by extension; atomically, inside the allowed paths)'),
  timestamp_seconds: z.number().nonnegative().default(0).describe('thumbnail/extract_frame: the moment of the frame, in seconds'),
  max_width: z.number().int().positive().max(16_384).default(320).describe('thumbnail: largest width'),
  max_height: z.number().int().positive().max(16_384).default(240).describe('thumbnail: largest height'),
  target_format: z.string().optional().describe("thumbnail/extract_frame: 'png', 'jpeg' or 'webp' (default from target_path's extension, else png)"),
  quality: z.number().int().min(1).max(100).optional().describe('jpeg/webp quality 1-100'),
});

type Params = z.infer<typeof parameters>;

function frameFormat(params: Params): FrameFormat {
  const raw = params.target_format ?? (params.target_path ? formatFromExtension(params.target_path) : undefined);
  const f = raw?.toLowerCase().replace(/^\./, '').replace(/^jpg$/, 'jpeg');
  if (f && (FRAME_FORMATS as readonly string[]).includes(f)) return f as FrameFormat;
  if (params.target_format !== undefined) paramError(NAME, 'target_format', `unsupported image format '${params.target_format}' (use ${FRAME_FORMATS.join(', ')})`);
  return 'png';
}

function describeProbe(info: ProbeInfo) {
  const video = info.streams.find((s) => s.type === 'video');
  const audio = info.streams.find((s) => s.type === 'audio');
  return {
    container: info.container,
    duration_seconds: info.duration_seconds,
    width: video?.width,
    height: video?.height,
    resolution: video?.width && video.height ? `${video.width}x${video.height}` : undefined,
    fps: video?.fps,
    video_codec: video?.codec,
    pixel_format: video?.pixel_format,
    bitrate_kbps: info.bitrate_kbps,
    has_video: video !== undefined,
    has_audio: audio !== undefined,
    audio: audio ? { codec: audio.codec, sample_rate: audio.sample_rate, channels: audio.channels, channel_layout: audio.channel_layout } : undefined,
    streams: info.streams,
    tags: info.tags,
  };
}

async function openVideo(params: Params, ctx: ExecutionContext) {
  const source = inputPath(params, false);
  if (!source.value) paramError(NAME, source.parameter, 'is required');
  const file = await statInput(ctx, NAME, source.parameter, source.value, inputLimit(ctx, DEFAULT_MAX_BYTES));
  const detected = await detectFormat(await readHead(file));
  return { source: source as { value: string; parameter: string }, file, detected };
}

async function grabFrame(params: Params, ctx: ExecutionContext, thumbnail: boolean) {
  const { source, file, detected } = await openVideo(params, ctx);
  if (!detected || detected.kind !== 'video') paramError(NAME, source.parameter, `${source.value} is not a recognised video file`);
  if (!params.target_path) paramError(NAME, 'target_path', `is required for '${params.operation}'`);
  const format = frameFormat(params);
  const ffmpeg = await requireFfmpeg(NAME, params.operation, ctx.settings);
  const runOptions = { signal: ctx.signal, timeoutMs: ffmpegTimeout(ctx.settings), tool: NAME };
  // ffmpeg writes a PNG next to the target; sharp then encodes the requested format and measures it.
  const scratch = await prepareOutput(ctx, NAME, 'target_path', params.target_path);
  let png: Buffer;
  try {
    const args = ['-ss', params.timestamp_seconds.toFixed(3), ...inputArgs(file, detected.demuxer), '-map', '0:v:0', '-frames:v', '1', '-an', '-sn'];
    if (thumbnail) {
      const { max_width: w, max_height: h } = params;
      args.push('-vf', `scale=w='min(${w},iw)':h='min(${h},ih)':force_original_aspect_ratio=decrease`);
    }
    args.push('-c:v', 'png', '-f', 'image2', '-y', outputArg(scratch));
    const run = await runFfmpeg(ffmpeg, args, { ...runOptions, input: file, output: scratch });
    png = await scratch.read().catch(() => Buffer.alloc(0));
    if (png.length === 0) {
      if (run.code === 0) {
        const info = await probe(ffmpeg, file, detected.demuxer, runOptions).catch(() => undefined);
        const duration = info?.duration_seconds;
        paramError(NAME, 'timestamp_seconds', `no frame at ${params.timestamp_seconds} s${duration !== undefined ? ` (the video is ${duration} s long)` : ''}`);
      }
      throw new LlmspellError('TOOL_EXECUTION_FAILED', `${NAME}: ffmpeg could not extract a frame from ${source.value}: ${ffmpegErrorTail(run.stderr)}`);
    }
  } finally {
    await scratch.discard();
  }
  const sharp = await loadSharp(NAME);
  let image = sharp(png);
  if (format === 'jpeg') image = image.jpeg(params.quality ? { quality: params.quality } : {});
  else if (format === 'webp') image = image.webp(params.quality ? { quality: params.quality } : {});
  else image = image.png();
  const { data, info } = await image.toBuffer({ resolveWithObject: true });
  const written = await writeOutput(ctx, NAME, 'target_path', params.target_path, data);
  return {
    message: `${params.operation}: wrote a ${info.width}x${info.height} ${format} frame at ${params.timestamp_seconds} s to ${params.target_path}`,
    result: {
      file_path: source.value,
      target_path: params.target_path,
      timestamp_seconds: params.timestamp_seconds,
      format,
      width: info.width,
      height: info.height,
      file_size: written.size,
    },
    metadata: { file_path: params.target_path, file_size: written.size },
  };
}

async function run(params: Params, ctx: ExecutionContext) {
  if (params.operation === 'thumbnail' || params.operation === 'extract_frame') return grabFrame(params, ctx, params.operation === 'thumbnail');
  const { source: input, file, detected } = await openVideo(params, ctx);
  const isVideo = detected?.kind === 'video';
  if (params.operation === 'detect') {
    const extension = formatFromExtension(input.value);
    return {
      message: isVideo ? `Detected ${detected.format} video` : 'Not a recognised video format',
      result: {
        file_path: input.value,
        is_video: isVideo,
        format: isVideo ? detected.format : 'unknown',
        mime_type: isVideo ? detected.mime : undefined,
        detected_kind: detected?.kind,
        extension_format: extension,
        extension_matches: detected !== undefined && extension !== undefined ? detected.format === extension : undefined,
        file_size: file.size,
        detected_by: 'magic_bytes',
      },
    };
  }
  if (!isVideo) return unrecognisedMedia('video', input.value, file.size, detected);
  // ffmpeg knows every container; without it, MP4/MOV and WebM/MKV headers are read directly.
  const ffmpeg = await optionalFfmpeg(ctx.settings);
  let info: ProbeInfo | undefined;
  let metadataSource: 'ffmpeg' | 'container' = 'ffmpeg';
  if (ffmpeg) info = await probe(ffmpeg, file, detected.demuxer, { signal: ctx.signal, timeoutMs: ffmpegTimeout(ctx.settings), tool: NAME });
  else {
    metadataSource = 'container';
    info = await containerInfo(file, detected.demuxer).catch(() => undefined);
    if (!info) await requireFfmpeg(NAME, `metadata of ${detected.format}`, ctx.settings);
  }
  const meta = { ...describeProbe(info!), metadata_source: metadataSource };
  return {
    message: `${detected.format} video${meta.resolution ? `, ${meta.resolution}` : ''}${meta.duration_seconds !== undefined ? `, ${meta.duration_seconds} s` : ''}`,
    result: { file_path: input.value, format: detected.format, mime_type: detected.mime, file_size: file.size, ...meta },
    metadata: { file_path: input.value, file_size: file.size },
  };
}

export const videoProcessor = defineTool({
  name: NAME,
  description: 'Detects video formats by their bytes, reads metadata (duration, resolution, fps, codecs) and extracts frames or thumbnails at a timestamp, using the bundled ffmpeg.',
  outputSchema: z.union([
    z.object({
      file_path: z.string(), target_path: z.string(), timestamp_seconds: z.number(), format: z.enum(['png', 'jpeg', 'webp']), width: z.number(), height: z.number(),
      file_size: z.number(),
    }).describe('thumbnail, extract_frame'),
    detectResultSchema('video'),
    z.object({
      file_path: z.string(), format: z.string(), mime_type: z.string(), file_size: z.number(), container: z.string().optional(), duration_seconds: z.number().optional(),
      width: z.number().optional(), height: z.number().optional(), resolution: z.string().optional().describe('e.g. 1920x1080'), fps: z.number().optional(),
      video_codec: z.string().optional(), pixel_format: z.string().optional(), bitrate_kbps: z.number().optional(), has_video: z.boolean(), has_audio: z.boolean(),
      audio: z.object({ codec: z.string(), sample_rate: z.number().optional(), channels: z.number().optional(), channel_layout: z.string().optional() }).optional(),
      streams: z.array(z.object({
        index: z.number(), type: z.enum(['video', 'audio', 'subtitle', 'data']), codec: z.string(), codec_long: z.string().optional(), width: z.number().optional(),
        height: z.number().optional(), fps: z.number().optional(), pixel_format: z.string().optional(), sample_rate: z.number().optional(), channels: z.number().optional(),
        channel_layout: z.string().optional(), bitrate_kbps: z.number().optional(),
      })),
      tags: z.record(z.string(), z.string()), metadata_source: z.enum(['ffmpeg', 'container']).describe('container: read from the MP4/WebM header without ffmpeg'),
    }).describe('metadata'),
    unrecognisedResultSchema('video'),
  ]),
  ignoredParameters: ['timestamp', 'width', 'height'],
  category: 'media',
  // Every operation reads (and some write) files: what `restricted` means (the reference said Safe).
  securityLevel: 'restricted',
  tags: ['video', 'media', 'thumbnail', 'frame'],
  parameters,
  examples: [
    { description: 'Read video metadata', params: { operation: 'metadata', file_path: 'clip.mp4' } },
    { description: 'Thumbnail at 0.5 s (needs ffmpeg)', params: { operation: 'thumbnail', file_path: 'clip.mp4', target_path: 'thumb.jpg', timestamp_seconds: 0.5 } },
  ],
  execute: (params, ctx) => run(params, ctx),
});
