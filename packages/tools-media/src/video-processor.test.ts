import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { videoProcessor } from './index.js';
import { type ToolSandbox, expectToolFailure, toolResult, toolSandbox } from '@llmspell/core/testing';
import { ffmpegMake, MAGIC, tempLeftovers } from './__fixtures__/helpers.js';

describe('video_processor', () => {
  let box: ToolSandbox;
  let opts: { policy: ToolSandbox['policy'] };
  beforeAll(async () => {
    box = await toolSandbox();
    opts = { policy: box.policy };
    await ffmpegMake(box.at('clip.mp4'), [
      '-f', 'lavfi', '-i', 'testsrc=size=640x480:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest',
    ]);
    await ffmpegMake(box.at('clip.webm'), ['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '1', '-c:v', 'libvpx', '-b:v', '200k']);
    // One second of red, then one of blue: which colour a frame has proves where it was taken.
    await ffmpegMake(box.at('colors.mp4'), [
      '-f', 'lavfi', '-i', 'color=c=red:s=64x48:r=10:d=1', '-f', 'lavfi', '-i', 'color=c=blue:s=64x48:r=10:d=1',
      '-filter_complex', '[0:v][1:v]concat=n=2:v=1:a=0', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
    ]);
  });
  afterAll(() => box.cleanup());

  it('detects containers by magic bytes', async () => {
    expect(await toolResult(videoProcessor, { operation: 'detect', file_path: 'clip.mp4' }, opts))
      .toMatchObject({ is_video: true, format: 'mp4', mime_type: 'video/mp4', extension_matches: true, detected_by: 'magic_bytes' });
    expect(await toolResult(videoProcessor, { operation: 'detect', file_path: 'clip.webm' }, opts)).toMatchObject({ is_video: true, format: 'webm', mime_type: 'video/webm' });
    await fs.copyFile(box.at('clip.webm'), box.at('misnamed.mp4'));
    expect(await toolResult(videoProcessor, { operation: 'detect', path: 'misnamed.mp4' }, opts)).toMatchObject({ format: 'webm', extension_format: 'mp4', extension_matches: false });
    await fs.writeFile(box.at('text.mp4'), 'nope');
    expect(await toolResult(videoProcessor, { operation: 'detect', file_path: 'text.mp4' }, opts)).toMatchObject({ is_video: false, format: 'unknown' });
  });

  it('reads real metadata: duration, resolution, fps, codecs', async () => {
    const mp4 = await toolResult(videoProcessor, { operation: 'metadata', file_path: 'clip.mp4' }, opts);
    expect(mp4).toMatchObject({
      format: 'mp4', width: 640, height: 480, resolution: '640x480', fps: 25, video_codec: 'h264', pixel_format: 'yuv420p',
      has_video: true, has_audio: true, audio: { codec: 'aac', sample_rate: 44100, channels: 1 },
    });
    expect(Math.abs(mp4.duration_seconds - 2)).toBeLessThan(0.1);
    expect(mp4.file_size).toBe((await fs.stat(box.at('clip.mp4'))).size);
    const webm = await toolResult(videoProcessor, { operation: 'get_info', path: 'clip.webm' }, opts);
    expect(webm).toMatchObject({ format: 'webm', width: 160, height: 120, fps: 10, video_codec: 'vp8', has_audio: false });
    expect(Math.abs(webm.duration_seconds - 1)).toBeLessThan(0.1);
  });

  it('reads MP4 and WebM headers itself when ffmpeg is off, matching what ffmpeg reports', async () => {
    const noFfmpeg = { ...opts, settings: { use_ffmpeg: false } };
    for (const file of ['clip.mp4', 'clip.webm', 'colors.mp4']) {
      const viaFfmpeg = await toolResult(videoProcessor, { operation: 'metadata', file_path: file }, opts);
      const direct = await toolResult(videoProcessor, { operation: 'metadata', file_path: file }, noFfmpeg);
      expect(viaFfmpeg.metadata_source).toBe('ffmpeg');
      expect(direct.metadata_source).toBe('container');
      for (const key of ['format', 'width', 'height', 'fps', 'video_codec', 'has_audio']) expect([file, key, direct[key]]).toEqual([file, key, viaFfmpeg[key]]);
      expect(Math.abs(direct.duration_seconds - viaFfmpeg.duration_seconds)).toBeLessThan(0.05);
      if (viaFfmpeg.has_audio) expect(direct.audio).toMatchObject({ codec: viaFfmpeg.audio.codec, sample_rate: viaFfmpeg.audio.sample_rate, channels: viaFfmpeg.audio.channels });
    }
    await ffmpegMake(box.at('clip.avi'), ['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=5', '-t', '1', '-c:v', 'mpeg4']);
    expect(await toolResult(videoProcessor, { operation: 'metadata', file_path: 'clip.avi' }, opts)).toMatchObject({ format: 'avi', width: 64, height: 48, video_codec: 'mpeg4' });
    await expectToolFailure(videoProcessor, { operation: 'metadata', file_path: 'clip.avi' }, 'UNSUPPORTED', /use_ffmpeg/, noFfmpeg);
    await expectToolFailure(videoProcessor, { operation: 'thumbnail', file_path: 'clip.mp4', target_path: 'no.png' }, 'UNSUPPORTED', /needs ffmpeg/, noFfmpeg);
    await expect(fs.stat(box.at('no.png'))).rejects.toThrow();
  });

  it('makes a thumbnail that fits max_width x max_height', async () => {
    const r = await toolResult(videoProcessor, { operation: 'thumbnail', file_path: 'clip.mp4', target_path: 'thumbs/t.jpg', timestamp_seconds: 1 }, opts);
    expect(r).toMatchObject({ format: 'jpeg', width: 320, height: 240, timestamp_seconds: 1 });
    const bytes = await fs.readFile(box.at('thumbs/t.jpg'));
    expect(MAGIC.jpeg(bytes)).toBe(true);
    expect(await sharp(bytes).metadata()).toMatchObject({ width: 320, height: 240 });
    await toolResult(videoProcessor, { operation: 'thumbnail', file_path: 'clip.mp4', target_path: 'thumbs/small.png', max_width: 100, max_height: 100 }, opts);
    expect(await sharp(box.at('thumbs/small.png')).metadata()).toMatchObject({ format: 'png', width: 100, height: 75 });
    expect(await tempLeftovers(box.at('thumbs'))).toEqual([]);
  });

  it('extracts the full-size frame at timestamp_seconds', async () => {
    const r = await toolResult(videoProcessor, { operation: 'extract_frame', file_path: 'colors.mp4', target_path: 'early.png', timestamp_seconds: 0.5 }, opts);
    expect(r).toMatchObject({ format: 'png', width: 64, height: 48 });
    await toolResult(videoProcessor, { operation: 'extract_frame', file_path: 'colors.mp4', target_path: 'late.webp', timestamp_seconds: 1.5 }, opts);
    expect(MAGIC.png(await fs.readFile(box.at('early.png')))).toBe(true);
    expect(MAGIC.webp(await fs.readFile(box.at('late.webp')))).toBe(true);
    const colour = async (file: string) => {
      const { data } = await sharp(box.at(file)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return [data[0], data[1], data[2]];
    };
    const [r1, , b1] = await colour('early.png');
    const [r2, , b2] = await colour('late.webp');
    expect(r1).toBeGreaterThan(200);
    expect(b1).toBeLessThan(60);
    expect(b2).toBeGreaterThan(200);
    expect(r2).toBeLessThan(60);
  });

  it('names the parameter for bad input', async () => {
    await expectToolFailure(videoProcessor, { operation: 'extract_frame', file_path: 'colors.mp4', target_path: 'never.png', timestamp_seconds: 30 }, 'INVALID_ARGUMENT', 'timestamp_seconds', opts);
    await expect(fs.stat(box.at('never.png'))).rejects.toThrow();
    await expectToolFailure(videoProcessor, { operation: 'thumbnail', file_path: 'clip.mp4' }, 'INVALID_ARGUMENT', 'target_path', opts);
    await expectToolFailure(videoProcessor, { operation: 'thumbnail', file_path: 'clip.mp4', target_path: 'x.gif', target_format: 'gif' }, 'INVALID_ARGUMENT', 'target_format', opts);
    await expectToolFailure(videoProcessor, { operation: 'thumbnail', file_path: 'clip.mp4', target_path: 'x.png', timestamp_seconds: -1 }, 'INVALID_ARGUMENT', 'timestamp_seconds', opts);
    // metadata of a file that is no video answers "unknown" (the reference's behaviour); frames refuse it.
    expect(await toolResult(videoProcessor, { operation: 'metadata', file_path: 'text.mp4' }, opts)).toMatchObject({ is_video: false, format: 'unknown' });
    await expectToolFailure(videoProcessor, { operation: 'thumbnail', file_path: 'text.mp4', target_path: 't.png' }, 'INVALID_ARGUMENT', 'file_path', opts);
    await expectToolFailure(videoProcessor, { operation: 'metadata', file_path: 'missing.mp4' }, 'NOT_FOUND', 'file_path', opts);
    await expectToolFailure(videoProcessor, { operation: 'transcode', file_path: 'clip.mp4' }, 'INVALID_ARGUMENT', 'operation', opts);
  });

  it('refuses paths outside the allowed roots and oversize files', async () => {
    await fs.copyFile(box.at('clip.webm'), path.join(box.outside, 'o.webm'));
    await expectToolFailure(videoProcessor, { operation: 'metadata', file_path: path.join(box.outside, 'o.webm') }, 'PATH_NOT_ALLOWED', undefined, opts);
    await expectToolFailure(videoProcessor, { operation: 'thumbnail', file_path: 'clip.webm', target_path: path.join(box.outside, 't.png') }, 'PATH_NOT_ALLOWED', undefined, opts);
    await expect(fs.stat(path.join(box.outside, 't.png'))).rejects.toThrow();
    await expectToolFailure(videoProcessor, { operation: 'metadata', file_path: 'clip.mp4' }, 'SIZE_LIMIT_EXCEEDED', 'file_path', { ...opts, settings: { max_file_size: 1024 } });
  });
});
