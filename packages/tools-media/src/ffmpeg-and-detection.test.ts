import { promises as fs } from 'node:fs';
import { detectFormat } from './index.js';
import { createExecutionContext } from '@llmspell/core';
import { locateFfmpeg, parseFfmpegInfo, probe, runFfmpeg } from './ffmpeg.js';
import { statInput } from './media-files.js';
import { videoProcessor, audioProcessor } from './index.js';
import { type ToolSandbox, expectToolFailure, toolResult, toolSandbox } from '@llmspell/core/testing';

const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('detectFormat (file-type, plus SVG and an MPEG frame check)', () => {
  // Headers as long as file-type reads for each format (a PNG up to its first IDAT, an Ogg page to its codec header).
  const PNG_HEAD = bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 'IHDR', Array(17).fill(0), [0, 0, 0, 0], 'IDAT');
  const ASF_HEADER = '3026b2758e66cf11a6d900aa0062ce6c';
  const asfWith = (streamType: string) => Buffer.concat([
    Buffer.from(ASF_HEADER, 'hex'), Buffer.from([0x7e, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 2]),
    // One Stream Properties object (GUID, size) whose stream type GUID decides audio or video.
    Buffer.from('9107dcb7b7a9cf118ee600c00c205365', 'hex'), Buffer.from([0x68, 0, 0, 0, 0, 0, 0, 0]), Buffer.from(streamType, 'hex'), Buffer.alloc(80),
  ]);
  it.each([
    ['audio', 'wav', 'wav', bytes('RIFF', [0, 0, 0, 0], 'WAVE')],
    ['video', 'avi', 'avi', bytes('RIFF', [0, 0, 0, 0], 'AVI ')],
    ['image', 'webp', undefined, bytes('RIFF', [0, 0, 0, 0], 'WEBP')],
    ['audio', 'mp3', 'mp3', bytes('ID3', [4, 0, 0, 0, 0, 0, 0], [0xff, 0xfb, 0x90, 0x64])],
    // An ID3 tag longer than the bytes read: file-type cannot look past it and answers mp3.
    ['audio', 'mp3', 'mp3', bytes('ID3', [4, 0, 0, 0, 0x7f, 0x7f], Array(64).fill(0))],
    // FLAC may carry an ID3 tag too; file-type skips it (a leading-bytes check called this mp3).
    ['audio', 'flac', 'flac', bytes('ID3', [4, 0, 0, 0, 0, 0, 0], 'fLaC', [0, 0, 0, 34])],
    ['audio', 'mp3', 'mp3', bytes([0xff, 0xfb, 0x90, 0x64])],
    ['audio', 'aac', 'aac', bytes([0xff, 0xf1, 0x50, 0x80])],
    ['audio', 'flac', 'flac', bytes('fLaC', [0, 0, 0, 34])],
    ['audio', 'ogg', 'ogg', bytes('OggS', [0, 2], 'xxxxxxxxxxxxxxxxxxxxxx', [1], 'vorbis', [0])],
    ['audio', 'opus', 'ogg', bytes('OggS', [0, 2], 'xxxxxxxxxxxxxxxxxxxxxx', 'OpusHead')],
    ['video', 'ogv', 'ogg', bytes('OggS', [0, 2], 'xxxxxxxxxxxxxxxxxxxxxx', [0x80], 'theora', [0])],
    ['audio', 'aiff', 'aiff', bytes('FORM', [0, 0, 0, 0], 'AIFF')],
    ['audio', 'm4a', 'mov', bytes([0, 0, 0, 0x20], 'ftypM4A ', [0, 0, 0, 0])],
    ['video', 'mp4', 'mov', bytes([0, 0, 0, 0x20], 'ftypisom', [0, 0, 2, 0])],
    ['video', 'mov', 'mov', bytes([0, 0, 0, 0x14], 'ftypqt  ', [0, 0, 0, 0])],
    ['video', '3gp', 'mov', bytes([0, 0, 0, 0x1c], 'ftyp3gp4')],
    ['video', 'webm', 'matroska', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84], 'webm')],
    ['video', 'mkv', 'matroska', bytes([0x1a, 0x45, 0xdf, 0xa3, 0xa3, 0x42, 0x82, 0x88], 'matroska')],
    ['video', 'flv', 'flv', bytes('FLV', [1, 5])],
    ['video', 'mpeg', 'mpeg', bytes([0, 0, 1, 0xba, 0x44, 0, 4, 0, 4, 1])],
    ['audio', 'wma', 'asf', asfWith('409e69f84d5bcf11a8fd00805f5c442b')],
    ['video', 'wmv', 'asf', asfWith('c0ef19bc4d5bcf11a8fd00805f5c442b')],
    ['image', 'png', undefined, PNG_HEAD],
    ['image', 'jpeg', undefined, bytes([0xff, 0xd8, 0xff, 0xe0])],
    ['image', 'gif', undefined, bytes('GIF89a')],
    ['image', 'tiff', undefined, bytes([0x49, 0x49, 0x2a, 0x00])],
    ['image', 'avif', undefined, bytes([0, 0, 0, 0x1c], 'ftypavif')],
    ['image', 'heic', undefined, bytes([0, 0, 0, 0x1c], 'ftypheic')],
    ['image', 'heif', undefined, bytes([0, 0, 0, 0x1c], 'ftypmif1')],
    ['image', 'svg', undefined, bytes('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>')],
    ['image', 'svg', undefined, bytes('  <svg xmlns="http://www.w3.org/2000/svg"/>')],
  ])('%s %s (demuxer %s)', async (kind, format, demuxer, data) => {
    const found = await detectFormat(data);
    expect(found).toMatchObject({ kind, format });
    expect(found?.demuxer).toBe(demuxer);
  });

  it('does not take text, playlists, other file types or a lone sync byte for media', async () => {
    await expect(detectFormat(Buffer.from('#EXTM3U\n#EXTINF:1,\nhttp://example.com/x.ts\n'))).resolves.toBeUndefined();
    await expect(detectFormat(Buffer.from('<?xml version="1.0"?><playlist/>'))).resolves.toBeUndefined();
    await expect(detectFormat(Buffer.from('hello world'))).resolves.toBeUndefined();
    await expect(detectFormat(bytes('%PDF-1.7\n'))).resolves.toBeUndefined();
    await expect(detectFormat(bytes('PK', [3, 4], Array(40).fill(0)))).resolves.toBeUndefined();
    // file-type alone calls these MPEG audio (layer I); the frame check refuses the reserved bitrate and sample rate.
    await expect(detectFormat(bytes([0xff, 0xff, 0xff, 0xff]))).resolves.toBeUndefined();
    await expect(detectFormat(bytes([0xff, 0xfb, 0xfc, 0x64]))).resolves.toBeUndefined();
    await expect(detectFormat(Buffer.alloc(0))).resolves.toBeUndefined();
  });
});

describe('detectFormat on files ffmpeg writes', () => {
  let ffmpeg: string;
  let box: ToolSandbox;
  const opts = () => ({ signal: new AbortController().signal, timeoutMs: 60_000, tool: 't' });
  beforeAll(async () => {
    const found = await locateFfmpeg();
    if (!found) throw new Error('the bundled ffmpeg is missing');
    ffmpeg = found;
    box = await toolSandbox();
  });
  afterAll(() => box.cleanup());

  const tone = ['-f', 'lavfi', '-i', 'sine=duration=0.3'];
  const clip = ['-f', 'lavfi', '-i', 'testsrc=duration=0.3:size=176x144:rate=25'];
  it.each([
    ['tone.wav', tone, 'audio', 'wav', 'audio/wav'],
    ['tone.mp3', tone, 'audio', 'mp3', 'audio/mpeg'],
    ['tone.flac', tone, 'audio', 'flac', 'audio/flac'],
    ['tone.ogg', [...tone, '-c:a', 'libvorbis'], 'audio', 'ogg', 'audio/ogg'],
    ['tone.opus', tone, 'audio', 'opus', 'audio/ogg; codecs=opus'],
    ['tone.aiff', tone, 'audio', 'aiff', 'audio/aiff'],
    ['tone.m4a', tone, 'audio', 'm4a', 'audio/mp4'],
    ['tone.aac', tone, 'audio', 'aac', 'audio/aac'],
    ['tone.ac3', tone, 'audio', 'ac3', 'audio/vnd.dolby.dd-raw'],
    ['tone.wma', tone, 'audio', 'wma', 'audio/x-ms-asf'],
    ['clip.mp4', clip, 'video', 'mp4', 'video/mp4'],
    ['clip.mov', clip, 'video', 'mov', 'video/quicktime'],
    ['clip.3gp', [...clip, '-c:v', 'h263'], 'video', '3gp', 'video/3gpp'],
    ['clip.webm', clip, 'video', 'webm', 'video/webm'],
    ['clip.mkv', clip, 'video', 'mkv', 'video/matroska'],
    ['clip.avi', clip, 'video', 'avi', 'video/vnd.avi'],
    ['clip.flv', clip, 'video', 'flv', 'video/x-flv'],
    ['clip.wmv', clip, 'video', 'wmv', 'video/x-ms-asf'],
    ['clip.mpg', clip, 'video', 'mpeg', 'video/mpeg'],
    ['clip.ts', clip, 'video', 'ts', 'video/mp2t'],
    ['clip.ogv', [...clip, '-c:v', 'libtheora'], 'video', 'ogv', 'video/ogg'],
  ])('%s: kind, format, MIME type, and a demuxer ffmpeg opens it with', async (name, input, kind, format, mime) => {
    const file = box.at(name);
    const made = await runFfmpeg(ffmpeg, ['-hide_banner', '-y', ...(input as string[]), file], opts());
    expect(made.code).toBe(0);
    const found = await detectFormat((await fs.readFile(file)).subarray(0, 4096));
    expect(found).toMatchObject({ kind, format, mime });
    // ffmpeg reads the file the policy opened (its descriptor), not the path.
    const checked = await statInput(createExecutionContext({ policy: box.policy }), 't', 'file_path', name, Number.MAX_SAFE_INTEGER);
    const info = await probe(ffmpeg, checked, found?.demuxer, opts());
    expect(info.streams.length).toBeGreaterThan(0);
  });
});

describe('parseFfmpegInfo', () => {
  it('reads container, duration, bitrate and stream details from ffmpeg -i output', () => {
    const stderr = [
      "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from '/tmp/t.mp4':",
      '  Metadata:',
      '    major_brand     : isom',
      '    encoder         : Lavf58.24.100',
      '  Duration: 00:01:02.50, start: 0.000000, bitrate: 129 kb/s',
      '    Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p, 1920x1080 [SAR 1:1 DAR 16:9], 45 kb/s, 29.97 fps, 29.97 tbr, 30k tbn, 59.94 tbc (default)',
      '    Metadata:',
      '      handler_name    : VideoHandler',
      '    Stream #0:1(eng): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, 5.1, fltp, 384 kb/s (default)',
      'At least one output file must be specified',
    ].join('\n');
    const info = parseFfmpegInfo(stderr);
    expect(info).toMatchObject({ container: 'mov,mp4,m4a,3gp,3g2,mj2', duration_seconds: 62.5, bitrate_kbps: 129, tags: { major_brand: 'isom', encoder: 'Lavf58.24.100' } });
    expect(info.streams).toEqual([
      { index: 0, type: 'video', codec: 'h264', codec_long: 'High', bitrate_kbps: 45, width: 1920, height: 1080, fps: 29.97, pixel_format: 'yuv420p' },
      { index: 1, type: 'audio', codec: 'aac', codec_long: 'LC', bitrate_kbps: 384, sample_rate: 48000, channel_layout: '5.1', channels: 6 },
    ]);
  });
});

describe('runFfmpeg', () => {
  let ffmpeg: string;
  beforeAll(async () => {
    const found = await locateFfmpeg();
    if (!found) throw new Error('the bundled ffmpeg is missing');
    ffmpeg = found;
  });
  // An endless generator: only a kill ends it, so a prompt rejection proves the process was stopped.
  const endless = ['-f', 'lavfi', '-i', 'sine=frequency=440', '-f', 'null', '-'];

  it('kills ffmpeg when the signal aborts', async () => {
    const controller = new AbortController();
    const run = runFfmpeg(ffmpeg, endless, { signal: controller.signal, timeoutMs: 60_000, tool: 't' });
    controller.abort();
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('kills ffmpeg at the timeout', async () => {
    const started = Date.now();
    await expect(runFfmpeg(ffmpeg, endless, { signal: new AbortController().signal, timeoutMs: 300, tool: 't' })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('reports a failing run by its exit code and stderr', async () => {
    const r = await runFfmpeg(ffmpeg, ['-f', 'lavfi', '-i', 'nosuchfilter', '-f', 'null', '-'], { signal: new AbortController().signal, timeoutMs: 10_000, tool: 't' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/nosuchfilter/);
  });
});

describe('hostile inputs', () => {
  it('never hands ffmpeg a playlist that points elsewhere', async () => {
    const box = await toolSandbox();
    try {
      await fs.writeFile(box.at('list.mp4'), `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n${box.outside}/x.ts\n#EXT-X-ENDLIST\n`);
      expect(await toolResult(videoProcessor, { operation: 'metadata', file_path: 'list.mp4' }, { policy: box.policy })).toMatchObject({ is_video: false, format: 'unknown' });
      await expectToolFailure(videoProcessor, { operation: 'thumbnail', file_path: 'list.mp4', target_path: 't.png' }, 'INVALID_ARGUMENT', 'file_path', { policy: box.policy });
      await expectToolFailure(audioProcessor, { operation: 'convert', source_path: 'list.mp4', target_path: 'a.mp3' }, 'INVALID_ARGUMENT', 'source_path', { policy: box.policy });
      expect(await toolResult(videoProcessor, { operation: 'detect', file_path: 'list.mp4' }, { policy: box.policy })).toMatchObject({ is_video: false });
    } finally {
      await box.cleanup();
    }
  });
});
