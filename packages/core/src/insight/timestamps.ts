/**
 * Time for per-window counts: window sizes as the report shows them (`5m`) and the timestamp of a log
 * line, in the built-in formats or a `--time-format`. Pure and synchronous.
 */
import { UsageError } from '../errors.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Largest unit first: `formatWindowSize` picks the first one that divides exactly. */
const DURATION_UNITS: readonly (readonly [unit: string, ms: number])[] = [['d', DAY], ['h', HOUR], ['m', MINUTE], ['s', SECOND], ['ms', 1]];

/** Formats ms back to the shortest unit form: 60000 -> "1m", 90000 -> "90s", 3600000 -> "1h", 1500 -> "1500ms". */
export function formatWindowSize(ms: number): string {
  for (const [unit, size] of DURATION_UNITS) if (ms !== 0 && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** A function that finds the timestamp of one log line and returns it as ms since the epoch (UTC), or undefined when the line has none. */
export type TimestampParser = (line: string) => number | undefined;

/** Only this many characters at the start of a line are searched for its timestamp. */
const PREFIX_LENGTH = 200;

/**
 * The built-in formats, as the alternatives of one regex without groups: the leftmost
 * timestamp in the line is the line's, whatever the lines before it. `readBuiltIn` tells
 * them apart by their first characters and reads the fields by position.
 */
const BUILT_IN_SOURCE = [
  // ISO 8601 / RFC 3339, and log4j's `yyyy-MM-dd HH:mm:ss,SSS`: `2015-10-18T18:06:12.123+02:00`.
  String.raw`(?<!\d)\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:[Zz]|[+-]\d\d:?\d\d)?(?!\d)`,
  // Common and combined access logs: `[10/Oct/2000:13:55:36 -0700]`.
  String.raw`\[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]`,
  // Syslog (RFC 3164), no year: `Oct 11 22:14:15`, `Oct  1 22:14:15`.
  String.raw`(?<![A-Za-z])(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}\d\d? \d\d:\d\d:\d\d(?:\.\d+)?(?!\d)`,
  // Epoch seconds from 2001 to 2286, at the start of the line only (elsewhere a 10-digit number is more likely an id).
  String.raw`^[1-9]\d{9}(?:\.\d+)?(?![\w.])`,
].join('|');

const CODE_0 = 0x30;
const CODE_9 = 0x39;

function isDigit(code: number): boolean {
  return code >= CODE_0 && code <= CODE_9;
}

/** The number written by the `length` digits at `at` (the regex has checked that they are digits). */
function digitsAt(text: string, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i++) value = value * 10 + text.charCodeAt(i) - CODE_0;
  return value;
}

/** The digits of a fraction of a second from `at` (stopping at `end` or a non-digit), truncated to ms: "5" → 500, "123456" → 123. */
function fractionAt(text: string, at: number, end: number): number {
  let ms = 0;
  for (let i = at, scale = 100; scale >= 1; i++, scale /= 10) {
    const code = i < end ? text.charCodeAt(i) : 0;
    if (!isDigit(code)) break;
    ms += (code - CODE_0) * scale;
  }
  return ms;
}

function monthKey(text: string, at: number): number {
  // `| 0x20` lower-cases ASCII letters; it maps no other character onto a lower-case letter.
  return ((text.charCodeAt(at) | 0x20) << 16) | ((text.charCodeAt(at + 1) | 0x20) << 8) | (text.charCodeAt(at + 2) | 0x20);
}

/** `Jan`..`Dec` in any case, keyed by their three lower-cased char codes (no substring needed). */
const MONTHS = new Map(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((name, i) => [monthKey(name, 0), i + 1]));

/** The zone from `at` to `end`: `Z`, `+hh:mm` or `+hhmm`, as ms ahead of UTC; none: UTC; undefined when out of range. */
function zoneAt(text: string, at: number, end: number): number | undefined {
  if (at >= end || (text.charCodeAt(at) | 0x20) === 0x7a /* z */) return 0;
  const hours = digitsAt(text, at + 1, 2);
  const minutes = digitsAt(text, end - 2, 2);
  if (hours > 23 || minutes > 59) return undefined;
  return (text.charCodeAt(at) === 0x2d /* - */ ? -1 : 1) * (hours * HOUR + minutes * MINUTE);
}

/** The year of timestamps without one: `now`'s, unless that puts them more than a day after `now`. */
interface YearRule {
  now: number;
  year: number;
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}

const MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : MONTH_DAYS[month]!;
}

/**
 * Ms since the epoch of a date and time `offset` ms ahead of UTC, or undefined when it is no
 * valid date and time (month 13, Feb 30, hour 25…). A missing year follows the syslog rule.
 */
function epochMs(year: number | undefined, month: number | undefined, day: number, hour: number, minute: number, second: number, millis: number, offset: number | undefined, years: YearRule): number | undefined {
  if (month === undefined || offset === undefined) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const timeOfDay = hour * HOUR + minute * MINUTE + second * SECOND + millis - offset;
  if (year === undefined) {
    year = years.year;
    if (daysFromCivil(year, month, day) * DAY + timeOfDay > years.now + DAY) year--;
  }
  if (day > daysInMonth(year, month)) return undefined;
  return daysFromCivil(year, month, day) * DAY + timeOfDay;
}

/** The timestamp of a match of `BUILT_IN_SOURCE` from `at` to `end`. */
function readBuiltIn(text: string, at: number, end: number, years: YearRule): number | undefined {
  const first = text.charCodeAt(at);
  if (first === 0x5b /* [ */) {
    // [dd/Mon/yyyy:HH:MM:SS +hhmm]
    const t = (offset: number) => digitsAt(text, at + offset, 2);
    return epochMs(digitsAt(text, at + 8, 4), MONTHS.get(monthKey(text, at + 4)), t(1), t(13), t(16), t(19), 0, zoneAt(text, at + 22, end - 1), years);
  }
  if (!isDigit(first)) {
    // Mon dd HH:MM:SS[.fff], the day maybe after two spaces or of one digit.
    let p = at + 3;
    while (text.charCodeAt(p) === 0x20) p++;
    const dayLength = isDigit(text.charCodeAt(p + 1)) ? 2 : 1;
    const day = digitsAt(text, p, dayLength);
    p += dayLength + 1;
    const t = (offset: number) => digitsAt(text, p + offset, 2);
    return epochMs(undefined, MONTHS.get(monthKey(text, at)), day, t(0), t(3), t(6), fractionAt(text, p + 9, end), 0, years);
  }
  if (text.charCodeAt(at + 4) !== 0x2d /* - */) {
    // Epoch seconds[.fff]
    return digitsAt(text, at, 10) * SECOND + fractionAt(text, at + 11, end);
  }
  // yyyy-MM-ddTHH:MM:SS[.fff][zone]
  let p = at + 19;
  let millis = 0;
  const separator = p < end ? text.charCodeAt(p) : 0;
  if (separator === 0x2e /* . */ || separator === 0x2c /* , */) {
    millis = fractionAt(text, p + 1, end);
    p++;
    while (p < end && isDigit(text.charCodeAt(p))) p++;
  }
  const t = (offset: number) => digitsAt(text, at + offset, 2);
  return epochMs(digitsAt(text, at, 4), t(5), t(8), t(11), t(14), t(17), millis, zoneAt(text, p, end), years);
}

/**
 * A `--time-format` compiled: its regex source, with one group per field, and the index of
 * each field's group (0: the format has no such field).
 */
interface Fields {
  year: number;
  month: number;
  /** `Jan`..`Dec`, any case. */
  monthName: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Digits after the decimal point of the seconds (truncated to ms). */
  fraction: number;
  /** `Z`, `+hh:mm` or `+hhmm`; absent: UTC. */
  zone: number;
  /** Seconds since the epoch; the date and time fields are then ignored. */
  epoch: number;
}

interface TimeFormat {
  source: string;
  fields: Fields;
}

/** `--time-format` tokens: the regex each stands for (one group), the field it fills, and what may not touch it on either side. */
const TOKENS: Readonly<Record<string, readonly [source: string, field: keyof Fields, edge: string]>> = {
  Y: [String.raw`(\d{4})`, 'year', String.raw`\d`],
  m: [String.raw`(\d\d?)`, 'month', String.raw`\d`],
  b: [String.raw`([A-Za-z]{3})`, 'monthName', '[A-Za-z]'],
  d: [String.raw`(\d\d?)`, 'day', String.raw`\d`],
  e: [String.raw` ?(\d\d?)`, 'day', String.raw`\d`],
  H: [String.raw`(\d\d?)`, 'hour', String.raw`\d`],
  M: [String.raw`(\d\d?)`, 'minute', String.raw`\d`],
  S: [String.raw`(\d\d?)`, 'second', String.raw`\d`],
  f: [String.raw`(\d{1,9})`, 'fraction', String.raw`\d`],
  z: [String.raw`([Zz]|[+-]\d\d:?\d\d)`, 'zone', String.raw`\d`],
  s: [String.raw`(\d{10})`, 'epoch', String.raw`\d`],
};

/** Compiles a strftime-like `--time-format` into one format; throws UsageError if it is not one. */
function compileTimeFormat(format: string): TimeFormat {
  const fields: Fields = { year: 0, month: 0, monthName: 0, day: 0, hour: 0, minute: 0, second: 0, fraction: 0, zone: 0, epoch: 0 };
  let source = '';
  let groups = 0;
  // A format that starts or ends with a field must not match inside a longer number or word:
  // `%d/%m/%Y` must not take "15/03/2024" out of "115/03/2024".
  let leadingEdge = '';
  let trailingEdge = '';
  for (let i = 0; i < format.length; i++) {
    const char = format[i]!;
    trailingEdge = '';
    if (char !== '%') {
      source += char.replace(/[.*+?^${}()|[\]\\/]/, '\\$&');
      continue;
    }
    const name = format[++i];
    if (name === '%') {
      source += '%';
      continue;
    }
    const token = name === undefined ? undefined : TOKENS[name];
    if (!token) {
      const problem = name === undefined ? 'it ends with a lone %' : `unknown field %${name}`;
      throw new UsageError(`--time-format "${format}": ${problem}; the fields are %Y %m %d %e %b %H %M %S %f %z %s and %%`);
    }
    const [tokenSource, field, edge] = token;
    const taken = field === 'month' || field === 'monthName' ? fields.month || fields.monthName : fields[field];
    if (taken) throw new UsageError(`--time-format "${format}": %${name} repeats a field given before it`);
    if (i === 1) leadingEdge = `(?<!${edge})`;
    trailingEdge = `(?!${edge})`;
    fields[field] = ++groups;
    source += tokenSource;
  }
  if (!fields.epoch && !((fields.month || fields.monthName) && fields.day && fields.hour && fields.minute)) {
    throw new UsageError(`--time-format "${format}" has no usable date and time: it needs %s, or a month (%m or %b), a day (%d or %e), %H and %M`);
  }
  return { source: leadingEdge + source + trailingEdge, fields };
}

/** The timestamp of a match of a `--time-format`. */
function readCustom(match: RegExpExecArray, fields: Fields, years: YearRule): number | undefined {
  // A field the format lacks reads as '' (a number 0): no seconds, no fraction, UTC.
  const group = (index: number) => (index ? (match[index] ?? '') : '');
  const millis = fractionAt(group(fields.fraction), 0, 9);
  if (fields.epoch) return Number(group(fields.epoch)) * SECOND + millis;
  const zone = group(fields.zone);
  return epochMs(
    fields.year ? Number(group(fields.year)) : undefined,
    fields.monthName ? MONTHS.get(monthKey(group(fields.monthName), 0)) : Number(group(fields.month)),
    Number(group(fields.day)),
    Number(group(fields.hour)),
    Number(group(fields.minute)),
    Number(group(fields.second)),
    millis,
    zoneAt(zone, 0, zone.length),
    years,
  );
}

/**
 * Builds the parser. `timeFormat` undefined = automatic detection of the built-in formats;
 * otherwise a strftime-like format: `%Y %m %d %H %M %S`, `%f` (fraction, 1-9 digits), `%z`
 * (`+hhmm`, `+hh:mm` or `Z`), `%b` (Jan..Dec, any case), `%e` (day, space-padded or not),
 * `%s` (epoch seconds), `%%`; any other character stands for itself. Throws UsageError for an
 * invalid format. `now` (ms) is used only to choose the year of syslog timestamps that have none.
 *
 * A line's timestamp is the leftmost valid one in its first 200 characters, so that it does
 * not depend on the lines before it (nor on where a chunk starts).
 */
export function createTimestampParser(options: { timeFormat?: string; now?: number }): TimestampParser {
  const now = options.now ?? Date.now();
  const years: YearRule = { now, year: new Date(now).getUTCFullYear() };
  const custom = options.timeFormat === undefined ? undefined : compileTimeFormat(options.timeFormat);
  const regex = new RegExp(custom ? custom.source : BUILT_IN_SOURCE, 'g');
  return (line) => {
    const text = line.length > PREFIX_LENGTH ? line.slice(0, PREFIX_LENGTH) : line;
    regex.lastIndex = 0;
    for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
      const at = custom ? readCustom(match, custom.fields, years) : readBuiltIn(text, match.index, regex.lastIndex, years);
      if (at !== undefined) return at;
      // Not a valid date and time: look for a timestamp further on.
      regex.lastIndex = match.index + 1;
    }
    return undefined;
  };
}
