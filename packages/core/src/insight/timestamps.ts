/**
 * Time for per-window counts: window sizes as the report shows them (`5m`) and the timestamp of a log
 * line, in the built-in formats or a `--time-format`. Pure and synchronous.
 */
import { DIGIT_ZERO, SPACE, isBlank, isDigit } from '../char-codes.js';
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
 * timestamp in the line is the line's, whatever the lines before it — except epoch seconds
 * in a later field, taken only when the line has no other timestamp (see `isHeader`).
 * `formatAt` tells the alternatives apart by their first characters, and `readBuiltIn`
 * reads the fields by position. One regex searched once keeps the cost per line low; the
 * formats that start with digits share one alternative, and no alternative starts with a
 * lookbehind that holds a match (V8 then tries each position far more slowly: 2.6 µs
 * instead of 0.3 µs for a line of 150 characters without a timestamp).
 */
const BUILT_IN_SOURCE = [
  String.raw`(?<!\d)\d\d(?:` +
    [
      // ISO 8601 / RFC 3339, log4j's `yyyy-MM-dd HH:mm:ss,SSS` (Zookeeper, Hadoop; Windows
      // CBS has a comma and no fraction), and BlueGene/L's `yyyy-MM-dd-HH.mm.ss.SSSSSS`. Not
      // `2017-05-16_13:53:08`: OpenStack writes its file names so, before the line's time.
      String.raw`\d\d-\d\d-\d\d(?:[Tt ]\d\d:\d\d:\d\d|-\d\d\.\d\d\.\d\d)(?:[.,]\d+)?(?:[Zz]|[+-]\d\d:?\d\d)?`,
      // Android's logcat, no year: `03-17 16:13:38.811`; Spark (log4j's `yy/MM/dd HH:mm:ss`):
      // `17/06/09 20:10:40`. Not after `-` or `/` (`readBuiltIn` checks): they are part of something else.
      String.raw`(?:-\d\d|/\d\d/\d\d) \d\d:\d\d:\d\d(?:[.,]\d+)?`,
      // HealthApp's `yyyyMMdd-HH:mm:ss:SSS`, its time not always padded: `20171224-0:3:7:5`.
      String.raw`\d{6}-\d\d?:\d\d?:\d\d?(?::\d{1,3})?`,
    ].join('|') +
    String.raw`)(?!\d)`,
  // Common and combined access logs: `[10/Oct/2000:13:55:36 -0700]`; Proxifier, no year: `[10.30 16:49:06]`.
  String.raw`\[\d\d(?:/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}|\.\d\d \d\d:\d\d:\d\d)\]`,
  // Syslog (RFC 3164), no year: `Oct 11 22:14:15`, `Oct  1 22:14:15`; with one, as C's
  // ctime and Apache's error log write it: `Sun Dec 04 04:47:44 2005`.
  String.raw`(?<![A-Za-z])(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}\d\d? \d\d:\d\d:\d\d(?:\.\d+)?(?: (?:19|20)\d\d)?(?!\d)`,
  // At the start of the line only (elsewhere such numbers are more likely ids or counts):
  // HDFS's `yyMMdd HHmmss` (`081109 203615`), and epoch seconds from 2001 to 2286.
  String.raw`^(?:\d{6} \d{6}(?!\d)|[1-9]\d{9}(?:\.\d+)?(?![\w.]))`,
  // Epoch seconds as a later field of their own (HPC, BlueGene/L, Thunderbird), the match
  // starting at the blank before them: see `isHeader`.
  String.raw`[ \t][1-9]\d{9}(?:\.\d+)?(?![^ \t])`,
].join('|');

/** The built-in formats, as `formatAt` tells them apart. */
const ISO = 0;
const ACCESS_LOG = 1;
const PROXIFIER = 2;
const SYSLOG = 3;
const ANDROID = 4;
const SPARK = 5;
const HEALTH_APP = 6;
const HDFS = 7;
const EPOCH = 8;
/** Epoch seconds in a later field: the match starts at the blank before them. */
const LATER_EPOCH = 9;

function isDashOrSlash(code: number): boolean {
  return code === 0x2d /* - */ || code === 0x2f /* / */;
}

/** Which alternative of `BUILT_IN_SOURCE` matched at `at`, from the characters that only it has there. */
function formatAt(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === 0x5b /* [ */) return text.charCodeAt(at + 3) === 0x2f /* / */ ? ACCESS_LOG : PROXIFIER;
  if (isBlank(first)) return LATER_EPOCH;
  if (!isDigit(first)) return SYSLOG;
  const third = text.charCodeAt(at + 2);
  if (third === 0x2d /* - */) return ANDROID;
  if (third === 0x2f /* / */) return SPARK;
  if (text.charCodeAt(at + 4) === 0x2d /* - */) return ISO;
  if (text.charCodeAt(at + 6) === SPACE) return HDFS;
  if (text.charCodeAt(at + 8) === 0x2d /* - */) return HEALTH_APP;
  return EPOCH;
}

/** The number written by the `length` digits at `at` (the regex has checked that they are digits). */
function digitsAt(text: string, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i++) value = value * 10 + text.charCodeAt(i) - DIGIT_ZERO;
  return value;
}

/** Where the run of digits from `at` ends. */
function digitsEnd(text: string, at: number): number {
  while (isDigit(text.charCodeAt(at))) at++;
  return at;
}

/** The digits of a fraction of a second from `at` (stopping at `end` or a non-digit), truncated to ms: "5" → 500, "123456" → 123. */
function fractionAt(text: string, at: number, end: number): number {
  let ms = 0;
  for (let i = at, scale = 100; scale >= 1; i++, scale /= 10) {
    const code = i < end ? text.charCodeAt(i) : 0;
    if (!isDigit(code)) break;
    ms += (code - DIGIT_ZERO) * scale;
  }
  return ms;
}

/** The fraction of a second after the `.` or `,` at `at`, if there is one before `end`; else 0. */
function fractionAfter(text: string, at: number, end: number): number {
  const code = at < end ? text.charCodeAt(at) : 0;
  return code === 0x2e /* . */ || code === 0x2c /* , */ ? fractionAt(text, at + 1, end) : 0;
}

/** A two-digit year as POSIX strptime reads `%y`: 69–99 are 1969–1999, 00–68 are 2000–2068. */
function fullYear(twoDigits: number): number {
  return twoDigits < 69 ? 2000 + twoDigits : 1900 + twoDigits;
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

/**
 * The year of timestamps without one (syslog's rule): `now`'s, unless that puts them more
 * than a day after `now`, then the year before. `assumed` hears of each year so chosen.
 */
interface YearRule {
  now: number;
  year: number;
  assumed: ((year: number) => void) | undefined;
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
  const assumed = year === undefined;
  if (year === undefined) {
    year = years.year;
    if (daysFromCivil(year, month, day) * DAY + timeOfDay > years.now + DAY) year--;
  }
  if (day > daysInMonth(year, month)) return undefined;
  if (assumed) years.assumed?.(year);
  return daysFromCivil(year, month, day) * DAY + timeOfDay;
}

/** A date with a year, `yyyy-MM-dd`, `yyyy.MM.dd` or `yyyy/MM/dd` (Thunderbird's `2005.11.09`). */
const WRITTEN_DATE = /(?<!\d)((?:19|20)\d\d)[-./](\d\d)[-./](\d\d)(?!\d)/g;

/**
 * The year of a timestamp that has none, from a date written before it in the line: the
 * date's year, or the one before or after when the timestamp's day is a day off across New
 * Year (a date in UTC, a time of day in local time). Undefined when no date before it is
 * within a day of the timestamp's: then the syslog rule applies.
 */
function yearWrittenBefore(text: string, at: number, month: number | undefined, day: number): number | undefined {
  if (at === 0 || month === undefined) return undefined;
  WRITTEN_DATE.lastIndex = 0;
  for (let found = WRITTEN_DATE.exec(text); found !== null && found.index < at; found = WRITTEN_DATE.exec(text)) {
    const year = Number(found[1]);
    const written = daysFromCivil(year, Number(found[2]), Number(found[3]));
    const offBy = daysFromCivil(year, month, day) - written;
    if (Math.abs(offBy) <= 1) return year;
    // Dec 31 written, Jan 1 stamped: the next year; Jan 1 written, Dec 31 stamped: the year before.
    if (month === 1 && Math.abs(daysFromCivil(year + 1, month, day) - written) <= 1) return year + 1;
    if (month === 12 && Math.abs(daysFromCivil(year - 1, month, day) - written) <= 1) return year - 1;
  }
  return undefined;
}

/** A timestamp without a year: one written before it in the line, or else the syslog rule's. */
function yearless(text: string, at: number, month: number | undefined, day: number, hour: number, minute: number, second: number, millis: number, years: YearRule): number | undefined {
  return epochMs(yearWrittenBefore(text, at, month, day), month, day, hour, minute, second, millis, 0, years);
}

/** The timestamp of a match of `BUILT_IN_SOURCE`, of format `format`, from `at` to `end`. */
function readBuiltIn(format: number, text: string, at: number, end: number, years: YearRule): number | undefined {
  const t = (offset: number) => digitsAt(text, at + offset, 2);
  switch (format) {
    case ISO: {
      // yyyy-MM-ddTHH:mm:ss[.fff][zone], or yyyy-MM-dd-HH.mm.ss[.ffffff]
      let p = at + 19;
      let millis = 0;
      const separator = p < end ? text.charCodeAt(p) : 0;
      if (separator === 0x2e /* . */ || separator === 0x2c /* , */) {
        millis = fractionAt(text, p + 1, end);
        p = digitsEnd(text, p + 1);
      }
      return epochMs(digitsAt(text, at, 4), t(5), t(8), t(11), t(14), t(17), millis, zoneAt(text, p, end), years);
    }
    case ACCESS_LOG:
      // [dd/Mon/yyyy:HH:mm:ss +hhmm]
      return epochMs(digitsAt(text, at + 8, 4), MONTHS.get(monthKey(text, at + 4)), t(1), t(13), t(16), t(19), 0, zoneAt(text, at + 22, end - 1), years);
    case PROXIFIER:
      // [MM.dd HH:mm:ss]
      return yearless(text, at, t(1), t(4), t(7), t(10), t(13), 0, years);
    case SYSLOG: {
      // Mon dd HH:mm:ss[.fff][ yyyy], the day maybe after two spaces or of one digit.
      let p = at + 3;
      while (text.charCodeAt(p) === SPACE) p++;
      const dayLength = isDigit(text.charCodeAt(p + 1)) ? 2 : 1;
      const day = digitsAt(text, p, dayLength);
      p += dayLength + 1;
      const month = MONTHS.get(monthKey(text, at));
      const hour = digitsAt(text, p, 2);
      const minute = digitsAt(text, p + 3, 2);
      const second = digitsAt(text, p + 6, 2);
      const millis = fractionAfter(text, p + 8, end);
      // ` yyyy` ends the match only when it has a year: a fraction holds no space.
      if (text.charCodeAt(end - 5) === SPACE) return epochMs(digitsAt(text, end - 4, 4), month, day, hour, minute, second, millis, 0, years);
      return yearless(text, at, month, day, hour, minute, second, millis, years);
    }
    case ANDROID:
      // MM-dd HH:mm:ss[.fff]
      if (at > 0 && isDashOrSlash(text.charCodeAt(at - 1))) return undefined;
      return yearless(text, at, t(0), t(3), t(6), t(9), t(12), fractionAfter(text, at + 14, end), years);
    case SPARK:
      // yy/MM/dd HH:mm:ss[.fff]
      if (at > 0 && isDashOrSlash(text.charCodeAt(at - 1))) return undefined;
      return epochMs(fullYear(t(0)), t(3), t(6), t(9), t(12), t(15), fractionAfter(text, at + 17, end), 0, years);
    case HEALTH_APP: {
      // yyyyMMdd-H:m:s[:SSS]: hours, minutes and seconds of one or two digits, and the
      // milliseconds after a colon a count, not a decimal fraction (`:7` is 7 ms).
      const hourEnd = digitsEnd(text, at + 9);
      const minuteEnd = digitsEnd(text, hourEnd + 1);
      const secondEnd = digitsEnd(text, minuteEnd + 1);
      const hour = digitsAt(text, at + 9, hourEnd - at - 9);
      const minute = digitsAt(text, hourEnd + 1, minuteEnd - hourEnd - 1);
      const second = digitsAt(text, minuteEnd + 1, secondEnd - minuteEnd - 1);
      const millis = secondEnd < end ? digitsAt(text, secondEnd + 1, end - secondEnd - 1) : 0;
      return epochMs(digitsAt(text, at, 4), t(4), t(6), hour, minute, second, millis, 0, years);
    }
    case HDFS:
      // yyMMdd HHmmss
      return epochMs(fullYear(t(0)), t(2), t(4), t(7), t(9), t(11), 0, 0, years);
    case LATER_EPOCH:
      // (blank)epoch seconds[.fff]
      return digitsAt(text, at + 1, 10) * SECOND + fractionAt(text, at + 12, end);
    default:
      // Epoch seconds[.fff]
      return digitsAt(text, at, 10) * SECOND + fractionAt(text, at + 11, end);
  }
}

/** Fields before epoch seconds in a later field, at most: the header of a line is short. */
const MAX_FIELDS_BEFORE_EPOCH = 5;

/**
 * Whether the text before `end` reads as a line's header, so that epoch seconds right after
 * it are the line's time rather than an id or a count in its message: at most five fields
 * separated by blanks, the first without a letter — a record number or `-`, as in the logs
 * that write epoch seconds in a later field: HPC's `134681 node-246 unix.hw
 * state_change.unavailable 1077804742` and `2568643 node-70 action start 1074119817`,
 * BlueGene/L's and Thunderbird's `- 1117838570`. A line that starts with a word is a
 * message (`job 1445191572 done`, `INFO 1445191572`, `worker-3 took 1445191572 ns`). A
 * blank ends the text (the regex has checked).
 */
function isHeader(text: string, end: number): boolean {
  let fields = 0;
  let inField = false;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    if (isBlank(code)) {
      inField = false;
    } else {
      if (!inField && ++fields > MAX_FIELDS_BEFORE_EPOCH) return false;
      inField = true;
      const lower = code | 0x20;
      if (fields === 1 && lower >= 0x61 /* a */ && lower <= 0x7a /* z */) return false;
    }
  }
  return true;
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

/** The `--time-format` fields, as help and messages list them. */
export const TIME_FORMAT_FIELDS = '%Y %y %m %d %e %b %H %M %S %f %z %s';

/** `--time-format` tokens: the regex each stands for (one group), the field it fills, and what may not touch it on either side. */
const TOKENS: Readonly<Record<string, readonly [source: string, field: keyof Fields, edge: string]>> = {
  Y: [String.raw`(\d{4})`, 'year', String.raw`\d`],
  y: [String.raw`(\d\d)`, 'year', String.raw`\d`],
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
      throw new UsageError(`--time-format "${format}": ${problem}; the fields are ${TIME_FORMAT_FIELDS} and %%`);
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
  const year = group(fields.year);
  return epochMs(
    // %Y has four digits, %y two.
    fields.year ? (year.length === 2 ? fullYear(Number(year)) : Number(year)) : undefined,
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

/** What `createTimestampParser` is told. */
export interface TimestampParserOptions {
  /** A strftime-like format (`--time-format`); absent: the built-in formats. */
  timeFormat?: string;
  /** Now, in ms: the year of timestamps that have none is chosen from it (default: the clock's). */
  now?: number;
  /** Hears the year given to each timestamp read that had none of its own (syslog's rule), to say so in the report. */
  onYearAssumed?: (year: number) => void;
}

/**
 * Builds the parser. `timeFormat` undefined = automatic detection of the built-in formats;
 * otherwise a strftime-like format: `%Y %m %d %H %M %S`, `%y` (two-digit year: 69–99 are
 * 1969–1999, 00–68 are 2000–2068), `%f` (fraction, 1-9 digits), `%z` (`+hhmm`, `+hh:mm` or
 * `Z`), `%b` (Jan..Dec, any case), `%e` (day, space-padded or not), `%s` (epoch seconds),
 * `%%`; any other character stands for itself. Throws UsageError for an invalid format.
 *
 * A line's timestamp is the leftmost valid one in its first 200 characters, so that it does
 * not depend on the lines before it (nor on where a chunk starts). Epoch seconds in a later
 * field are the exception: a real date and time anywhere in those characters wins over
 * them, and they count only after a header (`isHeader`) and no more than a day after `now`.
 * A timestamp without a year (syslog, Android, Proxifier) takes the year of a date written
 * before it in the line if there is one (Thunderbird), else syslog's rule: `now`'s year, or
 * the year before for a date more than a day after `now`.
 */
export function createTimestampParser(options: TimestampParserOptions): TimestampParser {
  const now = options.now ?? Date.now();
  const years: YearRule = { now, year: new Date(now).getUTCFullYear(), assumed: options.onYearAssumed };
  const custom = options.timeFormat === undefined ? undefined : compileTimeFormat(options.timeFormat);
  const regex = new RegExp(custom ? custom.source : BUILT_IN_SOURCE, 'g');
  const latestEpoch = now + DAY;
  return (line) => {
    const cut = line.length > PREFIX_LENGTH;
    const text = cut ? line.slice(0, PREFIX_LENGTH) : line;
    // Epoch seconds found in a later field, kept in case the line has no other timestamp.
    let laterEpoch: number | undefined;
    regex.lastIndex = 0;
    for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
      const start = match.index;
      const end = regex.lastIndex;
      const format = custom ? -1 : formatAt(text, start);
      // A match that ends in a digit where the line was cut may have lost digits, a fraction, a zone or a year: it is not taken.
      const at = cut && end === PREFIX_LENGTH && isDigit(text.charCodeAt(end - 1)) ? undefined : custom ? readCustom(match, custom.fields, years) : readBuiltIn(format, text, start, end, years);
      if (at === undefined) {
        // Not a valid date and time: look for a timestamp further on.
        regex.lastIndex = start + 1;
      } else if (format !== LATER_EPOCH) {
        return at;
      } else if (laterEpoch === undefined && at <= latestEpoch && isHeader(text, start + 1)) {
        laterEpoch = at;
      }
    }
    return laterEpoch;
  };
}
