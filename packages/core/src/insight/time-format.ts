/**
 * `--time-format`: a strftime-like format compiled into a regex with a group per field,
 * and the timestamp of a line it matches.
 */
import { UsageError } from '../errors.js';
import { MONTHS, SECOND, type YearRule, epochMs, fractionAt, fullYear, monthKey, zoneAt } from './timestamp-fields.js';

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

export interface TimeFormat {
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
export function compileTimeFormat(format: string): TimeFormat {
  const fields: Fields = {
    year: 0,
    month: 0,
    monthName: 0,
    day: 0,
    hour: 0,
    minute: 0,
    second: 0,
    fraction: 0,
    zone: 0,
    epoch: 0,
  };
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
    throw new UsageError(
      `--time-format "${format}" has no usable date and time: it needs %s, or a month (%m or %b), a day (%d or %e), %H and %M`,
    );
  }
  return { source: leadingEdge + source + trailingEdge, fields };
}

/** The timestamp of a match of a `--time-format`. */
export function readCustom(match: RegExpExecArray, fields: Fields, years: YearRule): number | undefined {
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
