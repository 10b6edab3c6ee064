import { daysInMonth } from './calendar.js';
import { type WallTime, type Zone, instantFromWall, lookupZone, parseFixedOffset, wallFromInstant } from './zones.js';

/** Result of parsing: the instant, the zone written in the input (if any), and which format matched. */
export interface ParsedDate {
  ms: number;
  zone?: Zone;
  format: string;
}

export class DateParseError extends Error {}

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
};
const MONTH_WORD = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
const WEEKDAY_PREFIX = /^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+/i;
// RFC 2822 obsolete zone names (RFC 2822 §4.3).
const NAMED_ZONES: Record<string, number> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0, EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
};

export const SUPPORTED_FORMATS = [
  { name: 'RFC 3339 / ISO 8601', example: '2024-01-15T10:30:00Z, 2024-01-15T10:30:00.123+05:30, 2024-01-15 10:30:00' },
  { name: 'ISO 8601 date', example: '2024-01-15' },
  { name: 'ISO 8601 basic', example: '20240115T103000Z, 20240115' },
  { name: 'ISO 8601 ordinal date', example: '2024-015' },
  { name: 'ISO 8601 week date', example: '2024-W03-1' },
  { name: 'RFC 2822', example: 'Mon, 15 Jan 2024 10:30:00 +0000, 15 Jan 2024 10:30 GMT' },
  { name: 'Unix timestamp (seconds, ms, µs; a number also works)', example: '1705314600, 1705314600123, @1705314600' },
  { name: 'Y/m/d', example: '2024/01/15, 2024.01.15 10:30' },
  { name: 'm/d/Y (US; d/m/Y when the first number is over 12)', example: '01/15/2024, 1/15/24 3:45 PM' },
  { name: 'd.m.Y and d-m-Y (European)', example: '15.01.2024, 15-01-2024 10:30' },
  { name: 'Month d, Y', example: 'January 15, 2024, Jan 15 2024 10:30 AM' },
  { name: 'd Month Y', example: '15 January 2024, 15-Jan-2024' },
  { name: 'ctime / JavaScript Date string', example: 'Mon Jan 15 10:30:00 2024, Mon Jan 15 2024 10:30:00 GMT+0000' },
  { name: 'Relative words', example: 'now, today, yesterday, tomorrow' },
];

const TIME = '(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d{1,9}))?)?\\s*([ap]\\.?m\\.?)?';
const ZONE = '(Z|UTC|UT|GMT|[A-Z]{3,4}|(?:UTC|GMT)?[+-]\\d{1,2}(?::?\\d{2})?|[A-Za-z]+/[A-Za-z_+-]+(?:/[A-Za-z_+-]+)?)';

interface Fields {
  year: number;
  month: number;
  day: number;
  hour?: string;
  minute?: string;
  second?: string;
  fraction?: string;
  ampm?: string;
  zone?: string;
}

function expandYear(y: string): number {
  const n = Number(y);
  if (y.length > 2) return n;
  return n < 50 ? 2000 + n : 1900 + n;
}

function zoneFromText(text: string): Zone {
  const upper = text.toUpperCase();
  if (Object.hasOwn(NAMED_ZONES, upper)) {
    const off = NAMED_ZONES[upper];
    return { kind: 'fixed', name: off === 0 ? 'UTC' : upper, offsetMinutes: off };
  }
  const fixed = parseFixedOffset(text);
  if (fixed !== undefined) return lookupZone(text)!;
  const zone = lookupZone(text);
  if (!zone) throw new DateParseError(`unknown time zone '${text}'`);
  return zone;
}

function build(f: Fields, format: string, defaultZone: Zone): ParsedDate {
  const { year, month, day } = f;
  if (month < 1 || month > 12) throw new DateParseError(`month ${month} is out of range 1-12`);
  if (day < 1 || day > daysInMonth(year, month)) throw new DateParseError(`day ${day} is out of range for ${year}-${String(month).padStart(2, '0')}`);
  let hour = f.hour === undefined ? 0 : Number(f.hour);
  const minute = f.minute === undefined ? 0 : Number(f.minute);
  let second = f.second === undefined ? 0 : Number(f.second);
  if (f.ampm) {
    if (hour < 1 || hour > 12) throw new DateParseError(`hour ${hour} is out of range 1-12 for AM/PM`);
    const pm = f.ampm.toLowerCase().startsWith('p');
    hour = (hour % 12) + (pm ? 12 : 0);
  }
  if (hour > 24 || (hour === 24 && (minute > 0 || second > 0))) throw new DateParseError(`hour ${hour} is out of range 0-23`);
  if (minute > 59) throw new DateParseError(`minute ${minute} is out of range 0-59`);
  if (second > 60) throw new DateParseError(`second ${second} is out of range 0-59`);
  if (second === 60) second = 59; // a leap second lands on the last representable second
  const millisecond = f.fraction ? Number(f.fraction.slice(0, 3).padEnd(3, '0')) : 0;
  const zone = f.zone ? zoneFromText(f.zone) : undefined;
  const wall: WallTime = { year, month, day, hour, minute, second, millisecond };
  return { ms: instantFromWall(wall, zone ?? defaultZone), zone, format };
}

function parseUnix(digits: string, fraction: string | undefined): ParsedDate {
  const bare = digits.replace(/^-/, '');
  const sign = digits.startsWith('-') ? -1 : 1;
  let ms: number;
  let format: string;
  if (bare.length <= 11) {
    ms = sign * (Number(bare) * 1000 + (fraction ? Number(`0.${fraction}`) * 1000 : 0));
    format = 'Unix timestamp (seconds)';
  } else if (bare.length <= 14) {
    ms = sign * Number(bare);
    format = 'Unix timestamp (milliseconds)';
  } else if (bare.length <= 17) {
    ms = sign * Math.floor(Number(bare) / 1000);
    format = 'Unix timestamp (microseconds)';
  } else {
    ms = sign * Math.floor(Number(bare) / 1_000_000);
    format = 'Unix timestamp (nanoseconds)';
  }
  return { ms: Math.round(ms), zone: { kind: 'fixed', name: 'UTC', offsetMinutes: 0 }, format };
}

/**
 * Parses a date/time in any of SUPPORTED_FORMATS. Inputs without an offset are read in
 * `defaultZone` (UTC unless the caller passes the `timezone` parameter).
 */
/** Longest date text read. */
export const MAX_DATE_LENGTH = 256;

export function parseDate(raw: string | number, defaultZone: Zone, nowMs = Date.now()): ParsedDate {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw new DateParseError('timestamp must be a finite number');
    const [int, frac] = String(Math.abs(raw)).split('.');
    return parseUnix((raw < 0 ? '-' : '') + int, frac);
  }
  const trimmed = raw.trim();
  // No date is this long; the patterns below are not meant for (and would backtrack on) megabytes.
  if (trimmed.length > MAX_DATE_LENGTH) throw new DateParseError(`date text is ${trimmed.length} characters, longer than any date (${MAX_DATE_LENGTH})`);
  const input = trimmed.replace(/\s+\([^)]*\)$/, ''); // drop a trailing "(Central European Standard Time)"
  if (input === '') throw new DateParseError('empty date');
  let m: RegExpExecArray | null;

  const lower = input.toLowerCase();
  if (['now', 'today', 'yesterday', 'tomorrow'].includes(lower)) {
    if (lower === 'now') return { ms: nowMs, format: 'now' };
    const w = wallFromInstant(nowMs, defaultZone);
    const shift = lower === 'yesterday' ? -1 : lower === 'tomorrow' ? 1 : 0;
    const d = new Date(Date.UTC(w.year, w.month - 1, w.day + shift));
    return build({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }, lower, defaultZone);
  }

  // 8 digits are a basic ISO date, not a 1970s timestamp.
  if ((m = /^(\d{4})(\d{2})(\d{2})$/.exec(input)) && Number(m[2]) >= 1 && Number(m[2]) <= 12) {
    return build({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) }, 'ISO 8601 basic date', defaultZone);
  }
  if ((m = /^@?(-?\d{1,19})(?:\.(\d+))?$/.exec(input))) return parseUnix(m[1], m[2]);

  const isoTime = '(\\d{2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d{1,9}))?)?';
  if ((m = new RegExp(`^([+-]?\\d{4,6})-(\\d{2})-(\\d{2})(?:(?:T|\\s+)${isoTime})?\\s*${ZONE}?$`, 'i').exec(input))) {
    return build({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: m[4], minute: m[5], second: m[6], fraction: m[7], zone: m[8] },
      m[4] ? 'RFC 3339 / ISO 8601' : 'ISO 8601 date', defaultZone);
  }
  if ((m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})?(?:[.,](\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(input))) {
    return build({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: m[4], minute: m[5], second: m[6], fraction: m[7], zone: m[8] },
      'ISO 8601 basic', defaultZone);
  }
  if ((m = new RegExp(`^(\\d{4})-(\\d{3})(?:T${isoTime})?\\s*${ZONE}?$`, 'i').exec(input))) {
    const year = Number(m[1]);
    const ordinal = Number(m[2]);
    if (ordinal < 1 || ordinal > (daysInMonth(year, 2) === 29 ? 366 : 365)) throw new DateParseError(`day of year ${ordinal} is out of range`);
    const d = new Date(Date.UTC(2000, 0, 1));
    d.setUTCFullYear(year, 0, ordinal);
    return build({ year, month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: m[3], minute: m[4], second: m[5], fraction: m[6], zone: m[7] },
      'ISO 8601 ordinal date', defaultZone);
  }
  if ((m = /^(\d{4})-?W(\d{2})(?:-?([1-7]))?$/i.exec(input))) {
    const year = Number(m[1]);
    const week = Number(m[2]);
    if (week < 1 || week > 53) throw new DateParseError(`week ${week} is out of range 1-53`);
    const jan4 = new Date(Date.UTC(2000, 0, 4));
    jan4.setUTCFullYear(year, 0, 4);
    const mondayOfWeek1 = jan4.getTime() - ((jan4.getUTCDay() || 7) - 1) * 86400000;
    const d = new Date(mondayOfWeek1 + ((week - 1) * 7 + (Number(m[3] ?? 1) - 1)) * 86400000);
    return build({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }, 'ISO 8601 week date', defaultZone);
  }
  if ((m = new RegExp(`^(\\d{4})[/.](\\d{1,2})[/.](\\d{1,2})(?:(?:T|\\s+)${TIME})?\\s*${ZONE}?$`, 'i').exec(input))) {
    return build({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: m[4], minute: m[5], second: m[6], fraction: m[7], ampm: m[8], zone: m[9] },
      'Y/m/d', defaultZone);
  }
  if ((m = new RegExp(`^(\\d{1,2})([/.-])(\\d{1,2})\\2(\\d{4}|\\d{2})(?:(?:T|,?\\s+)${TIME})?\\s*${ZONE}?$`, 'i').exec(input))) {
    let a = Number(m[1]);
    let b = Number(m[3]);
    let format: string;
    if (m[2] === '/') {
      format = 'm/d/Y';
      if (a > 12 && b <= 12) [a, b, format] = [b, a, 'd/m/Y'];
    } else {
      format = m[2] === '.' ? 'd.m.Y' : 'd-m-Y';
      [a, b] = [b, a];
      if (a > 12 && b <= 12) [a, b, format] = [b, a, m[2] === '.' ? 'm.d.Y' : 'm-d-Y'];
    }
    return build({ year: expandYear(m[4]), month: a, day: b, hour: m[5], minute: m[6], second: m[7], fraction: m[8], ampm: m[9], zone: m[10] },
      format, defaultZone);
  }

  const text = input.replace(WEEKDAY_PREFIX, '');
  const at = '(?:(?:T|,?\\s+(?:at\\s+)?)' + TIME + ')?';
  if ((m = new RegExp(`^(\\d{1,2})(?:st|nd|rd|th)?[\\s-]+${MONTH_WORD}[\\s,-]+(\\d{4}|\\d{2})${at}\\s*${ZONE}?$`, 'i').exec(text))) {
    return build({ year: expandYear(m[3]), month: MONTHS[m[2].slice(0, 3).toLowerCase()], day: Number(m[1]), hour: m[4], minute: m[5], second: m[6],
      fraction: m[7], ampm: m[8], zone: m[9] }, text === input ? 'd Month Y' : 'RFC 2822', defaultZone);
  }
  if ((m = new RegExp(`^${MONTH_WORD}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})${at}\\s*${ZONE}?$`, 'i').exec(text))) {
    return build({ year: Number(m[3]), month: MONTHS[m[1].slice(0, 3).toLowerCase()], day: Number(m[2]), hour: m[4], minute: m[5], second: m[6],
      fraction: m[7], ampm: m[8], zone: m[9] }, text === input ? 'Month d, Y' : 'JavaScript Date string', defaultZone);
  }
  if ((m = new RegExp(`^${MONTH_WORD}\\s+(\\d{1,2})\\s+${TIME}\\s+(?:${ZONE}\\s+)?(\\d{4})$`, 'i').exec(text))) {
    return build({ year: Number(m[9]), month: MONTHS[m[1].slice(0, 3).toLowerCase()], day: Number(m[2]), hour: m[3], minute: m[4], second: m[5],
      fraction: m[6], ampm: m[7], zone: m[8] }, 'ctime', defaultZone);
  }
  throw new DateParseError(`unrecognised date/time format: '${raw}' (see operation 'formats')`);
}
