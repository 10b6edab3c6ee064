import { dateTimeHandler } from '../index.js';
import { expectToolFailure, toolResult } from '@llmspell/core/testing';

const iso = async (input: string | number, extra: Record<string, unknown> = {}) =>
  (await toolResult(dateTimeHandler, { operation: 'parse', input, ...extra })).parsed.iso as string;

describe('date_time_handler', () => {
  it('parses RFC 3339 / ISO 8601 variants', async () => {
    const r = await toolResult(dateTimeHandler, { operation: 'parse', input: '2024-01-15T10:30:00Z' });
    expect(r.parsed).toMatchObject({ utc: '2024-01-15T10:30:00Z', timestamp: 1705314600, year: 2024, month: 1, day: 15, hour: 10, minute: 30, second: 0, weekday: 'Monday' });
    expect(r.detected_format).toBe('RFC 3339 / ISO 8601');
    expect(await iso('2024-01-15T10:30:00.123+05:30')).toBe('2024-01-15T05:00:00.123Z');
    expect(await iso('2024-01-15 10:30:00')).toBe('2024-01-15T10:30:00.000Z');
    expect(await iso('2024-01-15T10:30')).toBe('2024-01-15T10:30:00.000Z');
    expect(await iso('2024-01-15T10:30:00-0800')).toBe('2024-01-15T18:30:00.000Z');
    expect(await iso('2024-01-15')).toBe('2024-01-15T00:00:00.000Z');
    expect(await iso('20240115T103000Z')).toBe('2024-01-15T10:30:00.000Z');
    expect(await iso('20240115')).toBe('2024-01-15T00:00:00.000Z');
    expect(await iso('2024-046')).toBe('2024-02-15T00:00:00.000Z');
    expect(await iso('2024-W03-1')).toBe('2024-01-15T00:00:00.000Z');
    expect(await iso('2020-W53-7')).toBe('2021-01-03T00:00:00.000Z');
  });

  it('refuses text longer than any date before its patterns run (they would backtrack on long whitespace)', async () => {
    for (const input of [`2024-01-01${' '.repeat(200_000)}x`, `Jan${' '.repeat(200_000)}1 x`]) {
      const e = await expectToolFailure(dateTimeHandler, { operation: 'parse', input }, 'INVALID_ARGUMENT', 'input');
      expect(e.message).toContain('longer than any date');
    }
    expect(await iso(`  2024-01-15${' '.repeat(1000)}`)).toBe('2024-01-15T00:00:00.000Z');
  });

  it('parses RFC 2822, month names, ctime and JS date strings', async () => {
    expect(await iso('Mon, 15 Jan 2024 10:30:00 +0100')).toBe('2024-01-15T09:30:00.000Z');
    expect(await iso('15 Jan 2024 10:30 GMT')).toBe('2024-01-15T10:30:00.000Z');
    expect(await iso('Mon, 15 Jan 2024 10:30:00 EST')).toBe('2024-01-15T15:30:00.000Z');
    expect(await iso('January 15, 2024')).toBe('2024-01-15T00:00:00.000Z');
    expect(await iso('Jan 15 2024 3:45 PM')).toBe('2024-01-15T15:45:00.000Z');
    expect(await iso('15 January 2024 at 08:00')).toBe('2024-01-15T08:00:00.000Z');
    expect(await iso('15-Jan-2024')).toBe('2024-01-15T00:00:00.000Z');
    expect(await iso('September 3rd, 2024')).toBe('2024-09-03T00:00:00.000Z');
    expect(await iso('Mon Jan 15 10:30:00 2024')).toBe('2024-01-15T10:30:00.000Z');
    expect(await iso(new Date(Date.UTC(2024, 0, 15, 10, 30)).toString())).toBe('2024-01-15T10:30:00.000Z');
  });

  it('parses unix timestamps in seconds, milliseconds and as numbers', async () => {
    expect(await iso('1705314600')).toBe('2024-01-15T10:30:00.000Z');
    expect(await iso('1705314600123')).toBe('2024-01-15T10:30:00.123Z');
    expect(await iso('@1705314600')).toBe('2024-01-15T10:30:00.000Z');
    expect(await iso(1705314600)).toBe('2024-01-15T10:30:00.000Z');
    expect(await iso(1705314600.5)).toBe('2024-01-15T10:30:00.500Z');
    expect(await iso('0')).toBe('1970-01-01T00:00:00.000Z');
  });

  it('parses numeric day/month orders', async () => {
    expect(await iso('2024/01/15')).toBe('2024-01-15T00:00:00.000Z');
    expect(await iso('01/15/2024')).toBe('2024-01-15T00:00:00.000Z');
    expect(await iso('1/15/24 3:45 PM')).toBe('2024-01-15T15:45:00.000Z');
    expect(await iso('15/01/2024')).toBe('2024-01-15T00:00:00.000Z');
    expect(await iso('15.01.2024 10:30')).toBe('2024-01-15T10:30:00.000Z');
    expect(await iso('15-01-2024')).toBe('2024-01-15T00:00:00.000Z');
    expect((await toolResult(dateTimeHandler, { input: '03/04/2024' })).detected_format).toBe('m/d/Y');
  });

  it('accepts an IANA zone or abbreviation written in the input', async () => {
    expect(await iso('2024-01-15 10:30 Europe/Paris')).toBe('2024-01-15T09:30:00.000Z');
    expect(await iso('2024-01-15T10:30:00 UTC')).toBe('2024-01-15T10:30:00.000Z');
    await expectToolFailure(dateTimeHandler, { input: '2024-01-15 10:30 Atlantis/Lost' }, 'INVALID_ARGUMENT', /unknown time zone/);
  });

  it('reads inputs without an offset in the timezone parameter', async () => {
    const r = await toolResult(dateTimeHandler, { operation: 'parse', input: '2024-07-01 12:00', timezone: 'Europe/Paris' });
    expect(r.parsed.iso).toBe('2024-07-01T10:00:00.000Z');
    expect(r.local).toMatchObject({ formatted: '2024-07-01T12:00:00+02:00', hour: 12, timezone: 'Europe/Paris', offset: '+02:00' });
  });

  it('resolves skipped and repeated local times around DST changes', async () => {
    // 02:30 does not exist in New York on 2024-03-10: moved forward to 03:30 EDT.
    expect(await iso('2024-03-10 02:30', { timezone: 'America/New_York' })).toBe('2024-03-10T07:30:00.000Z');
    // 01:30 happens twice on 2024-11-03: the earlier (EDT) instant is used.
    expect(await iso('2024-11-03 01:30', { timezone: 'America/New_York' })).toBe('2024-11-03T05:30:00.000Z');
    expect(await iso('2024-10-27 02:30', { timezone: 'Europe/Berlin' })).toBe('2024-10-27T00:30:00.000Z');
    expect(await iso('2024-03-31 04:00', { timezone: 'Europe/Berlin' })).toBe('2024-03-31T02:00:00.000Z');
  });

  it('converts between IANA zones, with DST', async () => {
    const summer = await toolResult(dateTimeHandler, { operation: 'convert_timezone', input: '2024-07-15T10:30:00Z', target_timezone: 'America/New_York' });
    expect(summer).toMatchObject({ converted: '2024-07-15T06:30:00-04:00', offset: '-04:00', abbreviation: 'EDT', original: '2024-07-15T10:30:00Z', target_timezone: 'America/New_York' });
    const winter = await toolResult(dateTimeHandler, { operation: 'convert_timezone', input: '2024-01-15T10:30:00Z', target_timezone: 'America/New_York' });
    expect(winter.converted).toBe('2024-01-15T05:30:00-05:00');
    const kolkata = await toolResult(dateTimeHandler, { operation: 'convert_timezone', input: '2024-01-15T10:30:00Z', target_timezone: 'Asia/Kolkata', format: '%Y-%m-%d %H:%M %Z' });
    expect(kolkata.converted).toBe('2024-01-15 16:00 GMT+5:30');
    const fromZoned = await toolResult(dateTimeHandler, { operation: 'convert_timezone', input: '2024-03-10T12:00:00+09:00', target_timezone: 'UTC' });
    expect(fromZoned).toMatchObject({ converted: '2024-03-10T03:00:00Z', source_timezone: '+09:00' });
    const offset = await toolResult(dateTimeHandler, { operation: 'convert_timezone', input: '2024-01-15T10:30:00Z', target_timezone: '-03:30' });
    expect(offset.converted).toBe('2024-01-15T07:00:00-03:30');
    // DOC alias
    expect((await toolResult(dateTimeHandler, { operation: 'convert', input: '2024-01-15T10:30:00Z', to_timezone: 'Asia/Tokyo' })).converted).toBe('2024-01-15T19:30:00+09:00');
  });

  it('formats with strftime directives', async () => {
    const fmt = async (format: string, input = '2024-02-05T07:08:09.045Z', timezone?: string) =>
      (await toolResult(dateTimeHandler, { operation: 'format', input, format, ...(timezone ? { timezone } : {}) })).formatted;
    expect(await fmt('%Y-%m-%d %H:%M:%S')).toBe('2024-02-05 07:08:09');
    expect(await fmt('%a %A %b %B %j %e')).toBe('Mon Monday Feb February 036  5');
    expect(await fmt('%I:%M %p %y')).toBe('07:08 AM 24');
    expect(await fmt('%f|%.f|%3f|%.3f')).toBe('045000000|.045|045|.045');
    expect(await fmt('%s %%')).toBe('1707116889 %');
    expect(await fmt('%z %:z %Z', '2024-02-05T07:08:09Z', 'Europe/Berlin')).toBe('+0100 +01:00 GMT+1');
    expect(await fmt('%H:%M %Z', '2024-07-05T07:08:09Z', 'America/Los_Angeles')).toBe('00:08 PDT');
    expect(await fmt('%F %T %u %V', '2021-01-03T00:00:00Z')).toBe('2021-01-03 00:00:00 7 53');
    expect(await fmt('%I %p', '2024-02-05T00:30:00Z')).toBe('12 AM');
    expect(await fmt('timestamp')).toBe('1707116889');
    // Standard formats by name (rs-llmspell's examples write format = "ISO8601").
    expect(await fmt('ISO8601')).toBe('2024-02-05T07:08:09.045Z');
    expect(await fmt('rfc-3339', '2024-02-05T07:08:09Z', 'Europe/Berlin')).toBe('2024-02-05T08:08:09+01:00');
    expect(await fmt('RFC2822', '2024-02-05T07:08:09Z', 'Europe/Berlin')).toBe('Mon, 05 Feb 2024 08:08:09 +0100');
    expect(await fmt('unix')).toBe('1707116889');
    expect(await fmt('ISO')).toBe('2024-02-05T07:08:09.045Z');
    expect(await fmt('plain words')).toBe('plain words');
    const now = await toolResult(dateTimeHandler, { operation: 'now', format: 'ISO8601' });
    expect(now.datetime).toBe(now.iso);
    const parsed = await toolResult(dateTimeHandler, { operation: 'parse', input: '2024-02-05T07:08:09Z', format: '%d/%m/%Y' });
    expect(parsed.parsed.utc).toBe('05/02/2024');
  });

  it('gives the current time in a zone', async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = await toolResult(dateTimeHandler, { operation: 'now', timezone: 'Asia/Tokyo' });
    expect(r.timezone).toBe('Asia/Tokyo');
    expect(r.offset).toBe('+09:00');
    expect(r.datetime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?\+09:00$/);
    expect(r.timestamp).toBeGreaterThanOrEqual(before);
    expect(new Date(r.datetime).getTime()).toBeCloseTo(r.timestamp_ms, -3);
    const utc = await toolResult(dateTimeHandler, { operation: 'now' });
    expect(utc.datetime).toMatch(/Z$/);
  });

  it('adds and subtracts units, calendar-aware for days/months', async () => {
    const add = async (input: string, amount: number, unit: string, extra: Record<string, unknown> = {}) =>
      (await toolResult(dateTimeHandler, { operation: 'add', input, amount, unit, ...extra })).result;
    expect(await add('2024-01-15T10:30:00Z', 5, 'days')).toBe('2024-01-20T10:30:00Z');
    expect(await add('2024-01-15T10:30:00Z', 90, 'minutes')).toBe('2024-01-15T12:00:00Z');
    expect(await add('2024-01-15T10:30:00Z', 2, 'weeks')).toBe('2024-01-29T10:30:00Z');
    expect(await add('2024-01-15T10:30:00Z', 30, 'seconds')).toBe('2024-01-15T10:30:30Z');
    expect(await add('2024-01-15T10:30:00Z', 1.5, 'hours')).toBe('2024-01-15T12:00:00Z');
    expect(await add('2024-01-31', 1, 'month')).toBe('2024-02-29T00:00:00Z');
    expect(await add('2024-02-29', 1, 'years')).toBe('2025-02-28T00:00:00Z');
    // One calendar day across the US spring-forward is 23 hours.
    const dst = await toolResult(dateTimeHandler, { operation: 'add', input: '2024-03-09 12:00', timezone: 'America/New_York', amount: 1, unit: 'day' });
    expect(dst.result).toBe('2024-03-10T12:00:00-04:00');
    expect(dst.result_utc).toBe('2024-03-10T16:00:00Z');
    const sub = await toolResult(dateTimeHandler, { operation: 'subtract', input: '2024-03-01T00:00:00Z', amount: 1, unit: 'days' });
    expect(sub).toMatchObject({ result: '2024-02-29T00:00:00Z', amount: 1, unit: 'days', original: '2024-03-01T00:00:00Z' });
  });

  it('computes differences with a human readable string', async () => {
    const r = await toolResult(dateTimeHandler, { operation: 'difference', start: '2024-01-01T00:00:00Z', end: '2024-01-02T03:04:05Z' });
    expect(r.difference).toMatchObject({ total_seconds: 97445, seconds: 97445, minutes: 1624, hours: 27, days: 1, human_readable: '1 day, 3 hours, 4 minutes, 5 seconds', is_negative: false });
    const neg = await toolResult(dateTimeHandler, { operation: 'diff', from: '2024-01-02', to: '2024-01-01' });
    expect(neg.difference).toMatchObject({ total_seconds: -86400, days: -1, human_readable: '-1 day', is_negative: true });
    const mixed = await toolResult(dateTimeHandler, { operation: 'difference', start: 'Mon, 15 Jan 2024 10:00:00 +0000', end: 1705316400 });
    expect(mixed.difference.minutes).toBe(60);
  });

  it('reports calendar info', async () => {
    const r = await toolResult(dateTimeHandler, { operation: 'info', input: '2024-12-30T23:30:00-02:00' });
    expect(r.info).toMatchObject({ year: 2024, month: 12, day: 30, hour: 23, weekday: 'Monday', day_of_year: 365, week_of_year: 1, iso_week_year: 2025, quarter: 4, is_leap_year: true, days_in_month: 31, is_weekend: false, offset: '-02:00' });
    const utc = await toolResult(dateTimeHandler, { operation: 'info', input: '2024-12-30T23:30:00-02:00', timezone: 'UTC' });
    expect(utc.info).toMatchObject({ day: 31, hour: 1 });
    expect((await toolResult(dateTimeHandler, { operation: 'info', input: '2023-06-10' })).info).toMatchObject({ is_leap_year: false, is_weekend: true });
  });

  it('lists formats and directives', async () => {
    const r = await toolResult(dateTimeHandler, { operation: 'formats' });
    expect(r.available_formats.length).toBeGreaterThan(8);
    expect(r.directives['%Y']).toBeDefined();
    expect(r.example_formats.RFC2822).toBe('%a, %d %b %Y %H:%M:%S %z');
  });

  it('rejects bad input naming the parameter', async () => {
    await expectToolFailure(dateTimeHandler, { operation: 'parse', input: 'not a date' }, 'INVALID_ARGUMENT', 'input');
    await expectToolFailure(dateTimeHandler, { operation: 'parse', input: '2024-02-30' }, 'INVALID_ARGUMENT', /day 30 is out of range/);
    await expectToolFailure(dateTimeHandler, { operation: 'parse', input: '2024-13-01' }, 'INVALID_ARGUMENT', /month 13/);
    await expectToolFailure(dateTimeHandler, { operation: 'parse', input: '2024-01-01T25:00' }, 'INVALID_ARGUMENT', /hour 25/);
    await expectToolFailure(dateTimeHandler, { operation: 'parse' }, 'INVALID_ARGUMENT', 'input');
    await expectToolFailure(dateTimeHandler, { operation: 'now', timezone: 'Mars/Olympus' }, 'INVALID_ARGUMENT', 'timezone');
    await expectToolFailure(dateTimeHandler, { operation: 'convert_timezone', input: '2024-01-01' }, 'INVALID_ARGUMENT', 'target_timezone');
    await expectToolFailure(dateTimeHandler, { operation: 'convert_timezone', input: '2024-01-01', target_timezone: 'Nowhere/City' }, 'INVALID_ARGUMENT', 'target_timezone');
    await expectToolFailure(dateTimeHandler, { operation: 'add', input: '2024-01-01' }, 'INVALID_ARGUMENT', 'amount');
    await expectToolFailure(dateTimeHandler, { operation: 'add', input: '2024-01-01', amount: 1, unit: 'fortnights' }, 'INVALID_ARGUMENT', 'unit');
    await expectToolFailure(dateTimeHandler, { operation: 'add', input: '2024-01-01', amount: 1, unit: 'constructor' }, 'INVALID_ARGUMENT', 'unit');
    await expectToolFailure(dateTimeHandler, { operation: 'add', input: '2024-01-01', amount: 1.5, unit: 'months' }, 'INVALID_ARGUMENT', 'amount');
    await expectToolFailure(dateTimeHandler, { operation: 'difference', start: '2024-01-01' }, 'INVALID_ARGUMENT', 'end');
    await expectToolFailure(dateTimeHandler, { operation: 'format', input: '2024-01-01', format: '%Q' }, 'INVALID_ARGUMENT', 'format');
    await expectToolFailure(dateTimeHandler, { operation: 'tomorrow' }, 'INVALID_ARGUMENT', 'operation');
    await expectToolFailure(dateTimeHandler, { operation: 'add', input: '2024-01-01', amount: 'one' }, 'INVALID_ARGUMENT', 'amount');
  });
});
