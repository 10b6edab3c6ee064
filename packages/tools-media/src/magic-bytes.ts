/** What a file's leading bytes say it is. */
export interface DetectedFormat {
  kind: 'image' | 'audio' | 'video';
  /** Short name: png, jpeg, wav, mp3, mp4, webm… */
  format: string;
  mime: string;
  /** For containers: the demuxer name ffmpeg must use, so it never guesses (or follows playlists). */
  demuxer?: string;
}

const ascii = (b: Buffer, start: number, end: number) => b.toString('latin1', start, end);

/** ISO-BMFF `ftyp` brands: which are audio-only, which QuickTime. */
const AUDIO_BRANDS = new Set(['M4A ', 'M4B ', 'M4P ', 'F4A ', 'F4B ']);

function isoBmff(b: Buffer): DetectedFormat | undefined {
  if (b.length < 12 || ascii(b, 4, 8) !== 'ftyp') return undefined;
  const brand = ascii(b, 8, 12);
  if (brand === 'avif' || brand === 'avis') return { kind: 'image', format: 'avif', mime: 'image/avif' };
  if (['heic', 'heix', 'mif1', 'msf1', 'heim', 'heis'].includes(brand)) return { kind: 'image', format: 'heif', mime: 'image/heif' };
  if (AUDIO_BRANDS.has(brand)) return { kind: 'audio', format: 'm4a', mime: 'audio/mp4', demuxer: 'mov' };
  if (brand === 'qt  ') return { kind: 'video', format: 'mov', mime: 'video/quicktime', demuxer: 'mov' };
  if (brand.startsWith('3g')) return { kind: 'video', format: '3gp', mime: 'video/3gpp', demuxer: 'mov' };
  return { kind: 'video', format: brand === 'M4V ' ? 'm4v' : 'mp4', mime: 'video/mp4', demuxer: 'mov' };
}

function isMp3FrameSync(b: Buffer, at: number): boolean {
  // 11 sync bits, a valid MPEG version and layer III/II, and a bitrate index that is not "bad".
  if (b.length < at + 4 || b[at] !== 0xff || (b[at + 1] & 0xe0) !== 0xe0) return false;
  const version = (b[at + 1] >> 3) & 0x03;
  const layer = (b[at + 1] >> 1) & 0x03;
  const bitrate = b[at + 2] >> 4;
  const rate = (b[at + 2] >> 2) & 0x03;
  return version !== 1 && layer !== 0 && bitrate !== 0x0f && rate !== 0x03;
}

/** Detects image, audio and video formats from a file's first bytes (4 KiB is plenty). */
export function detectFormat(b: Buffer): DetectedFormat | undefined {
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return { kind: 'image', format: 'png', mime: 'image/png' };
  }
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { kind: 'image', format: 'jpeg', mime: 'image/jpeg' };
  if (b.length >= 6 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) return { kind: 'image', format: 'gif', mime: 'image/gif' };
  if (b.length >= 2 && ascii(b, 0, 2) === 'BM' && b.length >= 14) return { kind: 'image', format: 'bmp', mime: 'image/bmp' };
  if (b.length >= 4 && (b.subarray(0, 4).equals(Buffer.from([0x49, 0x49, 0x2a, 0x00])) || b.subarray(0, 4).equals(Buffer.from([0x4d, 0x4d, 0x00, 0x2a])))) {
    return { kind: 'image', format: 'tiff', mime: 'image/tiff' };
  }
  if (b.length >= 4 && b.subarray(0, 4).equals(Buffer.from([0x00, 0x00, 0x01, 0x00]))) return { kind: 'image', format: 'ico', mime: 'image/x-icon' };
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF') {
    const type = ascii(b, 8, 12);
    if (type === 'WEBP') return { kind: 'image', format: 'webp', mime: 'image/webp' };
    if (type === 'WAVE') return { kind: 'audio', format: 'wav', mime: 'audio/wav', demuxer: 'wav' };
    if (type === 'AVI ') return { kind: 'video', format: 'avi', mime: 'video/x-msvideo', demuxer: 'avi' };
  }
  if (b.length >= 12 && ascii(b, 0, 4) === 'FORM' && (ascii(b, 8, 12) === 'AIFF' || ascii(b, 8, 12) === 'AIFC')) {
    return { kind: 'audio', format: 'aiff', mime: 'audio/aiff', demuxer: 'aiff' };
  }
  if (b.length >= 4 && ascii(b, 0, 4) === 'fLaC') return { kind: 'audio', format: 'flac', mime: 'audio/flac', demuxer: 'flac' };
  if (b.length >= 4 && ascii(b, 0, 4) === 'OggS') {
    const head = ascii(b, 0, Math.min(b.length, 256));
    if (head.includes('theora')) return { kind: 'video', format: 'ogv', mime: 'video/ogg', demuxer: 'ogg' };
    if (head.includes('OpusHead')) return { kind: 'audio', format: 'opus', mime: 'audio/ogg', demuxer: 'ogg' };
    return { kind: 'audio', format: 'ogg', mime: 'audio/ogg', demuxer: 'ogg' };
  }
  if (b.length >= 3 && ascii(b, 0, 3) === 'ID3') return { kind: 'audio', format: 'mp3', mime: 'audio/mpeg', demuxer: 'mp3' };
  const bmff = isoBmff(b);
  if (bmff) return bmff;
  if (b.length >= 4 && b.readUInt32BE(0) === 0x1a45dfa3) {
    // EBML: the DocType element says which Matroska flavour this is.
    const isWebm = ascii(b, 0, Math.min(b.length, 64)).includes('webm');
    return isWebm
      ? { kind: 'video', format: 'webm', mime: 'video/webm', demuxer: 'matroska' }
      : { kind: 'video', format: 'mkv', mime: 'video/x-matroska', demuxer: 'matroska' };
  }
  if (b.length >= 3 && ascii(b, 0, 3) === 'FLV') return { kind: 'video', format: 'flv', mime: 'video/x-flv', demuxer: 'flv' };
  if (b.length >= 16 && b.subarray(0, 16).equals(Buffer.from('3026b2758e66cf11a6d900aa0062ce6c', 'hex'))) {
    return { kind: 'video', format: 'wmv', mime: 'video/x-ms-asf', demuxer: 'asf' };
  }
  if (b.length >= 4 && b.readUInt32BE(0) === 0x000001ba) return { kind: 'video', format: 'mpeg', mime: 'video/mpeg', demuxer: 'mpeg' };
  if (b.length >= 377 && b[0] === 0x47 && b[188] === 0x47 && b[376] === 0x47) return { kind: 'video', format: 'ts', mime: 'video/mp2t', demuxer: 'mpegts' };
  // ADTS AAC: the same 12 sync bits as MPEG audio, but layer bits 00.
  if (b.length >= 2 && b[0] === 0xff && (b[1] & 0xf6) === 0xf0) return { kind: 'audio', format: 'aac', mime: 'audio/aac', demuxer: 'aac' };
  if (isMp3FrameSync(b, 0)) return { kind: 'audio', format: 'mp3', mime: 'audio/mpeg', demuxer: 'mp3' };
  const text = ascii(b, 0, Math.min(b.length, 512)).trimStart();
  if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'))) return { kind: 'image', format: 'svg', mime: 'image/svg+xml' };
  return undefined;
}

/** The format an extension suggests, for reporting alongside the magic-byte result. */
export function formatFromExtension(file: string): string | undefined {
  const m = /\.([A-Za-z0-9]+)$/.exec(file);
  if (!m) return undefined;
  const ext = m[1].toLowerCase();
  const aliases: Record<string, string> = { jpg: 'jpeg', jpe: 'jpeg', tif: 'tiff', mpg: 'mpeg', oga: 'ogg', wave: 'wav', mkv: 'mkv', m4v: 'm4v', qt: 'mov' };
  return aliases[ext] ?? ext;
}
