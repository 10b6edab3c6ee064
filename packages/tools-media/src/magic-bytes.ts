/** What a file's leading bytes say it is. */
export interface DetectedFormat {
  kind: 'image' | 'audio' | 'video';
  /** Short name: png, jpeg, wav, mp3, mp4, webm… */
  format: string;
  mime: string;
  /** For containers: the demuxer name ffmpeg must use, so it never guesses (or follows playlists). */
  demuxer?: string;
}

interface Media {
  kind: DetectedFormat['kind'];
  format?: string;
  /** Replaces file-type's MIME type where ours is the registered or the usual one. */
  mime?: string;
  demuxer?: string;
}

const image = (format?: string, mime?: string): Media => ({ kind: 'image', format, mime });
const audio = (demuxer: string, format?: string, mime?: string): Media => ({ kind: 'audio', demuxer, format, mime });
const video = (demuxer: string, format?: string, mime?: string): Media => ({ kind: 'video', demuxer, format, mime });

/**
 * file-type's extension → our kind, format name (file-type's extension unless given) and ffmpeg demuxer.
 * A type missing here (PDF, ZIP, MIDI…) is not media to these tools.
 */
const MEDIA: Record<string, Media> = {
  png: image(), apng: image('png', 'image/png'), jpg: image('jpeg'), gif: image(), webp: image(), bmp: image(), tif: image('tiff'),
  ico: image(), cur: image(), avif: image(), jxl: image(), jp2: image(), jpx: image(), psd: image(), icns: image(),
  cr2: image(), cr3: image(), nef: image(), dng: image(), arw: image(), orf: image(), rw2: image(), raf: image(),
  mp3: audio('mp3'), mp2: audio('mp3'), mp1: audio('mp3'), aac: audio('aac'), flac: audio('flac'), wav: audio('wav'),
  aif: audio('aiff', 'aiff'), ogg: audio('ogg'), oga: audio('ogg', 'ogg'), opus: audio('ogg'), spx: audio('ogg'),
  // Ogg with a codec file-type does not name: treated as Ogg audio, the common case.
  ogx: audio('ogg', 'ogg', 'audio/ogg'),
  m4a: audio('mov', 'm4a', 'audio/mp4'), m4b: audio('mov', 'm4b', 'audio/mp4'), m4p: audio('mov', 'm4p', 'audio/mp4'),
  f4a: audio('mov', 'f4a', 'audio/mp4'), f4b: audio('mov', 'f4b', 'audio/mp4'),
  ac3: audio('ac3'), amr: audio('amr'), ape: audio('ape'), wv: audio('wv'), dsf: audio('dsf'), voc: audio('voc'),
  mp4: video('mov'), m4v: video('mov'), mov: video('mov'), '3gp': video('mov'), '3g2': video('mov'), f4v: video('mov'), f4p: video('mov'),
  mj2: video('mov'), mkv: video('matroska'), webm: video('matroska'), avi: video('avi'),
  flv: video('flv'), mpg: video('mpeg', 'mpeg', 'video/mpeg'), mts: video('mpegts', 'ts'), ogv: video('ogg'), ogm: video('ogg', 'ogv'),
  mxf: video('mxf'),
};

/** ASF is one extension for three things; the MIME type file-type reads from the stream headers tells them apart. */
const ASF: Record<string, Media> = {
  'audio/x-ms-asf': audio('asf', 'wma'),
  'video/x-ms-asf': video('asf', 'wmv'),
  'application/vnd.ms-asf': video('asf', 'asf', 'video/x-ms-asf'),
};

/**
 * Hand-written because file-type accepts any 11-bit frame sync: it takes noise such as FF FF FF FF
 * for MPEG audio, while a real frame header has a valid version, layer, bitrate and sample rate.
 */
function isMpegAudioFrame(b: Uint8Array, at: number): boolean {
  if (b.length < at + 4 || b[at] !== 0xff || (b[at + 1] & 0xe0) !== 0xe0) return false;
  const version = (b[at + 1] >> 3) & 0x03;
  const layer = (b[at + 1] >> 1) & 0x03;
  const bitrate = b[at + 2] >> 4;
  const rate = (b[at + 2] >> 2) & 0x03;
  return version !== 1 && layer !== 0 && bitrate !== 0x0f && rate !== 0x03;
}

/** Hand-written because file-type leaves text formats alone: it reports an SVG as XML or nothing. */
function isSvg(b: Uint8Array): boolean {
  const text = Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, 512)).toString('latin1').trimStart();
  return text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'));
}

/**
 * How many leading bytes detection reads: file-type's `reasonableDetectionSizeInBytes` (a tag
 * such as ID3 can push a format's signature to the end of 4 KiB, and file-type's reach is 4100).
 */
export const DETECTION_BYTES = 4100;

/**
 * Detects image, audio and video formats from a file's first DETECTION_BYTES with
 * file-type, which follows the structure (ISO-BMFF brands, the EBML DocType, Ogg codec headers,
 * ASF stream types, ID3 tags) instead of matching a few leading bytes.
 */
export async function detectFormat(b: Uint8Array): Promise<DetectedFormat | undefined> {
  // Imported on first use (an ES module, so not through require): registering the tools stays cheap.
  const { fileTypeFromBuffer } = await import('file-type');
  const found = await fileTypeFromBuffer(b);
  if (!found || found.ext === 'xml') return isSvg(b) ? { kind: 'image', format: 'svg', mime: 'image/svg+xml' } : undefined;
  if ((found.ext === 'mp3' || found.ext === 'mp2' || found.ext === 'mp1') && b[0] === 0xff && !isMpegAudioFrame(b, 0)) return undefined;
  let media = found.ext === 'asf' ? ASF[found.mime] : MEDIA[found.ext];
  if (found.ext === 'heic') media = image(found.mime.startsWith('image/heic') ? 'heic' : 'heif');
  if (!media) return undefined;
  return { kind: media.kind, format: media.format ?? found.ext, mime: media.mime ?? found.mime, ...(media.demuxer ? { demuxer: media.demuxer } : {}) };
}

/** The format an extension suggests, for reporting alongside the magic-byte result. */
export function formatFromExtension(file: string): string | undefined {
  const m = /\.([A-Za-z0-9]+)$/.exec(file);
  if (!m) return undefined;
  const ext = m[1].toLowerCase();
  const aliases: Record<string, string> = { jpg: 'jpeg', jpe: 'jpeg', tif: 'tiff', mpg: 'mpeg', oga: 'ogg', wave: 'wav', mkv: 'mkv', m4v: 'm4v', qt: 'mov', aif: 'aiff', aifc: 'aiff', mts: 'ts', m2ts: 'ts' };
  return aliases[ext] ?? ext;
}
