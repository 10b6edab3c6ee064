/** Time zones: IANA names through Intl, plus fixed offsets (`+05:30`, `UTC-3`). */

export type Zone = { kind: 'fixed'; name: string; offsetMinutes: number } | { kind: 'iana'; name: string };

export const UTC: Zone = { kind: 'fixed', name: 'UTC', offsetMinutes: 0 };

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short',
    });
    remember(formatters, zone, f);
  }
  return f;
}

export function formatOffset(minutes: number, colon = true): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return colon ? `${sign}${hh}:${mm}` : `${sign}${hh}${mm}`;
}

/** Parses `Z`, `UTC`, `GMT`, `+05:30`, `-0800`, `UTC+2`, `GMT-03:00` as a fixed offset in minutes. */
export function parseFixedOffset(text: string): number | undefined {
  const t = text.trim().toUpperCase();
  if (t === 'Z' || t === 'UTC' || t === 'GMT' || t === 'UT') return 0;
  const m = /^(?:UTC|GMT|UT)?([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(t);
  if (!m) return undefined;
  const h = Number(m[2]);
  const min = Number(m[3] ?? 0);
  if (h > 18 || min > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (h * 60 + min);
}

// Intl formatters are expensive to build; zone names repeat, so both lookups are cached (bounded).
const zoneCache = new Map<string, Zone | null>();
const abbreviationFormatters = new Map<string, Intl.DateTimeFormat>();

function remember<K, V>(cache: Map<K, V>, key: K, value: V): V {
  if (cache.size >= 500) cache.delete(cache.keys().next().value as K);
  cache.set(key, value);
  return value;
}

/** Resolves a zone name; returns undefined when it is unknown. */
export function lookupZone(name: string): Zone | undefined {
  const fixed = parseFixedOffset(name);
  if (fixed !== undefined) return { kind: 'fixed', name: fixed === 0 ? 'UTC' : formatOffset(fixed), offsetMinutes: fixed };
  const hit = zoneCache.get(name);
  if (hit !== undefined) return hit ?? undefined;
  try {
    const canonical = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    return remember<string, Zone | null>(zoneCache, name, { kind: 'iana', name: canonical }) ?? undefined;
  } catch {
    remember(zoneCache, name, null);
    return undefined;
  }
}

/** The zone's UTC offset in minutes at the instant `ms`. */
export function offsetAt(zone: Zone, ms: number): number {
  if (zone.kind === 'fixed') return zone.offsetMinutes;
  const whole = Math.floor(ms / 1000) * 1000;
  const parts = formatterFor(zone.name).formatToParts(new Date(whole));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  let year = get('year');
  if (parts.find((p) => p.type === 'era')?.value.startsWith('B')) year = 1 - year;
  const wall = Date.UTC(year, get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  // Date.UTC maps years 0-99 to 1900+; fix that up.
  const fixedWall = year >= 0 && year < 100 ? new Date(wall).setUTCFullYear(year) : wall;
  return Math.round((fixedWall - whole) / 60000);
}

/** Short zone label for %Z: `UTC`, `EST`, `CET`, or `GMT+5:30` where Intl has no abbreviation. */
export function zoneAbbreviation(zone: Zone, ms: number): string {
  if (zone.kind === 'fixed') return zone.offsetMinutes === 0 ? 'UTC' : formatOffset(zone.offsetMinutes);
  let f = abbreviationFormatters.get(zone.name);
  if (!f) f = remember(abbreviationFormatters, zone.name, new Intl.DateTimeFormat('en-US', { timeZone: zone.name, timeZoneName: 'short' }));
  const parts = f.formatToParts(new Date(ms));
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? zone.name;
}

export interface WallTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

export function utcFromWall(w: WallTime): number {
  const d = new Date(Date.UTC(2000, 0, 1, 0, 0, 0, 0));
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  d.setUTCHours(w.hour, w.minute, w.second, w.millisecond);
  return d.getTime();
}

/**
 * The instant at which the zone's clocks show `w`. Like Temporal's 'compatible' disambiguation:
 * an ambiguous time (clocks turned back) takes the earlier instant, a skipped time (clocks
 * turned forward) is moved forward by the gap.
 */
export function instantFromWall(w: WallTime, zone: Zone): number {
  const asUtc = utcFromWall(w);
  if (zone.kind === 'fixed') return asUtc - zone.offsetMinutes * 60000;
  const guess = offsetAt(zone, asUtc);
  const t1 = asUtc - guess * 60000;
  const o1 = offsetAt(zone, t1);
  if (o1 === guess) {
    // Both offsets of an overlap may fit; prefer the earlier instant.
    const before = offsetAt(zone, t1 - 3 * 3600000);
    if (before !== o1) {
      const t0 = asUtc - before * 60000;
      if (offsetAt(zone, t0) === before && t0 < t1) return t0;
    }
    return t1;
  }
  const t2 = asUtc - o1 * 60000;
  if (offsetAt(zone, t2) === o1) return t2;
  return Math.max(t1, t2);
}

/** Wall-clock fields of an instant in a zone. */
export function wallFromInstant(ms: number, zone: Zone): WallTime & { offsetMinutes: number; weekday: number } {
  const offsetMinutes = offsetAt(zone, ms);
  const d = new Date(ms + offsetMinutes * 60000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
    weekday: d.getUTCDay(),
    offsetMinutes,
  };
}
