import { spawn } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import { LlmspellError } from '@llmspell/core';
import type { InputFile, OutputTarget } from './media-files.js';

const INSTALL_HINT = "install the optional npm package '@ffmpeg-installer/ffmpeg' (it ships a static ffmpeg for linux/macOS/windows x64 and arm64)";

let located: Promise<string | undefined> | undefined;

/**
 * The path of the ffmpeg binary shipped by `@ffmpeg-installer/ffmpeg`, or undefined when the
 * package (or its platform package) is not installed. Only this binary is ever run: no
 * executable comes from a script, a parameter or PATH.
 */
export function locateFfmpeg(): Promise<string | undefined> {
  located ??= (async () => {
    try {
      const mod = (await import('@ffmpeg-installer/ffmpeg')) as { default?: { path?: string }; path?: string };
      const binary = mod.default?.path ?? mod.path;
      if (!binary) return undefined;
      await fs.access(binary, constants.X_OK);
      return binary;
    } catch {
      return undefined;
    }
  })();
  return located;
}

/** False when the operator turned ffmpeg off for this tool (`[tools.<name>] use_ffmpeg = false`). */
export function ffmpegAllowed(settings: Readonly<Record<string, unknown>>): boolean {
  return settings.use_ffmpeg !== false;
}

/** The ffmpeg to use, or undefined when it is disabled by the tool's settings or not installed. */
export async function optionalFfmpeg(settings: Readonly<Record<string, unknown>>): Promise<string | undefined> {
  return ffmpegAllowed(settings) ? locateFfmpeg() : undefined;
}

/** Like `optionalFfmpeg`, but an UNSUPPORTED error saying what to install or enable when there is none. */
export async function requireFfmpeg(tool: string, operation: string, settings: Readonly<Record<string, unknown>>): Promise<string> {
  if (!ffmpegAllowed(settings)) {
    throw new LlmspellError('UNSUPPORTED', `${tool}: operation '${operation}' needs ffmpeg, which is disabled by the tool setting use_ffmpeg = false ([tools.${tool}])`, {
      details: { tool, operation },
    });
  }
  const binary = await locateFfmpeg();
  if (!binary) {
    throw new LlmspellError('UNSUPPORTED', `${tool}: operation '${operation}' needs ffmpeg, which is not available on this platform; ${INSTALL_HINT}`, {
      details: { tool, operation, install: '@ffmpeg-installer/ffmpeg' },
    });
  }
  return binary;
}

export interface RunOptions {
  signal: AbortSignal;
  timeoutMs: number;
  tool: string;
  /** The input, opened (verified) for the run and handed to ffmpeg as its descriptor 3. */
  input?: InputFile;
  /** The output temp file, handed to ffmpeg as its descriptor 4. */
  output?: OutputTarget;
}

/**
 * ffmpeg reads and writes the files the policy opened and verified, as inherited descriptors,
 * never by path: a directory swapped for a link meanwhile cannot redirect it. Windows has no
 * `/dev/fd`; there the checked paths are used.
 */
const DESCRIPTORS = process.platform !== 'win32';
export const INPUT_FD = 3;
export const OUTPUT_FD = 4;

/** The ffmpeg output argument for a prepared output target. */
export function outputArg(out: OutputTarget): string {
  return DESCRIPTORS ? `file:/dev/fd/${OUTPUT_FD}` : `file:${out.file.realPath}`;
}

export interface RunResult {
  code: number | null;
  stderr: string;
}

/** stderr kept from one run; ffmpeg's banner and progress lines are long but bounded. */
const STDERR_CAP = 256 * 1024;

/**
 * Runs ffmpeg without a shell, killing it on timeout or when the call is cancelled.
 * Resolves with the exit code and (capped) stderr; ffmpeg reports failures there.
 */
export async function runFfmpeg(binary: string, args: string[], options: RunOptions): Promise<RunResult> {
  const input = options.input ? await options.input.open() : undefined;
  try {
    const stdio: Array<'ignore' | 'pipe' | number> = ['ignore', 'ignore', 'pipe'];
    if (DESCRIPTORS && (input || options.output)) stdio.push(input?.handle.fd ?? 'ignore', options.output?.file.handle.fd ?? 'ignore');
    return await spawnFfmpeg(binary, args, options, stdio);
  } finally {
    await input?.close();
  }
}

function spawnFfmpeg(binary: string, args: string[], options: RunOptions, stdio: Array<'ignore' | 'pipe' | number>): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    if (options.signal.aborted) {
      reject(new LlmspellError('CANCELLED', `${options.tool}: cancelled before ffmpeg started`));
      return;
    }
    const child = spawn(binary, ['-hide_banner', '-nostdin', ...args], { shell: false, stdio, windowsHide: true });
    let stderr = '';
    let settled = false;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      if (stderr.length < STDERR_CAP) stderr += chunk.slice(0, STDERR_CAP - stderr.length);
    });
    let stopping: LlmspellError | undefined;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(grace);
      options.signal.removeEventListener('abort', onAbort);
      fn();
    };
    let grace: NodeJS.Timeout | undefined;
    // Kill, then settle only once the process is gone, so callers never clean up under a live writer.
    const stop = (error: LlmspellError) => {
      if (stopping || settled) return;
      stopping = error;
      child.kill('SIGKILL');
      grace = setTimeout(() => finish(() => reject(error)), 5000);
    };
    const timer = setTimeout(() => {
      stop(new LlmspellError('TIMEOUT', `${options.tool}: ffmpeg did not finish within ${options.timeoutMs} ms`, { details: { timeout_ms: options.timeoutMs } }));
    }, options.timeoutMs);
    const onAbort = () => stop(new LlmspellError('CANCELLED', `${options.tool}: cancelled; ffmpeg was stopped`));
    options.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => finish(() => reject(stopping ?? new LlmspellError('TOOL_EXECUTION_FAILED', `${options.tool}: cannot run ffmpeg: ${error.message}`, { cause: error }))));
    child.on('close', (code) => finish(() => (stopping ? reject(stopping) : resolve({ code, stderr }))));
  });
}

/**
 * Arguments that open an input safely: the demuxer is forced to the one the magic bytes
 * named (so a file cannot pose as a playlist or concat list that points elsewhere), and
 * only the plain file protocol may be opened.
 */
export function inputArgs(input: InputFile, demuxer: string | undefined): string[] {
  const args = ['-protocol_whitelist', 'file'];
  if (demuxer) args.push('-f', demuxer);
  args.push('-i', DESCRIPTORS ? `file:/dev/fd/${INPUT_FD}` : `file:${input.resolved}`);
  return args;
}

/** The last meaningful lines of ffmpeg's stderr, for error messages. */
export function ffmpegErrorTail(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  return lines.slice(-3).join(' | ').slice(0, 600);
}

export interface StreamInfo {
  index: number;
  type: 'video' | 'audio' | 'subtitle' | 'data';
  codec: string;
  codec_long?: string;
  width?: number;
  height?: number;
  fps?: number;
  pixel_format?: string;
  sample_rate?: number;
  channels?: number;
  channel_layout?: string;
  bitrate_kbps?: number;
}

export interface ProbeInfo {
  container?: string;
  duration_seconds?: number;
  bitrate_kbps?: number;
  streams: StreamInfo[];
  tags: Record<string, string>;
}

const CHANNEL_LAYOUTS: Record<string, number> = { mono: 1, stereo: 2, '2.1': 3, '3.0': 3, quad: 4, '4.0': 4, '5.0': 5, '5.1': 6, '5.1(side)': 6, '6.1': 7, '7.1': 8 };

/**
 * Parses the input description ffmpeg prints for `ffmpeg -i <file>` (the same data ffprobe
 * gives: container, duration, bitrate, and per stream codec, size, frame rate, sample rate).
 */
export function parseFfmpegInfo(stderr: string): ProbeInfo {
  const info: ProbeInfo = { streams: [], tags: {} };
  const input = /^Input #0, ([^,]+(?:,[^,\s]+)*), from /m.exec(stderr);
  if (input) info.container = input[1];
  const duration = /Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(stderr);
  if (duration) info.duration_seconds = Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]);
  const bitrate = /Duration: .*?bitrate: (\d+) kb\/s/.exec(stderr);
  if (bitrate) info.bitrate_kbps = Number(bitrate[1]);
  let inStreams = false;
  for (const line of stderr.split(/\r?\n/)) {
    const stream = /^\s*Stream #0:(\d+)[^:]*: (Video|Audio|Subtitle|Data): (.*)$/.exec(line);
    if (stream) {
      inStreams = true;
      const [, index, kind, rest] = stream;
      const parts = splitTopLevel(rest);
      const codecPart = parts[0] ?? '';
      const s: StreamInfo = { index: Number(index), type: kind.toLowerCase() as StreamInfo['type'], codec: codecPart.split(/\s+/)[0] };
      const long = /\(([^)]*)\)/.exec(codecPart);
      if (long) s.codec_long = long[1];
      const kbps = /(\d+) kb\/s/.exec(rest);
      if (kbps) s.bitrate_kbps = Number(kbps[1]);
      if (s.type === 'video') {
        const size = /(?:^|[\s,])(\d{2,5})x(\d{2,5})(?:[\s,\[]|$)/.exec(rest);
        if (size) {
          s.width = Number(size[1]);
          s.height = Number(size[2]);
        }
        const fps = /([\d.]+)(k?) fps/.exec(rest) ?? /([\d.]+)(k?) tbr/.exec(rest);
        if (fps) s.fps = Number(fps[1]) * (fps[2] === 'k' ? 1000 : 1);
        if (parts[1] && /^[a-z0-9_]+/.test(parts[1])) s.pixel_format = /^[a-z0-9_]+/.exec(parts[1])![0];
      } else if (s.type === 'audio') {
        const hz = /(\d+) Hz/.exec(rest);
        if (hz) s.sample_rate = Number(hz[1]);
        const layoutPart = parts.find((p, i) => i > 0 && !/Hz|kb\/s/.test(p) && (CHANNEL_LAYOUTS[p.trim()] !== undefined || /^\d+ channels/.test(p.trim())));
        if (layoutPart) {
          const layout = layoutPart.trim();
          s.channel_layout = layout;
          s.channels = CHANNEL_LAYOUTS[layout] ?? Number(/^(\d+)/.exec(layout)?.[1]);
        }
      }
      info.streams.push(s);
      continue;
    }
    // Container-level metadata sits between "Input #0" and the first stream.
    const tag = /^\s{4}([A-Za-z0-9_]+)\s*: (.*)$/.exec(line);
    if (tag && !inStreams && info.container) info.tags[tag[1]] = tag[2];
  }
  return info;
}

/** Splits ffmpeg's "a (b, c), d, e" stream description on commas outside parentheses and brackets. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(' || ch === '[') depth += 1;
    if (ch === ')' || ch === ']') depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** Runs `ffmpeg -i` on an input and parses what it prints. */
export async function probe(binary: string, input: InputFile, demuxer: string | undefined, options: RunOptions): Promise<ProbeInfo> {
  const { stderr } = await runFfmpeg(binary, inputArgs(input, demuxer), { ...options, input });
  const info = parseFfmpegInfo(stderr);
  if (!info.container && info.streams.length === 0) {
    throw new LlmspellError('TOOL_EXECUTION_FAILED', `${options.tool}: ffmpeg could not read the file: ${ffmpegErrorTail(stderr)}`);
  }
  return info;
}
