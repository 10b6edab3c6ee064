import { LlmspellError } from '@llmspell/core';

export type Encoding = 'utf8' | 'utf16le' | 'utf16be' | 'latin1' | 'windows-1252' | 'ascii';

const NAMES: Record<string, Encoding> = {
  utf8: 'utf8', 'utf-8': 'utf8',
  utf16le: 'utf16le', 'utf-16le': 'utf16le', utf16: 'utf16le', 'utf-16': 'utf16le', ucs2: 'utf16le', 'ucs-2': 'utf16le',
  utf16be: 'utf16be', 'utf-16be': 'utf16be',
  latin1: 'latin1', 'latin-1': 'latin1', 'iso-8859-1': 'latin1', iso88591: 'latin1', 'iso_8859-1': 'latin1', l1: 'latin1',
  'windows-1252': 'windows-1252', windows1252: 'windows-1252', cp1252: 'windows-1252', 'cp-1252': 'windows-1252',
  ascii: 'ascii', 'us-ascii': 'ascii',
};

export function parseEncoding(name: string, parameter: string): Encoding {
  const e = NAMES[name.trim().toLowerCase().replace(/_/g, '-').replace(/^utf-?8$/, 'utf8')] ?? NAMES[name.trim().toLowerCase()];
  if (!e) {
    throw new LlmspellError('INVALID_ARGUMENT', `file_converter: parameter '${parameter}': unsupported encoding '${name}' (utf8, utf16le, utf16be, latin1/iso-8859-1, windows-1252, ascii)`, {
      details: { parameter, value: name },
    });
  }
  return e;
}

/** windows-1252 bytes 0x80–0x9F; undefined bytes map to the same C1 code point. */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
];
const CP1252_REVERSE = new Map<number, number>(CP1252_HIGH.map((cp, i) => [cp, 0x80 + i]));

export interface Detected {
  encoding: Encoding;
  bomLength: number;
}

/** BOM first; else valid UTF-8; else windows-1252 (the usual legacy single-byte text). */
export function detectEncoding(buf: Buffer): Detected {
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return { encoding: 'utf8', bomLength: 3 };
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return { encoding: 'utf16le', bomLength: 2 };
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return { encoding: 'utf16be', bomLength: 2 };
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return { encoding: 'utf8', bomLength: 0 };
  } catch {
    return { encoding: 'windows-1252', bomLength: 0 };
  }
}

function bomLengthFor(buf: Buffer, enc: Encoding): number {
  if (enc === 'utf8' && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return 3;
  if (enc === 'utf16le' && buf[0] === 0xff && buf[1] === 0xfe) return 2;
  if (enc === 'utf16be' && buf[0] === 0xfe && buf[1] === 0xff) return 2;
  return 0;
}

function swapBytes(buf: Buffer): Buffer {
  const out = Buffer.from(buf.subarray(0, buf.length - (buf.length % 2)));
  out.swap16();
  return out;
}

/** Decodes `buf` (BOM stripped); `from` undefined means auto-detect. */
export function decode(buf: Buffer, from?: Encoding): { text: string; encoding: Encoding; hadBom: boolean } {
  const detected = from ? { encoding: from, bomLength: bomLengthFor(buf, from) } : detectEncoding(buf);
  const body = buf.subarray(detected.bomLength);
  let text: string;
  switch (detected.encoding) {
    case 'utf8':
      text = body.toString('utf8');
      break;
    case 'utf16le':
      text = body.subarray(0, body.length - (body.length % 2)).toString('utf16le');
      break;
    case 'utf16be':
      text = swapBytes(body).toString('utf16le');
      break;
    case 'latin1':
      text = body.toString('latin1');
      break;
    case 'ascii':
      // Bytes over 0x7F are not ASCII; keep them visible as U+FFFD rather than guessing.
      text = Array.from(body, (b) => (b < 0x80 ? String.fromCharCode(b) : '\ufffd')).join('');
      break;
    case 'windows-1252':
      text = Array.from(body, (b) => String.fromCharCode(b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] : b)).join('');
      break;
  }
  return { text, encoding: detected.encoding, hadBom: detected.bomLength > 0 };
}

/**
 * Encodes `text`. Characters the target cannot represent become '?', and are counted so
 * the caller can report the loss.
 */
export function encode(text: string, to: Encoding, bom = false): { bytes: Buffer; replaced: number } {
  let replaced = 0;
  const single = (max: number, map?: Map<number, number>) => {
    const out: number[] = [];
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      const mapped = map?.get(cp);
      if (mapped !== undefined) out.push(mapped);
      // With a map (windows-1252) the C1 range 0x80–0x9F holds other characters.
      else if (cp <= max && !(map && cp >= 0x80 && cp <= 0x9f)) out.push(cp);
      else {
        out.push(0x3f);
        replaced += 1;
      }
    }
    return Buffer.from(out);
  };
  let bytes: Buffer;
  switch (to) {
    case 'utf8':
      bytes = Buffer.from(text, 'utf8');
      if (bom) bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
      break;
    case 'utf16le':
      bytes = Buffer.from(text, 'utf16le');
      if (bom) bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), bytes]);
      break;
    case 'utf16be':
      bytes = swapBytes(Buffer.from(text, 'utf16le'));
      if (bom) bytes = Buffer.concat([Buffer.from([0xfe, 0xff]), bytes]);
      break;
    case 'latin1':
      bytes = single(0xff);
      break;
    case 'ascii':
      bytes = single(0x7f);
      break;
    case 'windows-1252':
      bytes = single(0xff, CP1252_REVERSE);
      break;
  }
  return { bytes, replaced };
}
