import { promises as fs } from 'node:fs';
import { detectFormat } from '../src/index.js';
import { locateFfmpeg, parseFfmpegInfo, runFfmpeg } from '../src/ffmpeg.js';
import { videoProcessor, audioProcessor } from '../src/index.js';
import { failure, result, sandbox } from './helpers.js';

const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('detectFormat (magic bytes)', () => {
  it.each([
    [bytes('RIFF', [0, 0, 0, 0], 'WAVE'), 'audio', 'wav'],
    [bytes('RIFF', [0, 0, 0, 0], 'AVI '), 'video', 'avi'],
    [bytes('RIFF', [0, 0, 0, 0], 'WEBP'), 'image', 'webp'],
    [bytes('ID3', [4, 0, 0, 0, 0, 0, 0]), 'audio', 'mp3'],
    [bytes([0xff, 0xfb, 0x90, 0x64]), 'audio', 'mp3'],
    [bytes([0xff, 0xf1, 0x50, 0x80]), 'audio', 'aac'],
    [bytes('fLaC', [0, 0, 0, 34]), 'audio', 'flac'],
    [bytes('OggS', [0, 2], 'xxxxxxxxxxxxxxxxxxxxxx', [1], 'vorbis'), 'audio', 'ogg'],
    [bytes('OggS', [0, 2], 'xxxxxxxxxxxxxxxxxxxxxx', 'OpusHead'), 'audio', 'opus'],
    [bytes('FORM', [0, 0, 0, 0], 'AIFF'), 'audio', 'aiff'],
    [bytes([0, 0, 0, 0x20], 'ftypM4A ', [0, 0, 0, 0]), 'audio', 'm4a'],
    [bytes([0, 0, 0, 0x20], 'ftypisom', [0, 0, 2, 0]), 'video', 'mp4'],
    [bytes([0, 0, 0, 0x14], 'ftypqt  ', [0, 0, 0, 0]), 'video', 'mov'],
    [bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84], 'webm'), 'video', 'webm'],
    [bytes([0x1a, 0x45, 0xdf, 0xa3, 0xa3, 0x42, 0x82, 0x88], 'matroska'), 'video', 'mkv'],
    [bytes('FLV', [1, 5]), 'video', 'flv'],
    [bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a]), 'image', 'png'],
    [bytes([0xff, 0xd8, 0xff, 0xe0]), 'image', 'jpeg'],
    [bytes('GIF89a'), 'image', 'gif'],
    [bytes([0x49, 0x49, 0x2a, 0x00]), 'image', 'tiff'],
    [bytes([0, 0, 0, 0x1c], 'ftypavif'), 'image', 'avif'],
  ])('%#: detects %s', (data, kind, format) => {
    expect(detectFormat(data)).toMatchObject({ kind, format });
  });

  it('does not take text, playlists or a lone sync byte for media', () => {
    expect(detectFormat(Buffer.from('#EXTM3U\n#EXTINF:1,\nhttp://example.com/x.ts\n'))).toBeUndefined();
    expect(detectFormat(Buffer.from('hello world'))).toBeUndefined();
    expect(detectFormat(bytes([0xff, 0xff, 0xff, 0xff]))).toBeUndefined();
    expect(detectFormat(Buffer.alloc(0))).toBeUndefined();
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
    const box = await sandbox();
    try {
      await fs.writeFile(box.at('list.mp4'), `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n${box.outside}/x.ts\n#EXT-X-ENDLIST\n`);
      expect(await result(videoProcessor, { operation: 'metadata', file_path: 'list.mp4' }, { policy: box.policy })).toMatchObject({ is_video: false, format: 'unknown' });
      await failure(videoProcessor, { operation: 'thumbnail', file_path: 'list.mp4', target_path: 't.png' }, 'INVALID_ARGUMENT', 'file_path', { policy: box.policy });
      await failure(audioProcessor, { operation: 'convert', source_path: 'list.mp4', target_path: 'a.mp3' }, 'INVALID_ARGUMENT', 'source_path', { policy: box.policy });
      expect(await result(videoProcessor, { operation: 'detect', file_path: 'list.mp4' }, { policy: box.policy })).toMatchObject({ is_video: false });
    } finally {
      await box.cleanup();
    }
  });
});
