import { MONTH_NAMES, WEEKDAY_NAMES, dayOfYear, isoWeek } from './calendar.js';
import { type Zone, formatOffset, wallFromInstant, zoneAbbreviation } from './zones.js';

/** Thrown for an unknown `%` directive; the caller names the parameter. */
export class FormatError extends Error {}

const pad = (n: number, width = 2, fill = '0'): string => {
  const s = String(Math.abs(n));
  return (n < 0 ? '-' : '') + s.padStart(width, fill);
};

export const FORMAT_DIRECTIVES: Record<string, string> = {
  '%Y': 'year (2024)', '%C': 'century (20)', '%y': 'two-digit year (24)', '%m': 'month 01-12', '%b': 'abbreviated month (Jan)', '%h': 'same as %b',
  '%B': 'full month (January)', '%d': 'day 01-31', '%e': 'day, space-padded ( 5)', '%j': 'day of year 001-366', '%H': 'hour 00-23',
  '%k': 'hour, space-padded', '%I': 'hour 01-12', '%l': 'hour 1-12, space-padded', '%M': 'minute 00-59', '%S': 'second 00-59',
  '%f': 'nanoseconds, 9 digits', '%3f': 'milliseconds, 3 digits', '%6f': 'microseconds, 6 digits', '%9f': 'nanoseconds, 9 digits',
  '%.f': 'fraction with leading dot, only when non-zero (.123)', '%.3f': '.123', '%.6f': '.123000', '%.9f': '.123000000',
  '%p': 'AM/PM', '%P': 'am/pm', '%a': 'abbreviated weekday (Mon)', '%A': 'full weekday (Monday)', '%u': 'weekday 1-7, Monday = 1',
  '%w': 'weekday 0-6, Sunday = 0', '%V': 'ISO week 01-53', '%G': 'ISO week-based year', '%z': 'offset +0530', '%:z': 'offset +05:30',
  '%Z': 'zone abbreviation (UTC, EST, CET)', '%s': 'Unix timestamp, seconds', '%F': '%Y-%m-%d', '%T': '%H:%M:%S', '%R': '%H:%M',
  '%D': '%m/%d/%y', '%c': '%a %b %e %H:%M:%S %Y', '%x': '%m/%d/%y', '%X': '%H:%M:%S', '%n': 'newline', '%t': 'tab', '%%': 'a literal %',
};

/** Formats an instant in a zone with strftime/chrono-style directives. */
export function strftime(ms: number, zone: Zone, format: string): string {
  const w = wallFromInstant(ms, zone);
  const hour12 = w.hour % 12 === 0 ? 12 : w.hour % 12;
  const nanos = w.millisecond * 1_000_000;
  const one = (spec: string): string => {
    switch (spec) {
      case 'Y': return w.year >= 0 && w.year <= 9999 ? pad(w.year, 4) : String(w.year);
      case 'C': return pad(Math.floor(w.year / 100));
      case 'y': return pad(((w.year % 100) + 100) % 100);
      case 'm': return pad(w.month);
      case 'b': case 'h': return MONTH_NAMES[w.month - 1].slice(0, 3);
      case 'B': return MONTH_NAMES[w.month - 1];
      case 'd': return pad(w.day);
      case 'e': return pad(w.day, 2, ' ');
      case 'j': return pad(dayOfYear(w.year, w.month, w.day), 3);
      case 'H': return pad(w.hour);
      case 'k': return pad(w.hour, 2, ' ');
      case 'I': return pad(hour12);
      case 'l': return pad(hour12, 2, ' ');
      case 'M': return pad(w.minute);
      case 'S': return pad(w.second);
      case 'f': case '9f': return pad(nanos, 9);
      case '3f': return pad(w.millisecond, 3);
      case '6f': return pad(w.millisecond * 1000, 6);
      case '.f': return w.millisecond === 0 ? '' : `.${pad(w.millisecond, 3)}`;
      case '.3f': return `.${pad(w.millisecond, 3)}`;
      case '.6f': return `.${pad(w.millisecond * 1000, 6)}`;
      case '.9f': return `.${pad(nanos, 9)}`;
      case 'p': return w.hour < 12 ? 'AM' : 'PM';
      case 'P': return w.hour < 12 ? 'am' : 'pm';
      case 'a': return WEEKDAY_NAMES[w.weekday].slice(0, 3);
      case 'A': return WEEKDAY_NAMES[w.weekday];
      case 'u': return String(w.weekday === 0 ? 7 : w.weekday);
      case 'w': return String(w.weekday);
      case 'V': return pad(isoWeek(w.year, w.month, w.day).week);
      case 'G': return String(isoWeek(w.year, w.month, w.day).year);
      case 'z': return formatOffset(w.offsetMinutes, false);
      case ':z': return formatOffset(w.offsetMinutes, true);
      case 'Z': return zoneAbbreviation(zone, ms);
      case 's': return String(Math.floor(ms / 1000));
      case 'F': return `${one('Y')}-${one('m')}-${one('d')}`;
      case 'T': case 'X': return `${one('H')}:${one('M')}:${one('S')}`;
      case 'R': return `${one('H')}:${one('M')}`;
      case 'D': case 'x': return `${one('m')}/${one('d')}/${one('y')}`;
      case 'c': return `${one('a')} ${one('b')} ${one('e')} ${one('T')} ${one('Y')}`;
      case 'n': return '\n';
      case 't': return '\t';
      case '%': return '%';
      default: throw new FormatError(`unknown directive '%${spec}'`);
    }
  };
  return format.replace(/%(\.?[369]?f|:z|.?)/g, (_, spec: string) => {
    if (spec === '') throw new FormatError("dangling '%' at the end");
    return one(spec);
  });
}
