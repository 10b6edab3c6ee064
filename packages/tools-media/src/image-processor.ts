import { defineTool, LlmspellError, z, type ExecutionContext, paramError } from '@llmspell/core';
import type { Sharp, Metadata } from 'sharp';
import { detectResultSchema, ffmpegTimeout, filePathParam, inputPath, MiB, operationParam, pathAliasParam, unrecognisedMedia, unrecognisedResultSchema } from './common.js';
import { DETECTION_BYTES, detectFormat, formatFromExtension } from './magic-bytes.js';
import { loadSharp, type SharpFactory } from './load-sharp.js';
import { inputLimit, readHead, readInput, statInput, writeOutput } from './media-files.js';

const NAME = 'image_processor';
const DEFAULT_MAX_BYTES = 50 * MiB;
const OPERATIONS = ['detect', 'metadata', 'resize', 'convert', 'crop', 'rotate', 'thumbnail'] as const;
/** Formats written by every sharp build. */
const OUTPUT_FORMATS = ['png', 'jpeg', 'gif', 'webp', 'tiff', 'avif'] as const;
type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * The most pixels an image may have, read or written: sharp's own default input limit
 * (0x3FFF x 0x3FFF). The output needs the same bound, or a tiny file resized to 100000 x 100000
 * occupies libvips for minutes.
 */
const MAX_PIXELS = 0x3fff * 0x3fff;

const dimension = (what: string) => z.number().int().positive().max(100_000).optional().describe(what);

const parameters = z.object({
  operation: operationParam(OPERATIONS),
  file_path: filePathParam,
  path: pathAliasParam,
  source_path: z.string().min(1).optional().describe('Input image for resize/convert/crop/rotate/thumbnail (file_path is accepted too)'),
  target_path: z.string().min(1).optional().describe('Where to write the result (written atomically; must be inside the allowed paths)'),
  width: dimension('resize: target width; crop: width of the region, in pixels'),
  height: dimension('resize: target height; crop: height of the region, in pixels'),
  x: z.number().int().nonnegative().optional().describe('crop: left edge of the region'),
  y: z.number().int().nonnegative().optional().describe('crop: top edge of the region'),
  degrees: z.number().default(90).describe('rotate: 90, 180 or 270 (clockwise; -90 means 270)'),
  maintain_aspect_ratio: z.boolean().default(true).describe('resize: keep the aspect ratio, fitting inside width x height'),
  target_format: z.string().optional().describe('Output format: png, jpeg (jpg), gif, webp, tiff or avif; default from target_path\'s extension, else the source format'),
  quality: z.number().int().min(1).max(100).optional().describe('jpeg/webp/avif quality 1-100 (library default 80)'),
  max_width: z.number().int().positive().max(100_000).default(200).describe('thumbnail: largest width'),
  max_height: z.number().int().positive().max(100_000).default(200).describe('thumbnail: largest height'),
});

type Params = z.infer<typeof parameters>;
const BIT_DEPTH: Record<string, number> = { uchar: 8, char: 8, ushort: 16, short: 16, uint: 32, int: 32, float: 32, complex: 64, double: 64, dpcomplex: 128 };

function normaliseFormat(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const f = value.toLowerCase().replace(/^\./, '');
  return f === 'jpg' || f === 'jpe' ? 'jpeg' : f === 'tif' ? 'tiff' : f;
}

function isOutputFormat(f: string | undefined): f is OutputFormat {
  return f !== undefined && (OUTPUT_FORMATS as readonly string[]).includes(f);
}

/** The output format: target_format, else target_path's extension, else the source's format, else png. */
function outputFormat(params: Params, sourceFormat: string | undefined, required: boolean): OutputFormat {
  const explicit = normaliseFormat(params.target_format);
  if (explicit !== undefined) {
    if (!isOutputFormat(explicit)) paramError(NAME, 'target_format', `unsupported format '${params.target_format}' (use ${OUTPUT_FORMATS.join(', ')})`);
    return explicit;
  }
  const fromExt = normaliseFormat(params.target_path ? formatFromExtension(params.target_path) : undefined);
  if (isOutputFormat(fromExt)) return fromExt;
  if (required) paramError(NAME, 'target_format', `is required for 'convert' unless target_path ends in a known extension (${OUTPUT_FORMATS.join(', ')})`);
  return isOutputFormat(sourceFormat) ? sourceFormat : 'png';
}

function describeMetadata(meta: Metadata, fileSize: number, detected: string | undefined) {
  return {
    format: meta.format === 'heif' && detected === 'avif' ? 'avif' : meta.format,
    width: meta.width,
    height: meta.height,
    file_size: fileSize,
    aspect_ratio: meta.width && meta.height ? Math.round((meta.width / meta.height) * 10000) / 10000 : undefined,
    color: {
      space: meta.space,
      channels: meta.channels,
      has_alpha: meta.hasAlpha,
      bit_depth: meta.depth ? BIT_DEPTH[meta.depth] : undefined,
      has_icc_profile: Boolean(meta.icc),
    },
    density: meta.density,
    orientation: meta.orientation,
    is_progressive: meta.isProgressive,
    pages: meta.pages,
    has_exif: Boolean(meta.exif),
  };
}

function encode(pipeline: Sharp, format: OutputFormat, quality: number | undefined): Sharp {
  switch (format) {
    case 'jpeg': return pipeline.jpeg(quality ? { quality } : {});
    case 'webp': return pipeline.webp(quality ? { quality } : {});
    case 'avif': return pipeline.avif(quality ? { quality } : {});
    case 'gif': return pipeline.gif();
    case 'tiff': return pipeline.tiff();
    default: return pipeline.png();
  }
}

async function loadImage(params: Params, ctx: ExecutionContext, preferSource: boolean) {
  const source = inputPath(params, preferSource);
  if (!source.value) paramError(NAME, source.parameter, 'is required');
  const limit = inputLimit(ctx, DEFAULT_MAX_BYTES);
  const file = await statInput(ctx, NAME, source.parameter, source.value, limit);
  const data = await readInput(ctx, NAME, source.parameter, file, limit);
  const detected = await detectFormat(data.subarray(0, DETECTION_BYTES));
  return { source, file, data, detected };
}

async function openImage(sharp: SharpFactory, data: Buffer, parameter: string, given: string): Promise<{ image: Sharp; meta: Metadata }> {
  // A decode failure means the file is not an image sharp understands: a bad argument, not a crash.
  try {
    const image = sharp(data, { failOn: 'error', limitInputPixels: MAX_PIXELS });
    const meta = await image.metadata();
    return { image, meta };
  } catch (error) {
    paramError(NAME, parameter, `${given} is not a readable image: ${(error as Error).message}`);
  }
}

/**
 * The size of what a resize produces, computed as sharp does (fit 'inside' scales by the tighter
 * side; a missing side follows the aspect ratio), so it can be refused before libvips starts.
 */
function resizedSize(params: Params, width: number, height: number): { width: number; height: number } {
  if (!params.maintain_aspect_ratio) return { width: params.width ?? width, height: params.height ?? height };
  const scales = [params.width !== undefined ? params.width / width : Infinity, params.height !== undefined ? params.height / height : Infinity];
  const scale = Math.min(...scales);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Refuses an output over MAX_PIXELS, naming the parameter that set its size. */
function checkOutputPixels(size: { width: number; height: number }, parameter: string): void {
  const pixels = size.width * size.height;
  if (pixels > MAX_PIXELS) {
    paramError(NAME, parameter, `the output would be ${size.width}x${size.height} = ${pixels} pixels, over the limit of ${MAX_PIXELS}`, 'SIZE_LIMIT_EXCEEDED', { pixels, limit: MAX_PIXELS });
  }
}

/** Rejects when the call is cancelled or times out; libvips keeps going until its own timeout, but the call returns. */
function untilAborted(signal: AbortSignal): { promise: Promise<never>; done: () => void } {
  let onAbort = () => {};
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason instanceof LlmspellError ? signal.reason : new LlmspellError('CANCELLED', `${NAME}: cancelled`));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => undefined);
  return { promise, done: () => signal.removeEventListener('abort', onAbort) };
}

async function run(params: Params, ctx: ExecutionContext) {
  const op = params.operation;
  if (op === 'detect') {
    const source = inputPath(params, false);
    if (!source.value) paramError(NAME, source.parameter, 'is required');
    const file = await statInput(ctx, NAME, source.parameter, source.value, inputLimit(ctx, DEFAULT_MAX_BYTES));
    const detected = await detectFormat(await readHead(file));
    const extension = formatFromExtension(source.value);
    return {
      message: detected?.kind === 'image' ? `Detected ${detected.format} image` : 'Not a recognised image format',
      result: {
        file_path: source.value,
        is_image: detected?.kind === 'image',
        format: detected?.kind === 'image' ? detected.format : 'unknown',
        mime_type: detected?.kind === 'image' ? detected.mime : undefined,
        detected_kind: detected?.kind,
        extension_format: extension,
        extension_matches: detected !== undefined && extension !== undefined ? detected.format === normaliseFormat(extension) : undefined,
        file_size: file.size,
        detected_by: 'magic_bytes',
      },
    };
  }

  const sharp = await loadSharp(NAME);
  const { source, file, data, detected } = await loadImage(params, ctx, op !== 'metadata');
  let opened: Awaited<ReturnType<typeof openImage>> | undefined;
  if (op === 'metadata' && detected?.kind !== 'image') {
    // sharp reads a few formats the magic bytes do not know (SVG…); only what it refuses is unknown.
    opened = await openImage(sharp, data, source.parameter, source.value!).catch(() => undefined);
    if (!opened) return unrecognisedMedia('image', source.value!, file.size, detected);
  }
  const { image, meta } = opened ?? (await openImage(sharp, data, source.parameter, source.value!));
  if (op === 'metadata') {
    return { message: `${meta.format} image, ${meta.width}x${meta.height}`, result: { file_path: source.value, mime_type: detected?.mime, ...describeMetadata(meta, file.size, detected?.format) } };
  }

  if (!params.target_path) paramError(NAME, 'target_path', `is required for '${op}'`);
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const format = outputFormat(params, meta.format, op === 'convert');
  let pipeline: Sharp = image;
  switch (op) {
    case 'resize': {
      if (params.width === undefined && params.height === undefined) paramError(NAME, 'width', "'resize' needs width, height or both");
      checkOutputPixels(resizedSize(params, width, height), params.width !== undefined ? 'width' : 'height');
      if (params.maintain_aspect_ratio) pipeline = pipeline.resize({ width: params.width, height: params.height, fit: 'inside' });
      else pipeline = pipeline.resize({ width: params.width ?? width, height: params.height ?? height, fit: 'fill' });
      break;
    }
    case 'crop': {
      for (const name of ['x', 'y', 'width', 'height'] as const) {
        if (params[name] === undefined) paramError(NAME, name, "is required for 'crop'");
      }
      const { x, y, width: w, height: h } = params as Required<Pick<Params, 'x' | 'y' | 'width' | 'height'>>;
      if (x >= width) paramError(NAME, 'x', `${x} is outside the image (width ${width})`);
      if (y >= height) paramError(NAME, 'y', `${y} is outside the image (height ${height})`);
      if (x + w > width) paramError(NAME, 'width', `x + width = ${x + w} exceeds the image width ${width}`);
      if (y + h > height) paramError(NAME, 'height', `y + height = ${y + h} exceeds the image height ${height}`);
      pipeline = pipeline.extract({ left: x, top: y, width: w, height: h });
      break;
    }
    case 'rotate': {
      const degrees = ((params.degrees % 360) + 360) % 360;
      if (![90, 180, 270].includes(degrees)) paramError(NAME, 'degrees', `must be 90, 180 or 270, got ${params.degrees}`);
      pipeline = pipeline.rotate(degrees);
      break;
    }
    case 'thumbnail':
      pipeline = pipeline.resize({ width: params.max_width, height: params.max_height, fit: 'inside', withoutEnlargement: true });
      break;
    default:
      break;
  }
  let output: { data: Buffer; info: { width: number; height: number; size: number } };
  // libvips works off the event loop, so the time limit can fire: the call stops then, and the
  // timeout ends libvips' own work too.
  const aborted = untilAborted(ctx.signal);
  const seconds = Math.max(1, Math.ceil(ffmpegTimeout(ctx.settings) / 1000));
  try {
    output = await Promise.race([encode(pipeline, format, params.quality).timeout({ seconds }).toBuffer({ resolveWithObject: true }), aborted.promise]);
  } catch (error) {
    if (error instanceof LlmspellError) throw error;
    if (/^timeout\b/i.test((error as Error).message)) {
      throw new LlmspellError('TIMEOUT', `${NAME}: ${op} did not finish within ${seconds} s ([tools.${NAME}] timeout_ms)`, { details: { timeout_ms: seconds * 1000 }, cause: error });
    }
    throw new LlmspellError('TOOL_EXECUTION_FAILED', `${NAME}: ${op} failed: ${(error as Error).message}`, { cause: error });
  } finally {
    aborted.done();
  }
  if (ctx.signal.aborted) throw new LlmspellError('CANCELLED', `${NAME}: cancelled`);
  const written = await writeOutput(ctx, NAME, 'target_path', params.target_path, output.data);
  return {
    message: `${op}: wrote ${output.info.width}x${output.info.height} ${format} to ${params.target_path}`,
    result: {
      source_path: source.value,
      target_path: params.target_path,
      format,
      width: output.info.width,
      height: output.info.height,
      file_size: written.size,
      original: { format: meta.format, width, height, file_size: file.size },
    },
    metadata: { file_path: params.target_path, file_size: written.size },
  };
}

export const imageProcessor = defineTool({
  name: NAME,
  description: 'Detects image formats and reads metadata (format, dimensions, colour info); resizes, converts (png/jpeg/gif/webp/tiff/avif), crops, rotates and thumbnails images.',
  outputSchema: z.union([
    z.object({
      source_path: z.string(), target_path: z.string(), format: z.string(), width: z.number(), height: z.number(), file_size: z.number(),
      original: z.object({ format: z.string().optional(), width: z.number(), height: z.number(), file_size: z.number() }),
    }).describe('resize, convert, crop, rotate, thumbnail'),
    z.object({
      file_path: z.string(), mime_type: z.string().optional(), format: z.string().optional(), width: z.number().optional(), height: z.number().optional(), file_size: z.number(),
      aspect_ratio: z.number().optional(),
      color: z.object({ space: z.string().optional(), channels: z.number().optional(), has_alpha: z.boolean().optional(), bit_depth: z.number().optional(), has_icc_profile: z.boolean() }),
      density: z.number().optional().describe('DPI'), orientation: z.number().optional().describe('EXIF orientation'), is_progressive: z.boolean().optional(),
      pages: z.number().optional(), has_exif: z.boolean(),
    }).describe('metadata'),
    detectResultSchema('image'),
    unrecognisedResultSchema('image'),
  ]),
  ignoredParameters: ['input_path', 'output_path', 'maintain_aspect', 'size', 'format'],
  category: 'media',
  // Every operation reads (and some write) files: what `restricted` means (the reference said Safe).
  securityLevel: 'restricted',
  tags: ['image', 'media', 'resize', 'thumbnail', 'convert'],
  parameters,
  examples: [
    { description: 'Read image metadata', params: { operation: 'metadata', file_path: 'photo.png' } },
    { description: 'Make a WebP thumbnail', params: { operation: 'thumbnail', source_path: 'photo.png', target_path: 'thumb.webp', max_width: 128, max_height: 128 } },
    { description: 'Convert to JPEG at quality 85', params: { operation: 'convert', source_path: 'photo.png', target_path: 'photo.jpg', quality: 85 } },
  ],
  execute: (params, ctx) => run(params, ctx),
});
