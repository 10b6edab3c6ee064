import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { imageProcessor } from './index.js';
import { type ToolSandbox, expectToolFailure, toolResult, toolSandbox } from '@llmspell/core/testing';
import { MAGIC, tempLeftovers } from './__fixtures__/helpers.js';

const RED = [255, 0, 0];
const GREEN = [0, 255, 0];
const BLUE = [0, 0, 255];
const WHITE = [255, 255, 255];

/** A 200x100 RGB image whose quadrants are red, green (top) and blue, white (bottom). */
async function quadrants(): Promise<Buffer> {
  const width = 200;
  const height = 100;
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const c = y < height / 2 ? (x < width / 2 ? RED : GREEN) : (x < width / 2 ? BLUE : WHITE);
      raw.set(c, (y * width + x) * 3);
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

async function pixel(file: string, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [data[at], data[at + 1], data[at + 2]];
}

function near(actual: number[], expected: number[], tolerance = 40): boolean {
  return actual.every((v, i) => Math.abs(v - expected[i]) <= tolerance);
}

describe('image_processor', () => {
  let box: ToolSandbox;
  let opts: { policy: ToolSandbox['policy'] };
  beforeEach(async () => {
    box = await toolSandbox();
    opts = { policy: box.policy };
    await fs.writeFile(box.at('quad.png'), await quadrants());
  });
  afterEach(() => box.cleanup());

  it('detects formats by magic bytes, not by extension', async () => {
    await fs.copyFile(box.at('quad.png'), box.at('really-a-png.jpg'));
    const r = await toolResult(imageProcessor, { operation: 'detect', file_path: 'really-a-png.jpg' }, opts);
    expect(r).toMatchObject({ is_image: true, format: 'png', mime_type: 'image/png', extension_format: 'jpeg', extension_matches: false, detected_by: 'magic_bytes' });
    await fs.writeFile(box.at('notes.png'), 'just text');
    expect(await toolResult(imageProcessor, { operation: 'detect', file_path: 'notes.png' }, opts)).toMatchObject({ is_image: false, format: 'unknown' });
  });

  it('reads metadata: format, dimensions, colour info and size; DOC path/get_info aliases work', async () => {
    const size = (await fs.stat(box.at('quad.png'))).size;
    const r = await toolResult(imageProcessor, { operation: 'metadata', file_path: 'quad.png' }, opts);
    expect(r).toMatchObject({ format: 'png', width: 200, height: 100, file_size: size, aspect_ratio: 2, color: { space: 'srgb', channels: 3, has_alpha: false, bit_depth: 8 } });
    expect(await toolResult(imageProcessor, { operation: 'get_info', path: 'quad.png' }, opts)).toEqual(r);
    expect(await toolResult(imageProcessor, { operation: 'extract_metadata', path: 'quad.png' }, opts)).toEqual(r);
    expect(await toolResult(imageProcessor, { file_path: 'quad.png' }, opts)).toEqual(r);
    await fs.writeFile(box.at('alpha.png'), await sharp({ create: { width: 3, height: 5, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.5 } } }).png().toBuffer());
    expect(await toolResult(imageProcessor, { operation: 'metadata', file_path: 'alpha.png' }, opts)).toMatchObject({ width: 3, height: 5, color: { channels: 4, has_alpha: true } });
  });

  it('resizes keeping the aspect ratio, or to exact dimensions', async () => {
    const a = await toolResult(imageProcessor, { operation: 'resize', source_path: 'quad.png', target_path: 'r1.png', width: 100 }, opts);
    expect(a).toMatchObject({ width: 100, height: 50, format: 'png', original: { width: 200, height: 100 } });
    expect(await sharp(box.at('r1.png')).metadata()).toMatchObject({ width: 100, height: 50, format: 'png' });
    await toolResult(imageProcessor, { operation: 'resize', source_path: 'quad.png', target_path: 'r2.png', width: 80, height: 80 }, opts);
    expect(await sharp(box.at('r2.png')).metadata()).toMatchObject({ width: 80, height: 40 });
    await toolResult(imageProcessor, { operation: 'resize', source_path: 'quad.png', target_path: 'r3.png', width: 80, height: 80, maintain_aspect_ratio: false }, opts);
    expect(await sharp(box.at('r3.png')).metadata()).toMatchObject({ width: 80, height: 80 });
    await toolResult(imageProcessor, { operation: 'resize', file_path: 'quad.png', target_path: 'r4.png', height: 20 }, opts);
    expect(await sharp(box.at('r4.png')).metadata()).toMatchObject({ width: 40, height: 20 });
    await expectToolFailure(imageProcessor, { operation: 'resize', source_path: 'quad.png', target_path: 'r5.png' }, 'INVALID_ARGUMENT', 'width', opts);
    await expectToolFailure(imageProcessor, { operation: 'resize', source_path: 'quad.png', target_path: 'r5.png', width: -3 }, 'INVALID_ARGUMENT', 'width', opts);
    await expectToolFailure(imageProcessor, { operation: 'resize', source_path: 'quad.png', width: 10 }, 'INVALID_ARGUMENT', 'target_path', opts);
  });

  it('converts to png, jpeg, gif and webp (checked by magic bytes)', async () => {
    await fs.copyFile(box.at('quad.png'), box.at('src.png'));
    for (const [format, target] of [['jpeg', 'c.jpg'], ['webp', 'c.webp'], ['gif', 'c.gif']] as const) {
      const r = await toolResult(imageProcessor, { operation: 'convert', source_path: 'src.png', target_path: target, target_format: format }, opts);
      expect(r).toMatchObject({ format, width: 200, height: 100 });
      const bytes = await fs.readFile(box.at(target));
      expect(MAGIC[format](bytes)).toBe(true);
      expect(r.file_size).toBe(bytes.length);
    }
    // Format from the extension; jpg is jpeg; and back to png.
    expect(await toolResult(imageProcessor, { operation: 'convert', source_path: 'c.webp', target_path: 'back.png' }, opts)).toMatchObject({ format: 'png' });
    expect(MAGIC.png(await fs.readFile(box.at('back.png')))).toBe(true);
    expect(near(await pixel(box.at('c.jpg'), 10, 10), RED)).toBe(true);
    expect(await toolResult(imageProcessor, { operation: 'convert', source_path: 'src.png', target_path: 'x.out', target_format: 'JPG', quality: 50 }, opts)).toMatchObject({ format: 'jpeg' });
    await expectToolFailure(imageProcessor, { operation: 'convert', source_path: 'src.png', target_path: 'x.out' }, 'INVALID_ARGUMENT', 'target_format', opts);
    await expectToolFailure(imageProcessor, { operation: 'convert', source_path: 'src.png', target_path: 'x.bmp', target_format: 'bmp' }, 'INVALID_ARGUMENT', 'target_format', opts);
    expect(await tempLeftovers(box.root)).toEqual([]);
  });

  it('crops the named region', async () => {
    const r = await toolResult(imageProcessor, { operation: 'crop', source_path: 'quad.png', target_path: 'crop.png', x: 100, y: 50, width: 60, height: 30 }, opts);
    expect(r).toMatchObject({ width: 60, height: 30 });
    expect(await sharp(box.at('crop.png')).metadata()).toMatchObject({ width: 60, height: 30 });
    expect(await pixel(box.at('crop.png'), 0, 0)).toEqual(WHITE);
    await toolResult(imageProcessor, { operation: 'crop', source_path: 'quad.png', target_path: 'crop2.png', x: 90, y: 0, width: 20, height: 10 }, opts);
    expect(await pixel(box.at('crop2.png'), 0, 0)).toEqual(RED);
    expect(await pixel(box.at('crop2.png'), 19, 0)).toEqual(GREEN);
    await expectToolFailure(imageProcessor, { operation: 'crop', source_path: 'quad.png', target_path: 'c.png', x: 150, y: 0, width: 60, height: 10 }, 'INVALID_ARGUMENT', 'width', opts);
    await expectToolFailure(imageProcessor, { operation: 'crop', source_path: 'quad.png', target_path: 'c.png', x: 0, y: 100, width: 6, height: 10 }, 'INVALID_ARGUMENT', 'y', opts);
    await expectToolFailure(imageProcessor, { operation: 'crop', source_path: 'quad.png', target_path: 'c.png', y: 0, width: 6, height: 10 }, 'INVALID_ARGUMENT', 'x', opts);
    await expect(fs.stat(box.at('c.png'))).rejects.toThrow();
  });

  it('rotates by 90, 180 and 270 degrees', async () => {
    await toolResult(imageProcessor, { operation: 'rotate', source_path: 'quad.png', target_path: 'r90.png' }, opts);
    expect(await sharp(box.at('r90.png')).metadata()).toMatchObject({ width: 100, height: 200 });
    // Clockwise: the bottom-left (blue) quadrant moves to the top-left.
    expect(await pixel(box.at('r90.png'), 5, 5)).toEqual(BLUE);
    await toolResult(imageProcessor, { operation: 'rotate', source_path: 'quad.png', target_path: 'r180.png', degrees: 180 }, opts);
    expect(await sharp(box.at('r180.png')).metadata()).toMatchObject({ width: 200, height: 100 });
    expect(await pixel(box.at('r180.png'), 5, 5)).toEqual(WHITE);
    await toolResult(imageProcessor, { operation: 'rotate', source_path: 'quad.png', target_path: 'r270.png', degrees: 270 }, opts);
    expect(await sharp(box.at('r270.png')).metadata()).toMatchObject({ width: 100, height: 200 });
    expect(await pixel(box.at('r270.png'), 5, 5)).toEqual(GREEN);
    await expectToolFailure(imageProcessor, { operation: 'rotate', source_path: 'quad.png', target_path: 'r45.png', degrees: 45 }, 'INVALID_ARGUMENT', 'degrees', opts);
  });

  it('makes thumbnails within max_width x max_height, never enlarging', async () => {
    const r = await toolResult(imageProcessor, { operation: 'thumbnail', source_path: 'quad.png', target_path: 'thumb.webp', max_width: 50, max_height: 50 }, opts);
    expect(r).toMatchObject({ format: 'webp', width: 50, height: 25 });
    expect(await sharp(box.at('thumb.webp')).metadata()).toMatchObject({ format: 'webp', width: 50, height: 25 });
    // Defaults 200x200: the 200x100 image already fits.
    expect(await toolResult(imageProcessor, { operation: 'thumbnail', source_path: 'quad.png', target_path: 'thumb.png' }, opts)).toMatchObject({ width: 200, height: 100 });
    await toolResult(imageProcessor, { operation: 'thumbnail', source_path: 'quad.png', target_path: 'thumb2.png', max_width: 400, max_height: 30 }, opts);
    expect(await sharp(box.at('thumb2.png')).metadata()).toMatchObject({ width: 60, height: 30 });
  });

  it('refuses paths outside the allowed roots, in and out', async () => {
    await fs.copyFile(box.at('quad.png'), path.join(box.outside, 'out.png'));
    await expectToolFailure(imageProcessor, { operation: 'metadata', file_path: path.join(box.outside, 'out.png') }, 'PATH_NOT_ALLOWED', undefined, opts);
    await expectToolFailure(imageProcessor, { operation: 'detect', file_path: '../outside/out.png' }, 'PATH_NOT_ALLOWED', undefined, opts);
    await expectToolFailure(imageProcessor, { operation: 'resize', source_path: 'quad.png', target_path: path.join(box.outside, 'w.png'), width: 10 }, 'PATH_NOT_ALLOWED', undefined, opts);
    await expect(fs.stat(path.join(box.outside, 'w.png'))).rejects.toThrow();
  });

  it('names the tool and parameter when the policy refuses a path', async () => {
    await fs.copyFile(box.at('quad.png'), path.join(box.outside, 'out.png'));
    await expectToolFailure(imageProcessor, { operation: 'metadata', file_path: path.join(box.outside, 'out.png') }, 'PATH_NOT_ALLOWED', /image_processor: parameter 'file_path': /, opts);
    await expectToolFailure(imageProcessor, { operation: 'resize', source_path: 'quad.png', target_path: path.join(box.outside, 'w.png'), width: 10 }, 'PATH_NOT_ALLOWED', /image_processor: parameter 'target_path': /, opts);
  });

  it('refuses an output over the pixel limit before libvips starts', async () => {
    // 100000 x 100000 from a tiny file ran until the script's time limit. Refused with the size it
    // computed (not TIMEOUT, and no file): libvips was never started on it.
    const err = await expectToolFailure(imageProcessor, { operation: 'resize', source_path: 'quad.png', target_path: 'big.png', width: 100_000, height: 100_000, maintain_aspect_ratio: false }, 'SIZE_LIMIT_EXCEEDED', 'width', opts);
    expect(err).toMatchObject({ details: { pixels: 1e10, limit: 0x3fff * 0x3fff } });
    // Keeping the aspect ratio, the missing side follows it: 100000 wide is 50000 high.
    await expectToolFailure(imageProcessor, { operation: 'resize', source_path: 'quad.png', target_path: 'big.png', width: 100_000 }, 'SIZE_LIMIT_EXCEEDED', 'width', opts);
    await expectToolFailure(imageProcessor, { operation: 'resize', source_path: 'quad.png', target_path: 'big.png', height: 50_000 }, 'SIZE_LIMIT_EXCEEDED', 'height', opts);
    // Without the aspect ratio a missing side stays the source's: 200 x 100000 is fine.
    expect(await toolResult(imageProcessor, { operation: 'resize', source_path: 'quad.png', target_path: 'tall.png', height: 100_000, maintain_aspect_ratio: false }, opts))
      .toMatchObject({ width: 200, height: 100_000 });
    await expect(fs.stat(box.at('big.png'))).rejects.toThrow();
    // Fitting inside a box, the tighter side decides: 100000 x 10 is 20 x 10.
    expect(await toolResult(imageProcessor, { operation: 'resize', source_path: 'quad.png', target_path: 'fit.png', width: 100_000, height: 10 }, opts))
      .toMatchObject({ width: 20, height: 10 });
  });

  it('stops libvips at the timeout_ms setting, and returns at once when the call is cancelled', async () => {
    // 16000 x 16000 is within the pixel limit but takes libvips many seconds.
    const huge = { operation: 'resize', source_path: 'quad.png', target_path: 'huge.png', width: 16_000, height: 16_000, maintain_aspect_ratio: false };
    let started = Date.now();
    await expectToolFailure(imageProcessor, huge, 'TIMEOUT', /image_processor: resize did not finish within 1 s/, { ...opts, settings: { timeout_ms: 1000 } });
    expect(Date.now() - started).toBeLessThan(6000);
    const controller = new AbortController();
    started = Date.now();
    setTimeout(() => controller.abort(), 100);
    await expectToolFailure(imageProcessor, huge, 'CANCELLED', undefined, { ...opts, settings: { timeout_ms: 1000 }, signal: controller.signal });
    expect(Date.now() - started).toBeLessThan(1500);
    await expect(fs.stat(box.at('huge.png'))).rejects.toThrow();
    // Let libvips reach its own timeout before the next test.
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }, 15_000);

  it('renders SVG without loading the files it references', async () => {
    await fs.copyFile(box.at('quad.png'), path.join(box.outside, 'secret.png'));
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="20">`
      + `<image xlink:href="file://${path.join(box.outside, 'secret.png')}" width="40" height="20"/>`
      + `<image xlink:href="../outside/secret.png" width="40" height="20"/></svg>`;
    await fs.writeFile(box.at('ref.svg'), svg);
    expect(await toolResult(imageProcessor, { operation: 'detect', file_path: 'ref.svg' }, opts)).toMatchObject({ format: 'svg' });
    expect(await toolResult(imageProcessor, { operation: 'convert', source_path: 'ref.svg', target_path: 'ref.png' }, opts)).toMatchObject({ width: 40, height: 20 });
    const { data } = await sharp(box.at('ref.png')).raw().toBuffer({ resolveWithObject: true });
    expect(data.every((v) => v === 0)).toBe(true);
  });

  it('refuses files over the policy limit or the max_file_size setting', async () => {
    const size = (await fs.stat(box.at('quad.png'))).size;
    const small = await toolSandbox({ maxFileBytes: size - 1 });
    try {
      await fs.copyFile(box.at('quad.png'), small.at('q.png'));
      await expectToolFailure(imageProcessor, { operation: 'metadata', file_path: 'q.png' }, 'SIZE_LIMIT_EXCEEDED', 'file_path', { policy: small.policy });
      await expectToolFailure(imageProcessor, { operation: 'resize', source_path: 'q.png', target_path: 'o.png', width: 5 }, 'SIZE_LIMIT_EXCEEDED', 'source_path', { policy: small.policy });
    } finally {
      await small.cleanup();
    }
    await expectToolFailure(imageProcessor, { operation: 'metadata', file_path: 'quad.png' }, 'SIZE_LIMIT_EXCEEDED', 'file_path', { ...opts, settings: { max_file_size: 100 } });
    expect(await toolResult(imageProcessor, { operation: 'metadata', file_path: 'quad.png' }, { ...opts, settings: { max_file_size: size } })).toMatchObject({ width: 200 });
  });

  it('names the parameter for bad input', async () => {
    await fs.writeFile(box.at('text.png'), 'not an image at all');
    // metadata of a file that is no image answers "unknown" (the reference's behaviour); processing refuses it.
    expect(await toolResult(imageProcessor, { operation: 'metadata', file_path: 'text.png' }, opts))
      .toEqual({ file_path: 'text.png', is_image: false, format: 'unknown', file_size: 19 });
    await fs.copyFile(box.at('quad.png'), box.at('quad.txt'));
    expect(await toolResult(imageProcessor, { operation: 'metadata', file_path: 'quad.txt' }, opts)).toMatchObject({ format: 'png', width: 200 });
    await expectToolFailure(imageProcessor, { operation: 'resize', source_path: 'text.png', target_path: 'r.png', width: 5 }, 'INVALID_ARGUMENT', 'source_path', opts);
    await expectToolFailure(imageProcessor, { operation: 'metadata', file_path: 'missing.png' }, 'NOT_FOUND', 'file_path', opts);
    await expectToolFailure(imageProcessor, { operation: 'metadata' }, 'INVALID_ARGUMENT', 'file_path', opts);
    await expectToolFailure(imageProcessor, { operation: 'sharpen', file_path: 'quad.png' }, 'INVALID_ARGUMENT', 'operation', opts);
    await expectToolFailure(imageProcessor, { operation: 'thumbnail', source_path: 'quad.png', target_path: 't.png', max_width: 0 }, 'INVALID_ARGUMENT', 'max_width', opts);
    await fs.mkdir(box.at('sub'));
    await expectToolFailure(imageProcessor, { operation: 'resize', source_path: 'quad.png', target_path: 'sub', width: 5 }, 'INVALID_ARGUMENT', 'target_path', opts);
  });
});
