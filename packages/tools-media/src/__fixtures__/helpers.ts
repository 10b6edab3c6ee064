import { promises as fs } from 'node:fs';
import { locateFfmpeg, runFfmpeg } from '../ffmpeg.js';

/** Files in a directory that look like leftovers of an atomic write. */
export async function tempLeftovers(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((f) => f.includes('.tmp'));
}

export interface WavSpec {
  sampleRate: number;
  channels: number;
  bitDepth: 8 | 16 | 24 | 32;
  seconds: number;
  frequency?: number;
  /** Appends a LIST chunk before `data`, as many encoders do. */
  listChunk?: boolean;
}

/** Builds a PCM WAV holding a sine wave, header and samples written byte by byte. */
export function makeWav(spec: WavSpec): Buffer {
  const { sampleRate, channels, bitDepth, seconds } = spec;
  const frequency = spec.frequency ?? 440;
  const frames = Math.round(sampleRate * seconds);
  const bytes = bitDepth / 8;
  const dataBytes = frames * channels * bytes;
  const list = spec.listChunk ? Buffer.concat([Buffer.from('LIST'), Buffer.from([5, 0, 0, 0]), Buffer.from('INFOx'), Buffer.from([0])]) : Buffer.alloc(0);
  const b = Buffer.alloc(44 + list.length + dataBytes);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(b.length - 8, 4);
  b.write('WAVE', 8, 'latin1');
  b.write('fmt ', 12, 'latin1');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(channels, 22);
  b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate * channels * bytes, 28);
  b.writeUInt16LE(channels * bytes, 32);
  b.writeUInt16LE(bitDepth, 34);
  list.copy(b, 36);
  const dataAt = 36 + list.length;
  b.write('data', dataAt, 'latin1');
  b.writeUInt32LE(dataBytes, dataAt + 4);
  let at = dataAt + 8;
  // A rotating phasor instead of Math.sin per sample: same wave, far cheaper under jest's VM.
  const step = (2 * Math.PI * frequency) / sampleRate;
  const cos = Math.cos(step);
  const sin = Math.sin(step);
  let re = 1;
  let im = 0;
  for (let i = 0; i < frames; i += 1) {
    const v = 0.5 * im;
    [re, im] = [re * cos - im * sin, re * sin + im * cos];
    for (let c = 0; c < channels; c += 1) {
      if (bitDepth === 8) b[at] = Math.round(v * 127) + 128;
      else if (bitDepth === 16) b.writeInt16LE(Math.round(v * 32767), at);
      else if (bitDepth === 24) b.writeIntLE(Math.round(v * 8388607), at, 3);
      else b.writeInt32LE(Math.round(v * 2147483647), at);
      at += bytes;
    }
  }
  return b;
}

/** Counts upward zero crossings of channel 0 of a 16-bit PCM WAV: frequency x seconds. */
export function countCrossings16(wav: Buffer, dataOffset: number, channels: number): number {
  let count = 0;
  let prev = 0;
  for (let at = dataOffset; at + 2 <= wav.length; at += 2 * channels) {
    const v = wav.readInt16LE(at);
    if (prev < 0 && v >= 0) count += 1;
    prev = v;
  }
  return count;
}

/** Makes a media file with the bundled ffmpeg from lavfi sources (fails the test if ffmpeg is missing). */
export async function ffmpegMake(target: string, args: string[]): Promise<void> {
  const binary = await locateFfmpeg();
  if (!binary) throw new Error('the bundled ffmpeg is not available; the video tests need @ffmpeg-installer/ffmpeg');
  const run = await runFfmpeg(binary, [...args, '-y', target], { signal: new AbortController().signal, timeoutMs: 60_000, tool: 'test' });
  if (run.code !== 0) throw new Error(`ffmpeg failed: ${run.stderr.slice(-500)}`);
}

export const MAGIC = {
  png: (b: Buffer) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  jpeg: (b: Buffer) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  gif: (b: Buffer) => b.toString('latin1', 0, 6) === 'GIF89a' || b.toString('latin1', 0, 6) === 'GIF87a',
  webp: (b: Buffer) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP',
  wav: (b: Buffer) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WAVE',
  mp3: (b: Buffer) => b.toString('latin1', 0, 3) === 'ID3' || (b[0] === 0xff && (b[1] & 0xe0) === 0xe0),
  flac: (b: Buffer) => b.toString('latin1', 0, 4) === 'fLaC',
};

/** A longer WAV made of `times` copies of a plain 44-byte-header WAV's samples (cheap to build). */
export function repeatWav(wav: Buffer, times: number): Buffer {
  const data = wav.subarray(44);
  const out = Buffer.concat([wav.subarray(0, 44), ...Array.from({ length: times }, () => data)]);
  out.writeUInt32LE(out.length - 8, 4);
  out.writeUInt32LE(data.length * times, 40);
  return out;
}
