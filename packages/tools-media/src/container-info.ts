// Hand-written because, without ffmpeg, no dependency here reads video tracks: music-metadata gives MP4/MOV video no size or frame rate (and MOV no duration).
import type { FileHandle } from 'node:fs/promises';
import type { InputFile } from './media-files.js';
import type { ProbeInfo, StreamInfo } from './ffmpeg.js';

/**
 * Metadata read straight from MP4/MOV (ISO-BMFF) and WebM/Matroska (EBML) headers, for when
 * ffmpeg is not available or disabled. Only the header boxes/elements are read, never the media.
 */

const MP4_CODECS: Record<string, string> = {
  avc1: 'h264', avc3: 'h264', hvc1: 'hevc', hev1: 'hevc', vp08: 'vp8', vp09: 'vp9', av01: 'av1', mp4v: 'mpeg4', 'mp4a': 'aac',
  Opus: 'opus', '.mp3': 'mp3', 'ac-3': 'ac3', 'ec-3': 'eac3', fLaC: 'flac', jpeg: 'mjpeg', apcn: 'prores', apch: 'prores', lpcm: 'pcm', sowt: 'pcm_s16le', twos: 'pcm_s16be',
};

const MKV_CODECS: Record<string, string> = {
  V_VP8: 'vp8', V_VP9: 'vp9', V_AV1: 'av1', 'V_MPEG4/ISO/AVC': 'h264', 'V_MPEGH/ISO/HEVC': 'hevc', V_THEORA: 'theora', 'V_MPEG4/ISO/ASP': 'mpeg4',
  A_OPUS: 'opus', A_VORBIS: 'vorbis', A_AAC: 'aac', A_MPEG_L3: 'mp3', A_FLAC: 'flac', A_AC3: 'ac3', A_EAC3: 'eac3', 'A_PCM/INT/LIT': 'pcm_s16le',
};

/** Biggest header structure (moov box, or the head of a Matroska file) read into memory. */
const MAX_HEADER_BYTES = 64 * 1024 * 1024;

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

// ---------- ISO-BMFF ----------

interface Box { type: string; start: number; end: number }

function* boxes(b: Buffer, start: number, end: number): Generator<Box> {
  let at = start;
  while (at + 8 <= end) {
    let size = b.readUInt32BE(at);
    const type = b.toString('latin1', at + 4, at + 8);
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) return;
      size = Number(b.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) size = end - at;
    if (size < header || at + size > end) return;
    yield { type, start: at + header, end: at + size };
    at += size;
  }
}

const child = (b: Buffer, parent: Box, type: string) => {
  for (const box of boxes(b, parent.start, parent.end)) if (box.type === type) return box;
  return undefined;
};

/** The channel count from an esds box's AudioSpecificConfig (ES -> DecoderConfig -> DecoderSpecificInfo). */
function aacChannels(b: Buffer, start: number, end: number): number | undefined {
  let at = start;
  const descriptor = () => {
    const tag = b[at];
    at += 1;
    let length = 0;
    for (let i = 0; i < 4 && at < end; i += 1) {
      const byte = b[at];
      at += 1;
      length = (length << 7) | (byte & 0x7f);
      if (!(byte & 0x80)) break;
    }
    return { tag, length };
  };
  if (at >= end || descriptor().tag !== 0x03) return undefined;
  const flags = b[at + 2];
  at += 3;
  if (flags & 0x80) at += 2;
  if (flags & 0x40) at += 1 + b[at];
  if (flags & 0x20) at += 2;
  if (at >= end || descriptor().tag !== 0x04) return undefined;
  at += 13;
  if (at >= end || descriptor().tag !== 0x05 || at + 2 > end) return undefined;
  const bits = (b[at] << 8) | b[at + 1];
  const freqIndex = (bits >> 7) & 0x0f;
  // With an explicit 24-bit frequency the channel configuration moves 24 bits further along.
  if (freqIndex === 0x0f) {
    if (at + 5 > end) return undefined;
    return ((b[at + 4] >> 3) & 0x0f) || undefined;
  }
  const channelConfig = (bits >> 3) & 0x0f;
  const layouts = [0, 1, 2, 3, 4, 5, 6, 8];
  return layouts[channelConfig] || undefined;
}

function parseTrak(b: Buffer, trak: Box): StreamInfo | undefined {
  const mdia = child(b, trak, 'mdia');
  if (!mdia) return undefined;
  const hdlr = child(b, mdia, 'hdlr');
  const handler = hdlr ? b.toString('latin1', hdlr.start + 8, hdlr.start + 12) : '';
  const type = handler === 'vide' ? 'video' : handler === 'soun' ? 'audio' : handler === 'subt' || handler === 'text' ? 'subtitle' : 'data';
  const mdhd = child(b, mdia, 'mdhd');
  let timescale = 0;
  let duration = 0;
  if (mdhd) {
    const v = b[mdhd.start];
    timescale = v === 1 ? b.readUInt32BE(mdhd.start + 20) : b.readUInt32BE(mdhd.start + 12);
    duration = v === 1 ? Number(b.readBigUInt64BE(mdhd.start + 24)) : b.readUInt32BE(mdhd.start + 16);
  }
  const stbl = child(b, child(b, mdia, 'minf') ?? { type: '', start: 0, end: 0 }, 'stbl');
  const stream: StreamInfo = { index: 0, type, codec: 'unknown' };
  if (stbl) {
    const stsd = child(b, stbl, 'stsd');
    if (stsd && stsd.start + 16 <= stsd.end) {
      const entry = stsd.start + 8;
      const fourcc = b.toString('latin1', entry + 4, entry + 8);
      stream.codec = MP4_CODECS[fourcc] ?? fourcc.trim();
      stream.codec_long = fourcc;
      const body = entry + 8;
      if (type === 'video' && body + 28 <= stsd.end) {
        stream.width = b.readUInt16BE(body + 24);
        stream.height = b.readUInt16BE(body + 26);
      } else if (type === 'audio' && body + 28 <= stsd.end) {
        stream.channels = b.readUInt16BE(body + 16);
        stream.sample_rate = b.readUInt32BE(body + 24) >>> 16;
        // MP4 writers put 2 in the sample entry whatever the layout; AAC's own config has the truth.
        const esds = fourcc === 'mp4a' ? [...boxes(b, body + 28, entry + b.readUInt32BE(entry))].find((x) => x.type === 'esds') : undefined;
        const channels = esds ? aacChannels(b, esds.start + 4, esds.end) : undefined;
        if (channels) stream.channels = channels;
      }
    }
    const stts = child(b, stbl, 'stts');
    if (type === 'video' && stts && timescale > 0 && duration > 0) {
      const count = b.readUInt32BE(stts.start + 4);
      let samples = 0;
      for (let i = 0; i < count && stts.start + 16 + i * 8 <= stts.end; i += 1) samples += b.readUInt32BE(stts.start + 8 + i * 8);
      if (samples > 0) stream.fps = round3(samples / (duration / timescale));
    }
  }
  if (type === 'video' && (!stream.width || !stream.height)) {
    const tkhd = child(b, trak, 'tkhd');
    if (tkhd) {
      const off = b[tkhd.start] === 1 ? 88 : 76;
      stream.width = b.readUInt32BE(tkhd.start + off) >>> 16;
      stream.height = b.readUInt32BE(tkhd.start + off + 4) >>> 16;
    }
  }
  return stream;
}

async function isoBmffInfo(handle: FileHandle, size: number): Promise<ProbeInfo | undefined> {
  // Walk the top-level boxes by their headers only (mdat can be gigabytes) until moov.
  let at = 0;
  while (at + 8 <= size) {
    const head = await readAt(handle, at, 16);
    if (head.length < 8) return undefined;
    let boxSize = head.readUInt32BE(0);
    const type = head.toString('latin1', 4, 8);
    if (boxSize === 1 && head.length >= 16) boxSize = Number(head.readBigUInt64BE(8));
    else if (boxSize === 0) boxSize = size - at;
    if (boxSize < 8) return undefined;
    if (type === 'moov') {
      if (boxSize > MAX_HEADER_BYTES) return undefined;
      const moov = await readAt(handle, at, boxSize);
      const root: Box = { type: 'moov', start: 8, end: moov.length };
      const info: ProbeInfo = { container: 'mov,mp4', streams: [], tags: {} };
      const mvhd = child(moov, root, 'mvhd');
      if (mvhd) {
        const v = moov[mvhd.start];
        const timescale = v === 1 ? moov.readUInt32BE(mvhd.start + 20) : moov.readUInt32BE(mvhd.start + 12);
        const duration = v === 1 ? Number(moov.readBigUInt64BE(mvhd.start + 24)) : moov.readUInt32BE(mvhd.start + 16);
        if (timescale > 0) info.duration_seconds = round3(duration / timescale);
      }
      for (const box of boxes(moov, root.start, root.end)) {
        if (box.type !== 'trak') continue;
        const stream = parseTrak(moov, box);
        if (stream) info.streams.push({ ...stream, index: info.streams.length });
      }
      if (info.duration_seconds && size > 0) info.bitrate_kbps = Math.round((size * 8) / info.duration_seconds / 1000);
      return info;
    }
    at += boxSize;
  }
  return undefined;
}

// ---------- EBML / Matroska ----------

function readVint(b: Buffer, at: number, keepMarker: boolean): { value: number; length: number; unknown: boolean } | undefined {
  if (at >= b.length) return undefined;
  const first = b[at];
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length += 1;
  if (length > 8 || at + length > b.length) return undefined;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === (0xff >> length);
  for (let i = 1; i < length; i += 1) {
    value = value * 256 + b[at + i];
    if (b[at + i] !== 0xff) allOnes = false;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

const EBML = { Segment: 0x18538067, Info: 0x1549a966, TimecodeScale: 0x2ad7b1, Duration: 0x4489, Tracks: 0x1654ae6b, TrackEntry: 0xae, TrackType: 0x83, CodecID: 0x86, DefaultDuration: 0x23e383, Video: 0xe0, PixelWidth: 0xb0, PixelHeight: 0xba, Audio: 0xe1, SamplingFrequency: 0xb5, Channels: 0x9f, Cluster: 0x1f43b675, DocType: 0x4282, EBMLHeader: 0x1a45dfa3 };

interface Element { id: number; start: number; end: number }

function* elements(b: Buffer, start: number, end: number): Generator<Element> {
  let at = start;
  while (at < end) {
    const id = readVint(b, at, true);
    if (!id) return;
    const size = readVint(b, at + id.length, false);
    if (!size) return;
    const body = at + id.length + size.length;
    const stop = size.unknown ? end : Math.min(end, body + size.value);
    yield { id: id.value, start: body, end: stop };
    if (id.value === EBML.Cluster) return;
    at = stop;
  }
}

const uint = (b: Buffer, e: Element) => { let v = 0; for (let i = e.start; i < e.end; i += 1) v = v * 256 + b[i]; return v; };
const float = (b: Buffer, e: Element) => (e.end - e.start === 4 ? b.readFloatBE(e.start) : e.end - e.start === 8 ? b.readDoubleBE(e.start) : 0);

function matroskaInfo(b: Buffer, fileSize: number): ProbeInfo | undefined {
  const info: ProbeInfo = { container: 'matroska,webm', streams: [], tags: {} };
  let found = false;
  for (const top of elements(b, 0, b.length)) {
    if (top.id === EBML.EBMLHeader) {
      for (const e of elements(b, top.start, top.end)) if (e.id === EBML.DocType) info.tags.doctype = b.toString('latin1', e.start, e.end).replace(/\0+$/, '');
      continue;
    }
    if (top.id !== EBML.Segment) continue;
    let scale = 1_000_000;
    let rawDuration: number | undefined;
    for (const seg of elements(b, top.start, top.end)) {
      if (seg.id === EBML.Info) {
        found = true;
        for (const e of elements(b, seg.start, seg.end)) {
          if (e.id === EBML.TimecodeScale) scale = uint(b, e);
          if (e.id === EBML.Duration) rawDuration = float(b, e);
        }
      } else if (seg.id === EBML.Tracks) {
        found = true;
        for (const entry of elements(b, seg.start, seg.end)) {
          if (entry.id !== EBML.TrackEntry) continue;
          const s: StreamInfo = { index: info.streams.length, type: 'data', codec: 'unknown' };
          for (const e of elements(b, entry.start, entry.end)) {
            if (e.id === EBML.TrackType) { const t = uint(b, e); s.type = t === 1 ? 'video' : t === 2 ? 'audio' : t === 0x11 ? 'subtitle' : 'data'; }
            if (e.id === EBML.CodecID) { const id = b.toString('latin1', e.start, e.end).replace(/\0+$/, ''); s.codec = MKV_CODECS[id] ?? id; s.codec_long = id; }
            if (e.id === EBML.DefaultDuration) { const ns = uint(b, e); if (ns > 0) s.fps = round3(1e9 / ns); }
            if (e.id === EBML.Video) for (const v of elements(b, e.start, e.end)) {
              if (v.id === EBML.PixelWidth) s.width = uint(b, v);
              if (v.id === EBML.PixelHeight) s.height = uint(b, v);
            }
            if (e.id === EBML.Audio) for (const a of elements(b, e.start, e.end)) {
              if (a.id === EBML.SamplingFrequency) s.sample_rate = Math.round(float(b, a));
              if (a.id === EBML.Channels) s.channels = uint(b, a);
            }
          }
          info.streams.push(s);
        }
      } else if (seg.id === EBML.Cluster) break;
    }
    if (rawDuration !== undefined) info.duration_seconds = round3((rawDuration * scale) / 1e9);
    break;
  }
  if (info.duration_seconds && fileSize > 0) info.bitrate_kbps = Math.round((fileSize * 8) / info.duration_seconds / 1000);
  return found ? info : undefined;
}

/** Reads MP4/MOV or WebM/MKV header metadata without ffmpeg; undefined for other containers. */
export async function containerInfo(input: InputFile, demuxer: string | undefined): Promise<ProbeInfo | undefined> {
  if (demuxer !== 'mov' && demuxer !== 'matroska') return undefined;
  const file = await input.open();
  const handle = file.handle;
  try {
    const { size } = await handle.stat();
    if (demuxer === 'mov') return await isoBmffInfo(handle, size);
    // Matroska puts Info and Tracks before the first Cluster; the head of the file is enough.
    return matroskaInfo(await readAt(handle, 0, Math.min(size, 4 * 1024 * 1024)), size);
  } finally {
    await file.close();
  }
}
