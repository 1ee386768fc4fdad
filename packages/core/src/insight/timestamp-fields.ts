/**
 * The date and time written in a log line, read field by field: digits, a fraction of a
 * second, a month's name, a zone, and the ms since the epoch they make (with syslog's
 * rule for a year left out). Shared by the built-in formats and `--time-format`.
 */
import { CHAR, isDigit } from '../char-codes.js';

const { DIGIT_ZERO } = CHAR;

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The number written by the `length` digits at `at` (the regex has checked that they are digits). */
export function digitsAt(text: string, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i++) value = value * 10 + text.charCodeAt(i) - DIGIT_ZERO;
  return value;
}

/** Where the run of digits from `at` ends. */
export function digitsEnd(text: string, at: number): number {
  while (isDigit(text.charCodeAt(at))) at++;
  return at;
}

/** The digits of a fraction of a second from `at` (stopping at `end` or a non-digit), truncated to ms: "5" → 500, "123456" → 123. */
export function fractionAt(text: string, at: number, end: number): number {
  let ms = 0;
  for (let i = at, scale = 100; scale >= 1; i++, scale /= 10) {
    const code = i < end ? text.charCodeAt(i) : 0;
    if (!isDigit(code)) break;
    ms += (code - DIGIT_ZERO) * scale;
  }
  return ms;
}

/** The fraction of a second after the `.` or `,` at `at`, if there is one before `end`; else 0. */
export function fractionAfter(text: string, at: number, end: number): number {
  const code = at < end ? text.charCodeAt(at) : 0;
  return code === 0x2e /* . */ || code === 0x2c /* , */ ? fractionAt(text, at + 1, end) : 0;
}

/** A two-digit year as POSIX strptime reads `%y`: 69–99 are 1969–1999, 00–68 are 2000–2068. */
export function fullYear(twoDigits: number): number {
  return twoDigits < 69 ? 2000 + twoDigits : 1900 + twoDigits;
}

export function monthKey(text: string, at: number): number {
  // `| 0x20` lower-cases ASCII letters; it maps no other character onto a lower-case letter.
  return (
    ((text.charCodeAt(at) | 0x20) << 16) | ((text.charCodeAt(at + 1) | 0x20) << 8) | (text.charCodeAt(at + 2) | 0x20)
  );
}

/** `Jan`..`Dec` in any case, keyed by their three lower-cased char codes (no substring needed). */
export const MONTHS = new Map(
  ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((name, i) => [
    monthKey(name, 0),
    i + 1,
  ]),
);

/** The zone from `at` to `end`: `Z`, `+hh:mm` or `+hhmm`, as ms ahead of UTC; none: UTC; undefined when out of range. */
export function zoneAt(text: string, at: number, end: number): number | undefined {
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
export interface YearRule {
  now: number;
  year: number;
  assumed: ((year: number) => void) | undefined;
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return (
    era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468
  );
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
export function epochMs(
  year: number | undefined,
  month: number | undefined,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millis: number,
  offset: number | undefined,
  years: YearRule,
): number | undefined {
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
