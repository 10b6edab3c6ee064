import { aliasOf, defineTool, z, type ToolOutput, paramError } from '@llmspell/core';
import { WEEKDAY_NAMES, MONTH_NAMES, dayOfYear, daysInMonth, isLeapYear, isoWeek } from './calendar.js';
import { DateParseError, SUPPORTED_FORMATS, parseDate, type ParsedDate } from './parse-date.js';
import { FORMAT_DIRECTIVES, FormatError, strftime } from './strftime.js';
import { UTC, type Zone, formatOffset, instantFromWall, lookupZone, wallFromInstant } from './zones.js';

const NAME = 'date_time_handler';
const DEFAULT_FORMAT = '%Y-%m-%dT%H:%M:%S%.fZ';
const ZONED_FORMAT = '%Y-%m-%dT%H:%M:%S%.f%:z';

const UNITS: Record<string, string> = {
  millisecond: 'milliseconds', milliseconds: 'milliseconds', ms: 'milliseconds',
  second: 'seconds', seconds: 'seconds', sec: 'seconds', secs: 'seconds', s: 'seconds',
  minute: 'minutes', minutes: 'minutes', min: 'minutes', mins: 'minutes',
  hour: 'hours', hours: 'hours', h: 'hours',
  day: 'days', days: 'days', d: 'days',
  week: 'weeks', weeks: 'weeks', w: 'weeks',
  month: 'months', months: 'months',
  year: 'years', years: 'years',
};
const EXACT_MS: Record<string, number> = { milliseconds: 1, seconds: 1000, minutes: 60_000, hours: 3_600_000 };

const dateInput = z.union([z.string(), z.number()]);

const parameters = z.object({
  operation: z.enum(['parse', 'now', 'convert_timezone', 'add', 'subtract', 'difference', 'info', 'formats', 'format', 'diff', 'convert'])
    .default('parse')
    .describe("parse | now | convert_timezone | add | subtract | difference | info | formats. DOC aliases: 'format' (= parse, returning the formatted value), 'diff' (= difference), 'convert' (= convert_timezone)"),
  input: dateInput.optional().describe('The date/time (parse, convert_timezone, add, subtract, info, format): any supported format, or a Unix timestamp number'),
  timestamp: aliasOf('input', dateInput),
  timezone: z.string().optional()
    .describe("IANA zone (e.g. 'Europe/Paris') or offset ('+05:30'): the zone for 'now', the zone inputs without an offset are read in, and the zone of the 'local' and 'info' fields. Default UTC"),
  target_timezone: z.string().optional().describe("convert_timezone: the IANA zone or offset to convert to"),
  to_timezone: aliasOf('target_timezone'),
  amount: z.number().optional().describe('add/subtract: how many units'),
  unit: z.string().default('days').describe("add/subtract: milliseconds, seconds, minutes, hours, days, weeks, months or years (singular forms accepted). Days and longer follow the calendar of 'timezone'"),
  start: dateInput.optional().describe('difference: the start date/time'),
  end: dateInput.optional().describe('difference: the end date/time'),
  from: aliasOf('start', dateInput),
  to: aliasOf('end', dateInput),
  format: z.string().optional()
    .describe(`strftime-style output format, default '${DEFAULT_FORMAT}' in UTC ('${ZONED_FORMAT}' for zoned output); directives %Y %m %d %H %M %S %f %.f %z %:z %Z %a %A %b %B %j %p %I %y %e %s %% and more (see operation 'formats'); 'timestamp' (or 'unix') gives Unix seconds; the names 'ISO8601', 'RFC3339' and 'RFC2822' mean those formats`),
});

type Params = z.infer<typeof parameters>;

function zoneParam(name: string | undefined, parameter: string): Zone {
  if (name === undefined || name === '') return UTC;
  const zone = lookupZone(name);
  if (!zone) paramError(NAME, parameter, `unknown time zone '${name}' (use an IANA name like 'America/New_York' or an offset like '+05:30')`);
  return zone;
}

function parseParam(value: string | number | undefined, parameter: string, zone: Zone, op: string): ParsedDate {
  if (value === undefined || value === '') paramError(NAME, parameter, `is required for '${op}'`);
  try {
    return parseDate(value, zone);
  } catch (error) {
    if (error instanceof DateParseError) paramError(NAME, parameter, error.message, 'INVALID_ARGUMENT', { value });
    throw error;
  }
}

const defaultFormatFor = (zone: Zone): string => (zone.kind === 'fixed' && zone.offsetMinutes === 0 ? DEFAULT_FORMAT : ZONED_FORMAT);

/**
 * Standard formats by name (`format = "ISO8601"` in rs-llmspell's examples, where chrono printed
 * the name literally): a format without a `%` directive that names one of these means it.
 */
const NAMED_FORMATS: Record<string, (zone: Zone) => string> = {
  iso8601: defaultFormatFor, iso: defaultFormatFor, rfc3339: defaultFormatFor,
  rfc2822: () => '%a, %d %b %Y %H:%M:%S %z',
  unix: () => 'timestamp', epoch: () => 'timestamp',
};

function namedFormat(format: string, zone: Zone): string {
  if (format.includes('%')) return format;
  const named = NAMED_FORMATS[format.toLowerCase().replace(/[\s_-]/g, '')];
  return named ? named(zone) : format;
}

function fmt(ms: number, zone: Zone, format: string | undefined, fallback: string): string {
  const f = namedFormat(format ?? fallback, zone);
  if (f === 'timestamp') return String(Math.floor(ms / 1000));
  try {
    return strftime(ms, zone, f);
  } catch (error) {
    if (error instanceof FormatError) paramError(NAME, 'format', error.message);
    throw error;
  }
}


function components(ms: number, zone: Zone): Record<string, unknown> {
  const w = wallFromInstant(ms, zone);
  const week = isoWeek(w.year, w.month, w.day);
  return {
    year: w.year,
    month: w.month,
    month_name: MONTH_NAMES[w.month - 1],
    day: w.day,
    hour: w.hour,
    minute: w.minute,
    second: w.second,
    millisecond: w.millisecond,
    weekday: WEEKDAY_NAMES[w.weekday],
    weekday_number: w.weekday === 0 ? 7 : w.weekday,
    day_of_year: dayOfYear(w.year, w.month, w.day),
    week_of_year: week.week,
    iso_week_year: week.year,
    quarter: Math.ceil(w.month / 3),
    is_leap_year: isLeapYear(w.year),
    days_in_month: daysInMonth(w.year, w.month),
    is_weekend: w.weekday === 0 || w.weekday === 6,
    timezone: zone.name,
    offset: formatOffset(w.offsetMinutes),
  };
}

function shift(ms: number, amount: number, unit: string, zone: Zone): number {
  if (Object.hasOwn(EXACT_MS, unit)) return ms + amount * EXACT_MS[unit];
  const w = wallFromInstant(ms, zone);
  if (unit === 'days' || unit === 'weeks') {
    if (!Number.isInteger(amount)) return ms + amount * (unit === 'days' ? 86_400_000 : 604_800_000);
    const d = new Date(Date.UTC(2000, 0, 1));
    d.setUTCFullYear(w.year, w.month - 1, w.day + amount * (unit === 'weeks' ? 7 : 1));
    return instantFromWall({ ...w, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }, zone);
  }
  if (!Number.isInteger(amount)) paramError(NAME, 'amount', `must be a whole number for unit '${unit}'`);
  const totalMonths = w.year * 12 + (w.month - 1) + amount * (unit === 'years' ? 12 : 1);
  const year = Math.floor(totalMonths / 12);
  const month = totalMonths - year * 12 + 1;
  // Jan 31 + 1 month = the last day of February.
  const day = Math.min(w.day, daysInMonth(year, month));
  return instantFromWall({ ...w, year, month, day }, zone);
}

function humanDuration(ms: number): string {
  let rest = Math.floor(Math.abs(ms) / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
  }
  const text = parts.length ? parts.join(', ') : Math.abs(ms) > 0 ? `${Math.abs(ms)} milliseconds` : '0 seconds';
  return ms < 0 ? `-${text}` : text;
}

function execute(p: Params): ToolOutput {
  const op = p.operation === 'diff' ? 'difference' : p.operation === 'convert' ? 'convert_timezone' : p.operation;
  const zone = zoneParam(p.timezone, 'timezone');
  const input = p.input ?? p.timestamp;
  switch (op) {
    case 'parse':
    case 'format': {
      const parsed = parseParam(input, 'input', zone, op);
      const display = p.timezone ? zone : parsed.zone ?? UTC;
      const result: Record<string, unknown> = {
        input,
        parsed: {
          utc: fmt(parsed.ms, UTC, p.format, DEFAULT_FORMAT),
          iso: new Date(parsed.ms).toISOString(),
          timestamp: Math.floor(parsed.ms / 1000),
          timestamp_ms: parsed.ms,
          ...components(parsed.ms, UTC),
        },
        detected_format: parsed.format,
      };
      if (display !== UTC) result.local = { formatted: fmt(parsed.ms, display, p.format, ZONED_FORMAT), ...components(parsed.ms, display) };
      if (op === 'format') result.formatted = fmt(parsed.ms, display, p.format, defaultFormatFor(display));
      return { operation: op, message: op === 'parse' ? 'Date parsed successfully' : 'Date formatted successfully', result };
    }
    case 'now': {
      const now = Date.now();
      const format = p.format ?? defaultFormatFor(zone);
      return {
        operation: 'now',
        message: `Current time in ${zone.name}`,
        result: { timezone: zone.name, datetime: fmt(now, zone, format, format), format, timestamp: Math.floor(now / 1000), timestamp_ms: now, iso: new Date(now).toISOString(), offset: formatOffset(wallFromInstant(now, zone).offsetMinutes) },
      };
    }
    case 'convert_timezone': {
      const targetName = p.target_timezone ?? p.to_timezone;
      if (!targetName) paramError(NAME, 'target_timezone', "is required for 'convert_timezone'");
      const target = zoneParam(targetName, 'target_timezone');
      const parsed = parseParam(input, 'input', zone, op);
      const source = parsed.zone ?? zone;
      const w = wallFromInstant(parsed.ms, target);
      return {
        operation: 'convert_timezone',
        message: `Converted to ${target.name}`,
        result: {
          input,
          source_timezone: source.name,
          target_timezone: target.name,
          original: fmt(parsed.ms, source, p.format, defaultFormatFor(source)),
          converted: fmt(parsed.ms, target, p.format, defaultFormatFor(target)),
          utc: fmt(parsed.ms, UTC, undefined, DEFAULT_FORMAT),
          offset: formatOffset(w.offsetMinutes),
          abbreviation: fmt(parsed.ms, target, '%Z', '%Z'),
          timestamp: Math.floor(parsed.ms / 1000),
        },
      };
    }
    case 'add':
    case 'subtract': {
      if (p.amount === undefined) paramError(NAME, 'amount', `is required for '${op}'`);
      if (!Number.isFinite(p.amount)) paramError(NAME, 'amount', 'must be a finite number');
      const unit = Object.hasOwn(UNITS, p.unit.toLowerCase()) ? UNITS[p.unit.toLowerCase()] : undefined;
      if (!unit) paramError(NAME, 'unit', `unknown unit '${p.unit}' (milliseconds, seconds, minutes, hours, days, weeks, months, years)`);
      const parsed = parseParam(input, 'input', zone, op);
      const calendarZone = p.timezone ? zone : parsed.zone ?? UTC;
      const out = shift(parsed.ms, op === 'add' ? p.amount : -p.amount, unit, calendarZone);
      if (!Number.isFinite(out) || Math.abs(out) > 8.64e15) paramError(NAME, 'amount', 'result is outside the supported date range');
      const display = calendarZone;
      return {
        operation: op,
        message: `${op === 'add' ? 'Added' : 'Subtracted'} ${p.amount} ${unit}`,
        result: {
          input,
          amount: p.amount,
          unit,
          original: fmt(parsed.ms, display, p.format, defaultFormatFor(display)),
          result: fmt(out, display, p.format, defaultFormatFor(display)),
          result_utc: fmt(out, UTC, undefined, DEFAULT_FORMAT),
          timestamp: Math.floor(out / 1000),
        },
      };
    }
    case 'difference': {
      const startRaw = p.start ?? p.from;
      const endRaw = p.end ?? p.to;
      const start = parseParam(startRaw, 'start', zone, 'difference');
      const end = parseParam(endRaw, 'end', zone, 'difference');
      const ms = end.ms - start.ms;
      const trunc = (n: number): number => Math.trunc(n) || 0;
      return {
        operation: 'difference',
        message: `Difference: ${humanDuration(ms)}`,
        result: {
          start: startRaw,
          end: endRaw,
          difference: {
            total_milliseconds: ms,
            total_seconds: trunc(ms / 1000),
            seconds: ms / 1000,
            minutes: trunc(ms / 60_000),
            hours: trunc(ms / 3_600_000),
            days: trunc(ms / 86_400_000),
            weeks: trunc(ms / 604_800_000),
            human_readable: humanDuration(ms),
            is_negative: ms < 0,
          },
        },
      };
    }
    case 'info': {
      const parsed = parseParam(input, 'input', zone, op);
      const display = p.timezone ? zone : parsed.zone ?? UTC;
      return {
        operation: 'info',
        message: 'Date information',
        result: { input, info: { ...components(parsed.ms, display), formatted: fmt(parsed.ms, display, p.format, defaultFormatFor(display)), timestamp: Math.floor(parsed.ms / 1000) } },
      };
    }
    default:
      return {
        operation: 'formats',
        message: 'Supported input formats and output directives',
        result: {
          available_formats: SUPPORTED_FORMATS,
          example_formats: {
            ISO8601: DEFAULT_FORMAT,
            RFC3339: '%Y-%m-%d %H:%M:%S%:z',
            RFC2822: '%a, %d %b %Y %H:%M:%S %z',
            'Unix timestamp': 'timestamp',
            'Human readable': '%B %d, %Y at %I:%M %p',
            'Date only': '%Y-%m-%d',
            'Time only': '%H:%M:%S',
          },
          directives: FORMAT_DIRECTIVES,
          units: [...new Set(Object.values(UNITS))],
        },
      };
  }
}

/** The `result` of each operation, for `tools show` and `llmspell types`. */
function outputSchema() {
  const when = z.union([z.string(), z.number()]);
  const calendar = {
    year: z.number(), month: z.number(), month_name: z.string(), day: z.number(), hour: z.number(), minute: z.number(), second: z.number(),
    millisecond: z.number(), weekday: z.string(), weekday_number: z.number().describe('1 = Monday … 7 = Sunday'), day_of_year: z.number(),
    week_of_year: z.number(), iso_week_year: z.number(), quarter: z.number(), is_leap_year: z.boolean(), days_in_month: z.number(),
    is_weekend: z.boolean(), timezone: z.string(), offset: z.string(),
  };
  return z.union([
    z.object({
      input: when,
      parsed: z.object({ utc: z.string(), iso: z.string(), timestamp: z.number(), timestamp_ms: z.number(), ...calendar }),
      detected_format: z.string(),
      local: z.object({ formatted: z.string(), ...calendar }).optional().describe('In the input\'s or the given zone, when not UTC'),
      formatted: z.string().optional().describe('format only'),
    }).describe('parse, format'),
    z.object({ timezone: z.string(), datetime: z.string(), format: z.string(), timestamp: z.number(), timestamp_ms: z.number(), iso: z.string(), offset: z.string() })
      .describe('now'),
    z.object({
      input: when, source_timezone: z.string(), target_timezone: z.string(), original: z.string(), converted: z.string(), utc: z.string(),
      offset: z.string(), abbreviation: z.string(), timestamp: z.number(),
    }).describe('convert_timezone'),
    z.object({
      input: when, amount: z.number(), unit: z.string(), original: z.string(), result: z.string(), result_utc: z.string(), timestamp: z.number(),
    }).describe('add, subtract'),
    z.object({
      start: when, end: when,
      difference: z.object({
        total_milliseconds: z.number(), total_seconds: z.number(), seconds: z.number(), minutes: z.number(), hours: z.number(), days: z.number(),
        weeks: z.number(), human_readable: z.string(), is_negative: z.boolean(),
      }),
    }).describe('difference'),
    z.object({ input: when, info: z.object({ ...calendar, formatted: z.string(), timestamp: z.number() }) }).describe('info'),
    z.object({
      available_formats: z.array(z.object({ name: z.string(), example: z.string() })), example_formats: z.record(z.string(), z.string()),
      directives: z.record(z.string(), z.string()), units: z.array(z.string()),
    }).describe('formats'),
  ]);
}

export const dateTimeHandler = defineTool({
  name: NAME,
  aliases: ['datetime_handler'],
  description: 'Parses dates in many formats (RFC 3339/2822, ISO 8601, Unix timestamps, m/d/Y …), formats them strftime-style, converts between IANA time zones, adds/subtracts durations, computes differences and calendar info.',
  outputSchema: outputSchema(),
  category: 'utility',
  securityLevel: 'safe',
  tags: ['date', 'time', 'timezone', 'datetime'],
  parameters,
  examples: [
    { description: 'Parse an ISO date', params: { operation: 'parse', input: '2024-01-15T10:30:00Z' } },
    { description: 'Convert to another zone', params: { operation: 'convert_timezone', input: '2024-01-15T10:30:00Z', target_timezone: 'America/New_York' } },
    { description: 'Add five days', params: { operation: 'add', input: '2024-01-15', amount: 5, unit: 'days' } },
    { description: 'Difference between two dates', params: { operation: 'difference', start: '2024-01-01', end: '2024-03-01T12:00:00Z' } },
  ],
  execute,
});
