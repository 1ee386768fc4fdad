/**
 * Time for per-window counts: window sizes as the report shows them (`5m`) and the timestamp of a log
 * line, in the built-in formats or a `--time-format`. Pure and synchronous.
 */
import { CHAR, isBlank, isDigit } from '../char-codes.js';
import { compileTimeFormat, readCustom } from './time-format.js';
import {
  DAY,
  HOUR,
  MINUTE,
  MONTHS,
  SECOND,
  type YearRule,
  daysFromCivil,
  digitsAt,
  digitsEnd,
  epochMs,
  fractionAfter,
  fractionAt,
  fullYear,
  monthKey,
  zoneAt,
} from './timestamp-fields.js';

const { SPACE } = CHAR;

/** Largest unit first: `formatWindowSize` picks the first one that divides exactly. */
const DURATION_UNITS: readonly (readonly [unit: string, ms: number])[] = [
  ['d', DAY],
  ['h', HOUR],
  ['m', MINUTE],
  ['s', SECOND],
  ['ms', 1],
];

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
  return code === 0x2d /* - */ || code === 0x2f; /* / */
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
function yearless(
  text: string,
  at: number,
  month: number | undefined,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millis: number,
  years: YearRule,
): number | undefined {
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
      return epochMs(
        digitsAt(text, at + 8, 4),
        MONTHS.get(monthKey(text, at + 4)),
        t(1),
        t(13),
        t(16),
        t(19),
        0,
        zoneAt(text, at + 22, end - 1),
        years,
      );
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
      if (text.charCodeAt(end - 5) === SPACE)
        return epochMs(digitsAt(text, end - 4, 4), month, day, hour, minute, second, millis, 0, years);
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
      const at =
        cut && end === PREFIX_LENGTH && isDigit(text.charCodeAt(end - 1))
          ? undefined
          : custom
            ? readCustom(match, custom.fields, years)
            : readBuiltIn(format, text, start, end, years);
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
