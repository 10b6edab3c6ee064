import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createExecutionContext } from '@llmspell/core';
import { audioProcessor, parseWav } from './index.js';
import { DETECTION_BYTES } from './magic-bytes.js';
import { type ToolSandbox, expectToolFailure, toolResult, toolSandbox } from '@llmspell/core/testing';
import { countCrossings16, MAGIC, makeWav, repeatWav, tempLeftovers } from './__fixtures__/helpers.js';

/** A PCM WAV of silence whose header says exactly what is given, consistent or not. */
function rawWav(h: { rate: number; channels: number; bits: number; blockAlign?: number; frames: number; format?: number }): Buffer {
  const blockAlign = h.blockAlign ?? h.channels * Math.ceil(h.bits / 8);
  const data = Buffer.alloc(h.frames * blockAlign, h.bits === 8 ? 128 : 0);
  const b = Buffer.alloc(44);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(36 + data.length, 4);
  b.write('WAVEfmt ', 8, 'latin1');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(h.format ?? 1, 20);
  b.writeUInt16LE(h.channels, 22);
  b.writeUInt32LE(h.rate, 24);
  b.writeUInt32LE(h.rate * blockAlign, 28);
  b.writeUInt16LE(blockAlign, 32);
  b.writeUInt16LE(h.bits, 34);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(data.length, 40);
  return Buffer.concat([b, data]);
}

describe('audio_processor', () => {
  let box: ToolSandbox;
  let opts: { policy: ToolSandbox['policy'] };
  beforeEach(async () => {
    box = await toolSandbox();
    opts = { policy: box.policy };
    // 1.5 s of a 440 Hz sine, stereo, 16-bit, 44.1 kHz: 66150 frames.
    await fs.writeFile(box.at('tone.wav'), makeWav({ sampleRate: 44100, channels: 2, bitDepth: 16, seconds: 1.5 }));
  });
  afterEach(() => box.cleanup());

  it('reads WAV metadata from the RIFF header exactly', async () => {
    const r = await toolResult(audioProcessor, { operation: 'metadata', file_path: 'tone.wav' }, opts);
    expect(r).toMatchObject({
      format: 'wav', mime_type: 'audio/wav', sample_rate: 44100, channels: 2, bit_depth: 16, encoding: 'pcm_int',
      sample_frames: 66150, duration_seconds: 1.5, byte_rate: 176400, block_align: 4, bitrate: 1411200, file_size: 44 + 66150 * 4,
    });
    await fs.writeFile(box.at('mono24.wav'), makeWav({ sampleRate: 8000, channels: 1, bitDepth: 24, seconds: 0.25, listChunk: true }));
    expect(await toolResult(audioProcessor, { operation: 'get_info', path: 'mono24.wav' }, opts))
      .toMatchObject({ sample_rate: 8000, channels: 1, bit_depth: 24, sample_frames: 2000, duration_seconds: 0.25, block_align: 3 });
  });

  it('reads as far as file-type looks: a FLAC behind a 4086-byte ID3 tag (signature at byte 4096) is FLAC', async () => {
    expect(DETECTION_BYTES).toBe(4100);
    const payload = 4086;
    const id3 = Buffer.alloc(10 + payload);
    id3.write('ID3', 0, 'latin1');
    id3[3] = 4;
    Buffer.from([(payload >> 21) & 0x7f, (payload >> 14) & 0x7f, (payload >> 7) & 0x7f, payload & 0x7f]).copy(id3, 6);
    await fs.writeFile(box.at('tagged.flac'), Buffer.concat([id3, Buffer.from('fLaC'), Buffer.from([0x80, 0, 0, 34]), Buffer.alloc(64)]));
    expect(await toolResult(audioProcessor, { operation: 'detect', file_path: 'tagged.flac' }, opts))
      .toMatchObject({ is_audio: true, format: 'flac', extension_matches: true });
  });

  it('detects by magic bytes, not the extension', async () => {
    await fs.copyFile(box.at('tone.wav'), box.at('sound.mp3'));
    expect(await toolResult(audioProcessor, { operation: 'detect', file_path: 'sound.mp3' }, opts))
      .toMatchObject({ is_audio: true, format: 'wav', mime_type: 'audio/wav', extension_format: 'mp3', extension_matches: false, detected_by: 'magic_bytes' });
    await fs.writeFile(box.at('fake.wav'), 'RIFF but not really');
    expect(await toolResult(audioProcessor, { operation: 'detect', file_path: 'fake.wav' }, opts)).toMatchObject({ is_audio: false, format: 'unknown' });
    // metadata of a file that is not audio reports an unknown format, like the reference, instead of failing.
    expect(await toolResult(audioProcessor, { operation: 'metadata', file_path: 'fake.wav' }, opts))
      .toEqual({ file_path: 'fake.wav', is_audio: false, format: 'unknown', file_size: 19 });
    await fs.writeFile(box.at('pic.wav'), Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
    expect(await toolResult(audioProcessor, { operation: 'metadata', file_path: 'pic.wav' }, opts))
      .toMatchObject({ is_audio: false, format: 'unknown', detected_kind: 'image', detected_format: 'png' });
    // A file that claims to be WAV but is broken is still an error, naming the parameter.
    await fs.writeFile(box.at('broken.wav'), Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVEjunk')]));
    await expectToolFailure(audioProcessor, { operation: 'metadata', file_path: 'broken.wav' }, 'INVALID_ARGUMENT', 'file_path', opts);
    await expectToolFailure(audioProcessor, { operation: 'convert', source_path: 'fake.wav', target_path: 'x.wav' }, 'INVALID_ARGUMENT', 'source_path', opts);
  });

  it('resamples, remixes channels and changes bit depth of WAV in pure JS', async () => {
    const r = await toolResult(audioProcessor, { operation: 'convert', source_path: 'tone.wav', target_path: 'out/half.wav', sample_rate: 22050, channels: 1 }, opts);
    expect(r).toMatchObject({ engine: 'builtin', source_format: 'wav', target_format: 'wav', target: { sample_rate: 22050, channels: 1, bit_depth: 16, duration_seconds: 1.5, sample_frames: 33075 } });
    const half = await fs.readFile(box.at('out/half.wav'));
    const info = parseWav(half);
    expect(info).toMatchObject({ sample_rate: 22050, channels: 1, bit_depth: 16, sample_frames: 33075 });
    // The pitch survives resampling: 440 Hz for 1.5 s is 660 upward zero crossings (±1 at the edges).
    expect(Math.abs(countCrossings16(half, info.data_offset, 1) - 660)).toBeLessThanOrEqual(1);
    // ... and the amplitude (0.5 of full scale) too.
    let peak = 0;
    for (let at = info.data_offset; at < half.length; at += 2) peak = Math.max(peak, Math.abs(half.readInt16LE(at)));
    expect(peak / 32767).toBeGreaterThan(0.48);
    expect(peak / 32767).toBeLessThan(0.52);

    const up = await toolResult(audioProcessor, { operation: 'convert', source_path: 'out/half.wav', target_path: 'up.wav', sample_rate: 48000, channels: 2, bit_depth: 24 }, opts);
    expect(up.target).toMatchObject({ sample_rate: 48000, channels: 2, bit_depth: 24, duration_seconds: 1.5 });
    expect(await tempLeftovers(box.at('out'))).toEqual([]);
  });

  it('converts WAV to MP3 and FLAC with ffmpeg and back, reporting the real result', async () => {
    const mp3 = await toolResult(audioProcessor, { operation: 'convert', source_path: 'tone.wav', target_path: 'tone.mp3', target_format: 'mp3', bitrate: 128 }, opts);
    expect(mp3).toMatchObject({ engine: 'ffmpeg', target_format: 'mp3', target: { format: 'mp3', codec: expect.stringMatching(/MPEG 1 Layer 3/i), sample_rate: 44100, channels: 2 } });
    expect(Math.abs(mp3.target.duration_seconds - 1.5)).toBeLessThan(0.1);
    expect(MAGIC.mp3(await fs.readFile(box.at('tone.mp3')))).toBe(true);

    const meta = await toolResult(audioProcessor, { operation: 'metadata', file_path: 'tone.mp3' }, opts);
    expect(meta).toMatchObject({ format: 'mp3', sample_rate: 44100, channels: 2, lossless: false });
    expect(meta.bitrate).toBe(128000);
    expect(await toolResult(audioProcessor, { operation: 'detect', file_path: 'tone.mp3' }, opts)).toMatchObject({ format: 'mp3', extension_matches: true });

    const back = await toolResult(audioProcessor, { operation: 'convert', source_path: 'tone.mp3', target_path: 'back.wav', sample_rate: 16000, channels: 1 }, opts);
    expect(back).toMatchObject({ engine: 'ffmpeg', source_format: 'mp3', target: { format: 'wav', sample_rate: 16000, channels: 1, bit_depth: 16 } });
    expect(Math.abs(back.target.duration_seconds - 1.5)).toBeLessThan(0.1);

    const flac = await toolResult(audioProcessor, { operation: 'convert', source_path: 'tone.wav', target_path: 'tone.flac' }, opts);
    expect(flac.target).toMatchObject({ format: 'flac', sample_rate: 44100, channels: 2, bit_depth: 16, lossless: true, duration_seconds: 1.5 });
    expect(MAGIC.flac(await fs.readFile(box.at('tone.flac')))).toBe(true);
    expect(await tempLeftovers(box.root)).toEqual([]);
  });

  it('keeps WAV conversion working when ffmpeg is off, and says what is missing otherwise', async () => {
    const noFfmpeg = { ...opts, settings: { use_ffmpeg: false } };
    expect(await toolResult(audioProcessor, { operation: 'convert', source_path: 'tone.wav', target_path: 'mono.wav', channels: 1 }, noFfmpeg)).toMatchObject({ engine: 'builtin', target: { channels: 1 } });
    await expectToolFailure(audioProcessor, { operation: 'convert', source_path: 'tone.wav', target_path: 'x.mp3' }, 'UNSUPPORTED', /needs ffmpeg.*use_ffmpeg/, noFfmpeg);
  });

  it('names the parameter for bad conversions', async () => {
    await expectToolFailure(audioProcessor, { operation: 'convert', source_path: 'tone.wav' }, 'INVALID_ARGUMENT', 'target_path', opts);
    await expectToolFailure(audioProcessor, { operation: 'convert', source_path: 'tone.wav', target_path: 'x.aac', target_format: 'aac' }, 'INVALID_ARGUMENT', 'target_format', opts);
    await expectToolFailure(audioProcessor, { operation: 'convert', source_path: 'tone.wav', target_path: 'x.xyz' }, 'INVALID_ARGUMENT', 'target_path', opts);
    await expectToolFailure(audioProcessor, { operation: 'convert', source_path: 'tone.wav', target_path: 'x.wav', bit_depth: 12 }, 'INVALID_ARGUMENT', 'bit_depth', opts);
    await expectToolFailure(audioProcessor, { operation: 'convert', source_path: 'tone.wav', target_path: 'x.wav', sample_rate: 10 }, 'INVALID_ARGUMENT', 'sample_rate', opts);
    await expectToolFailure(audioProcessor, { operation: 'convert', target_path: 'x.wav' }, 'INVALID_ARGUMENT', 'source_path', opts);
    await expectToolFailure(audioProcessor, { operation: 'normalize', file_path: 'tone.wav' }, 'INVALID_ARGUMENT', 'operation', opts);
    await fs.writeFile(box.at('text.wav'), 'hello');
    await expectToolFailure(audioProcessor, { operation: 'convert', source_path: 'text.wav', target_path: 'y.mp3' }, 'INVALID_ARGUMENT', 'source_path', opts);
    await expect(fs.stat(box.at('y.mp3'))).rejects.toThrow();
  });

  it('refuses paths outside the allowed roots and oversize files', async () => {
    await fs.copyFile(box.at('tone.wav'), path.join(box.outside, 'o.wav'));
    await expectToolFailure(audioProcessor, { operation: 'metadata', file_path: path.join(box.outside, 'o.wav') }, 'PATH_NOT_ALLOWED', undefined, opts);
    await expectToolFailure(audioProcessor, { operation: 'convert', source_path: 'tone.wav', target_path: '../outside/x.mp3' }, 'PATH_NOT_ALLOWED', undefined, opts);
    await expect(fs.stat(path.join(box.outside, 'x.mp3'))).rejects.toThrow();
    await expectToolFailure(audioProcessor, { operation: 'metadata', file_path: 'tone.wav' }, 'SIZE_LIMIT_EXCEEDED', 'file_path', { ...opts, settings: { max_file_size: 1000 } });
    const small = await toolSandbox({ maxFileBytes: 1000 });
    try {
      await fs.copyFile(box.at('tone.wav'), small.at('t.wav'));
      await expectToolFailure(audioProcessor, { operation: 'convert', source_path: 't.wav', target_path: 't.mp3' }, 'SIZE_LIMIT_EXCEEDED', 'source_path', { policy: small.policy });
    } finally {
      await small.cleanup();
    }
  });

  it('refuses a header whose sample rate is absurd instead of resampling for minutes', async () => {
    // 1 KB claiming 1 Hz: converted to 384 kHz it was 3.8e8 output frames of synchronous work.
    await fs.writeFile(box.at('slow.wav'), rawWav({ rate: 1, channels: 1, bits: 8, frames: 1000 }));
    const err = await expectToolFailure(audioProcessor, { operation: 'convert', source_path: 'slow.wav', target_path: 'fast.wav', sample_rate: 384_000 }, 'INVALID_ARGUMENT', 'source_path', opts);
    expect(err.message).toContain('sample rate 1 Hz');
    await expectToolFailure(audioProcessor, { operation: 'metadata', file_path: 'slow.wav' }, 'INVALID_ARGUMENT', 'file_path', opts);
    await fs.writeFile(box.at('fast.wav'), rawWav({ rate: 5_000_000, channels: 1, bits: 8, frames: 10 }));
    await expectToolFailure(audioProcessor, { operation: 'metadata', file_path: 'fast.wav' }, 'INVALID_ARGUMENT', 'file_path', opts);
  });

  it('refuses a conversion whose output would pass the size limit before doing the work', async () => {
    // 1000 frames at 1 kHz to 384 kHz, 32-bit: 1.5 MB from 1 KB, over a 100 kB max_file_size.
    await fs.writeFile(box.at('k.wav'), rawWav({ rate: 1000, channels: 1, bits: 8, frames: 1000 }));
    const small = { ...opts, settings: { max_file_size: 100_000 } };
    const err = await expectToolFailure(audioProcessor, { operation: 'convert', source_path: 'k.wav', target_path: 'k384.wav', sample_rate: 384_000, bit_depth: 32 }, 'SIZE_LIMIT_EXCEEDED', 'sample_rate', small);
    expect(err).toMatchObject({ details: { bytes: 44 + 384_000 * 4, limit: 100_000 } });
    await expect(fs.stat(box.at('k384.wav'))).rejects.toThrow();
    await expectToolFailure(audioProcessor, { operation: 'convert', source_path: 'k.wav', target_path: 'k8.wav', channels: 8, bit_depth: 32, sample_rate: 8000 }, 'SIZE_LIMIT_EXCEEDED', 'sample_rate', { ...opts, settings: { max_file_size: 5000 } });
    await expectToolFailure(audioProcessor, { operation: 'convert', source_path: 'k.wav', target_path: 'k8.wav', channels: 8 }, 'SIZE_LIMIT_EXCEEDED', 'channels', { ...opts, settings: { max_file_size: 5000 } });
    // Within the limit the same conversion works.
    expect(await toolResult(audioProcessor, { operation: 'convert', source_path: 'k.wav', target_path: 'k384.wav', sample_rate: 384_000 }, opts))
      .toMatchObject({ target: { sample_rate: 384_000, sample_frames: 384_000 } });
  });

  it('resamples in slices: the event loop keeps running and a cancel stops the work', async () => {
    // An odd ratio (44101 -> 48000 Hz) computes the kernel per sample: seconds of work for 30 s of audio.
    await fs.writeFile(box.at('odd.wav'), makeWav({ sampleRate: 44101, channels: 1, bitDepth: 16, seconds: 30 }));
    const controller = new AbortController();
    const ctx = createExecutionContext({ policy: box.policy, signal: controller.signal });
    const started = Date.now();
    const running = audioProcessor.run(audioProcessor.validate({ operation: 'convert', source_path: 'odd.wav', target_path: 'odd48.wav', sample_rate: 48000 }), ctx);
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = Date.now();
      controller.abort();
    }, 200);
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    // The timer fired on time (the loop was not blocked) and the work stopped soon after it.
    expect(abortedAt - started).toBeLessThan(3000);
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    await expect(fs.stat(box.at('odd48.wav'))).rejects.toThrow();
  });

  it('refuses WAV headers that contradict themselves, naming the file parameter', async () => {
    // block_align 1 for 2 channels x 16 bits made the decoder read past the buffer ("offset out of range").
    await fs.writeFile(box.at('align.wav'), rawWav({ rate: 44100, channels: 2, bits: 16, blockAlign: 1, frames: 100 }));
    const err = await expectToolFailure(audioProcessor, { operation: 'convert', source_path: 'align.wav', target_path: 'a.wav' }, 'INVALID_ARGUMENT', 'source_path', opts);
    expect(err.message).toContain('block_align 1');
    await expectToolFailure(audioProcessor, { operation: 'metadata', file_path: 'align.wav' }, 'INVALID_ARGUMENT', 'file_path', opts);
    expect(() => parseWav(rawWav({ rate: 44100, channels: 0, bits: 16, blockAlign: 2, frames: 1 }))).toThrow(/zero channels/);
    expect(() => parseWav(rawWav({ rate: 44100, channels: 1, bits: 0, blockAlign: 2, frames: 1 }))).toThrow(/0-bit/);
    expect(() => parseWav(rawWav({ rate: 44100, channels: 1, bits: 48, frames: 1 }))).toThrow(/48-bit/);
    expect(() => parseWav(rawWav({ rate: 44100, channels: 1, bits: 16, format: 3, frames: 1 }))).toThrow(/16-bit samples are not valid for pcm_float/);
    // A data chunk that claims more than the file holds is read as far as the file goes.
    const cut = rawWav({ rate: 8000, channels: 1, bits: 16, frames: 100 }).subarray(0, 44 + 50);
    expect(parseWav(cut)).toMatchObject({ data_bytes: 50, sample_frames: 25 });
    // Compressed formats keep their metadata: IMA ADPCM states 4 bits and a large block.
    expect(parseWav(rawWav({ rate: 22050, channels: 1, bits: 4, blockAlign: 512, frames: 1, format: 0x11 }))).toMatchObject({ encoding: 'other', bit_depth: 4 });
  });

  it('names the tool and parameter when the policy refuses a path', async () => {
    await fs.copyFile(box.at('tone.wav'), path.join(box.outside, 'o.wav'));
    await expectToolFailure(audioProcessor, { operation: 'metadata', file_path: path.join(box.outside, 'o.wav') }, 'PATH_NOT_ALLOWED', /audio_processor: parameter 'file_path': /, opts);
    await expectToolFailure(audioProcessor, { operation: 'convert', source_path: 'tone.wav', target_path: '../outside/x.wav' }, 'PATH_NOT_ALLOWED', /audio_processor: parameter 'target_path': /, opts);
    await expectToolFailure(audioProcessor, { operation: 'convert', source_path: 'tone.wav', target_path: '../outside/x.mp3' }, 'PATH_NOT_ALLOWED', /audio_processor: parameter 'target_path': /, opts);
  });

  it('stops ffmpeg when the call is cancelled, leaving no partial output', async () => {
    const already = new AbortController();
    already.abort();
    await expectToolFailure(audioProcessor, { operation: 'convert', source_path: 'tone.wav', target_path: 'c.mp3' }, 'CANCELLED', undefined, { ...opts, signal: already.signal });
    // A minute of audio takes ffmpeg a while; cancel mid-way and await the tool itself (not just the race in executeComponent).
    await fs.writeFile(box.at('long.wav'), repeatWav(await fs.readFile(box.at('tone.wav')), 40));
    const controller = new AbortController();
    const ctx = createExecutionContext({ policy: box.policy, signal: controller.signal });
    const running = audioProcessor.run(audioProcessor.validate({ operation: 'convert', source_path: 'long.wav', target_path: 'long.mp3' }), ctx);
    setTimeout(() => controller.abort(), 50);
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(fs.stat(box.at('long.mp3'))).rejects.toThrow();
    expect(await tempLeftovers(box.root)).toEqual([]);
  });
});
