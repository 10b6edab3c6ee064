/** What a WAV file's RIFF header says. */
export interface WavInfo {
  /** 1 = integer PCM, 3 = IEEE float (WAVE_FORMAT_EXTENSIBLE is resolved to its sub-format). */
  audio_format: number;
  encoding: 'pcm_int' | 'pcm_float' | 'other';
  channels: number;
  sample_rate: number;
  byte_rate: number;
  block_align: number;
  bit_depth: number;
  data_offset: number;
  data_bytes: number;
  sample_frames: number;
  duration_seconds: number;
}

export class WavError extends Error {}

/**
 * Sample rates a header may claim. Far outside what audio uses, a rate only makes a tiny file
 * promise hours of sound, and resampling it to a normal rate huge work (a 1 Hz header converted
 * to 384 kHz is 384000 output frames per input byte).
 */
export const MIN_SAMPLE_RATE = 1000;
export const MAX_SAMPLE_RATE = 768_000;

/**
 * Parses the RIFF/WAVE header: walks the chunks for `fmt ` and `data` (skipping LIST,
 * fact and others, honouring the pad byte of odd-sized chunks).
 */
export function parseWav(b: Buffer): WavInfo {
  if (b.length < 12 || b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WAVE') {
    throw new WavError('not a RIFF/WAVE file');
  }
  let offset = 12;
  let fmt: Omit<WavInfo, 'data_offset' | 'data_bytes' | 'sample_frames' | 'duration_seconds'> | undefined;
  while (offset + 8 <= b.length) {
    const id = b.toString('latin1', offset, offset + 4);
    const size = b.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > b.length) throw new WavError('fmt chunk is truncated');
      let audioFormat = b.readUInt16LE(body);
      const bitDepth = b.readUInt16LE(body + 14);
      if (audioFormat === 0xfffe && size >= 40 && body + 26 <= b.length) audioFormat = b.readUInt16LE(body + 24);
      fmt = {
        audio_format: audioFormat,
        encoding: audioFormat === 1 ? 'pcm_int' : audioFormat === 3 ? 'pcm_float' : 'other',
        channels: b.readUInt16LE(body + 2),
        sample_rate: b.readUInt32LE(body + 4),
        byte_rate: b.readUInt32LE(body + 8),
        block_align: b.readUInt16LE(body + 12),
        bit_depth: bitDepth,
      };
    } else if (id === 'data') {
      if (!fmt) throw new WavError('data chunk comes before the fmt chunk');
      checkFormat(fmt);
      // A streaming writer may leave the size at 0 or 0xFFFFFFFF, and a cut-off recording claims
      // more than is there; the rest of the file is the data then.
      const available = b.length - body;
      const dataBytes = size === 0 || size === 0xffffffff || size > available ? available : size;
      const frames = Math.floor(dataBytes / fmt.block_align);
      return { ...fmt, data_offset: body, data_bytes: dataBytes, sample_frames: frames, duration_seconds: frames / fmt.sample_rate };
    }
    offset = body + size + (size % 2);
  }
  throw new WavError(fmt ? 'no data chunk' : 'no fmt chunk');
}

/**
 * Refuses headers whose fields contradict each other: the decoder trusts block_align to step
 * over whole frames, so a block shorter than one sample per channel would read past the data.
 */
function checkFormat(fmt: Pick<WavInfo, 'encoding' | 'channels' | 'sample_rate' | 'block_align' | 'bit_depth'>): void {
  if (fmt.channels === 0) throw new WavError('fmt chunk has zero channels');
  if (fmt.sample_rate < MIN_SAMPLE_RATE || fmt.sample_rate > MAX_SAMPLE_RATE) {
    throw new WavError(`sample rate ${fmt.sample_rate} Hz is outside ${MIN_SAMPLE_RATE}-${MAX_SAMPLE_RATE} Hz`);
  }
  // Integer PCM may use any width up to 32 bits (12- and 20-bit files exist); float is 32 or 64.
  // Compressed formats (ADPCM, MP3 in WAV) state 0-16 bits or none, and only their metadata is read.
  const bits = fmt.bit_depth;
  const known = fmt.encoding === 'pcm_int' ? bits >= 1 && bits <= 32 : fmt.encoding === 'pcm_float' ? bits === 32 || bits === 64 : bits <= 64;
  if (!known) throw new WavError(`${bits}-bit samples are not valid for ${fmt.encoding === 'other' ? 'this format' : fmt.encoding}`);
  if (fmt.block_align === 0) throw new WavError('fmt chunk has a zero block size');
  const frameBytes = fmt.channels * Math.ceil(bits / 8);
  if (fmt.block_align < frameBytes) {
    throw new WavError(`block_align ${fmt.block_align} is smaller than one frame (${fmt.channels} channels x ${bits} bits = ${frameBytes} bytes)`);
  }
}

/** Decodes integer (8/16/24/32-bit) or float (32/64-bit) PCM into one Float32Array per channel, in [-1, 1]. */
export function decodeWav(b: Buffer, info: WavInfo): Float32Array[] {
  const { channels, sample_frames: frames, bit_depth: bits, encoding } = info;
  const bytes = bits / 8;
  const supported = (encoding === 'pcm_int' && [8, 16, 24, 32].includes(bits)) || (encoding === 'pcm_float' && (bits === 32 || bits === 64));
  if (!supported) throw new WavError(`cannot decode ${encoding} WAV with ${bits}-bit samples`);
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  let at = info.data_offset;
  for (let f = 0; f < frames; f += 1) {
    for (let c = 0; c < channels; c += 1) {
      let v: number;
      if (encoding === 'pcm_float') v = bits === 32 ? b.readFloatLE(at) : b.readDoubleLE(at);
      else if (bits === 8) v = (b[at] - 128) / 128;
      else if (bits === 16) v = b.readInt16LE(at) / 32768;
      else if (bits === 24) v = b.readIntLE(at, 3) / 8388608;
      else v = b.readInt32LE(at) / 2147483648;
      out[c][f] = v;
      at += bytes;
    }
    at += info.block_align - channels * bytes;
  }
  return out;
}

/** Encodes channels as integer PCM WAV (8, 16, 24 or 32 bits), clipping to [-1, 1]. */
export function encodeWav(channels: Float32Array[], sampleRate: number, bitDepth: 8 | 16 | 24 | 32): Buffer {
  const frames = channels[0]?.length ?? 0;
  const count = channels.length;
  const bytes = bitDepth / 8;
  const dataBytes = frames * count * bytes;
  const b = Buffer.alloc(44 + dataBytes + (dataBytes % 2));
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(b.length - 8, 4);
  b.write('WAVE', 8, 'latin1');
  b.write('fmt ', 12, 'latin1');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(count, 22);
  b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate * count * bytes, 28);
  b.writeUInt16LE(count * bytes, 32);
  b.writeUInt16LE(bitDepth, 34);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(dataBytes, 40);
  let at = 44;
  for (let f = 0; f < frames; f += 1) {
    for (let c = 0; c < count; c += 1) {
      const v = Math.max(-1, Math.min(1, channels[c][f]));
      if (bitDepth === 8) b[at] = Math.round(v * 127) + 128;
      else if (bitDepth === 16) b.writeInt16LE(Math.round(v * 32767), at);
      else if (bitDepth === 24) b.writeIntLE(Math.round(v * 8388607), at, 3);
      else b.writeInt32LE(Math.round(v * 2147483647), at);
      at += bytes;
    }
  }
  return b;
}

/**
 * Changes the channel count: to mono by averaging, from mono by copying, otherwise by
 * keeping the first channels (or repeating the last one to fill).
 */
export function remixChannels(input: Float32Array[], target: number): Float32Array[] {
  if (input.length === target) return input;
  const frames = input[0]?.length ?? 0;
  if (target === 1) {
    const mono = new Float32Array(frames);
    for (const ch of input) for (let i = 0; i < frames; i += 1) mono[i] += ch[i] / input.length;
    return [mono];
  }
  return Array.from({ length: target }, (_, c) => Float32Array.from(input[Math.min(c, input.length - 1)]));
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Largest polyphase table built (phases x taps); beyond it the kernel is computed per sample. */
const MAX_TABLE = 1 << 20;

/** How many frames a channel has after resampling from `from` to `to` Hz. */
export function resampledLength(frames: number, from: number, to: number): number {
  return from === to ? frames : Math.max(1, Math.round(frames * (to / from)));
}

/** Kernel evaluations between two calls of `pause`: a few milliseconds of work. */
const WORK_PER_SLICE = 1 << 18;

/**
 * Resamples by windowed-sinc interpolation (Hann window, 16 zero crossings each side),
 * low-passing at the lower of the two Nyquist frequencies so downsampling does not alias.
 * For rational ratios (all common rates) the kernel is precomputed once per phase.
 *
 * Even within the size limits this can take seconds (odd ratios compute the kernel per sample),
 * so the work is done in slices with `pause` awaited between them: the caller yields to the
 * event loop there and throws to stop when its call is cancelled or out of time.
 */
export async function resample(input: Float32Array[], from: number, to: number, pause: () => Promise<void> = async () => {}): Promise<Float32Array[]> {
  if (from === to) return input;
  const ratio = to / from;
  const cutoff = Math.min(1, ratio);
  const radius = 16 / cutoff;
  const taps = 2 * Math.ceil(radius) + 1;
  const g = gcd(from, to);
  const phases = to / g;
  const step = from / g;
  const kernel = (d: number) => {
    if (Math.abs(d) > radius) return 0;
    const x = d * cutoff;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    return sinc * (0.5 + 0.5 * Math.cos((Math.PI * d) / radius));
  };
  // Output sample i sits at input position i*step/phases: integer part base, fraction phase/phases.
  const table = phases * taps <= MAX_TABLE ? new Float64Array(phases * taps) : undefined;
  const half = Math.ceil(radius);
  if (table) {
    for (let p = 0; p < phases; p += 1) {
      let sum = 0;
      for (let t = 0; t < taps; t += 1) {
        const w = kernel(t - half - p / phases);
        table[p * taps + t] = w;
        sum += w;
      }
      for (let t = 0; t < taps; t += 1) table[p * taps + t] /= sum;
      if (p % Math.max(1, Math.floor(WORK_PER_SLICE / taps)) === 0) await pause();
    }
  }
  const slice = Math.max(1, Math.floor(WORK_PER_SLICE / taps));
  const out: Float32Array[] = [];
  for (const ch of input) {
    const length = resampledLength(ch.length, from, to);
    const samples = new Float32Array(length);
    for (let start = 0; start < length; start += slice) {
      await pause();
      const end = Math.min(length, start + slice);
      for (let i = start; i < end; i += 1) {
        const pos = i * step;
        const base = Math.floor(pos / phases);
        const phase = pos - base * phases;
        let acc = 0;
        let weights = 0;
        for (let t = 0; t < taps; t += 1) {
          const j = base - half + t;
          if (j < 0 || j >= ch.length) continue;
          const w = table ? table[phase * taps + t] : kernel(t - half - phase / phases);
          acc += ch[j] * w;
          weights += w;
        }
        // Near the edges part of the kernel falls outside the signal; renormalise so the level holds.
        samples[i] = weights !== 0 ? acc / weights : 0;
      }
    }
    out.push(samples);
  }
  return out;
}
