import { UsageError } from '../errors.js';

const RELATIVE = /^(\d+)(s|m|h|d)$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since` / `--until`: an ISO-8601 date or date and time (without a zone it is UTC, as
 * `--window` reads timestamps), or a time relative to `now`: `90s`, `15m`, `2h`, `7d` ago.
 * In ms since the epoch. `flag` names the option in the error.
 */
export function parseTimeBound(text: string, now: number, flag: string): number {
  const trimmed = text.trim();
  const relative = RELATIVE.exec(trimmed);
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2]!]!;
  const at = parseIsoTime(trimmed);
  if (at === undefined)
    throw new UsageError(
      `${flag} "${text}": expected an ISO-8601 date or time (2024-05-01, 2024-05-01T10:00:00Z) or a time ago such as 90s, 15m, 2h or 7d`,
    );
  return at;
}

const ISO = /^(\d{4})-(\d\d)-(\d\d)(?:[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?)?(?:([Zz])|([+-])(\d\d):?(\d\d))?$/;

/**
 * An ISO-8601 / RFC 3339 date or date and time in ms since the epoch (UTC without a zone;
 * a fraction past milliseconds is cut, as Docker's and the CRI's nanoseconds are), or
 * undefined if `text` is not one or names no real date and time.
 */
export function parseIsoTime(text: string): number | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4] ?? 0);
  const minute = Number(m[5] ?? 0);
  const second = Number(m[6] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  // A zone needs a time of day.
  if (m[4] === undefined && (m[8] !== undefined || m[9] !== undefined)) return undefined;
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  let offset = 0;
  if (m[9] !== undefined) {
    const zoneHours = Number(m[10]);
    const zoneMinutes = Number(m[11]);
    if (zoneHours > 23 || zoneMinutes > 59) return undefined;
    offset = (m[9] === '-' ? -1 : 1) * (zoneHours * 60 + zoneMinutes) * 60_000;
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime() - offset;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
