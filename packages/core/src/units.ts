import { UsageError } from './errors.js';

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
};

/**
 * Parses a byte size such as `4096`, `512KiB`, `4MiB`, `1.5GiB` or `10MB`.
 * `K`/`M`/`G` alone and the `…iB` units are powers of 1024; `KB`/`MB`/`GB` are powers of 1000.
 */
export function parseSize(text: string, optionName: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match?.[2]?.toLowerCase() ?? '';
  const factor = SIZE_UNITS[unit];
  if (!match || factor === undefined) {
    throw new UsageError(`${optionName} must be a size such as 65536, 512KiB or 4MiB (got "${text}")`);
  }
  const bytes = Math.round(Number(match[1]) * factor);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new UsageError(`${optionName} must be a positive size (got "${text}")`);
  }
  return bytes;
}

/** Parses a positive integer option value, naming the option in the error. */
export function parsePositiveInt(
  text: string,
  optionName: string,
  { min = 1, max = Number.MAX_SAFE_INTEGER } = {},
): number {
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
    throw new UsageError(`${optionName} must be ${range} (got "${text}")`);
  }
  return value;
}

/** `1536` → `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 'B';
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${unit}`;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration such as `250ms`, `30s`, `1m`, `12h` or `7d`. A bare number is
 * milliseconds, unless `unitRequired`: where a bare number is more likely meant in another
 * unit (`--window 1` for one minute or one hour, not 1 ms windows), it is refused.
 */
export function parseDuration(text: string, optionName: string, { unitRequired = false } = {}): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (match && match[2] === undefined && unitRequired) {
    const n = match[1]!;
    throw new UsageError(
      `${optionName} needs a unit: "${text.trim()}" is ${n} of what? Write ${n}s, ${n}m or ${n}h (units: ms, s, m, h, d)`,
    );
  }
  const ms = match ? Math.round(Number(match[1]) * DURATION_UNITS[(match[2] ?? 'ms').toLowerCase()]!) : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    if (unitRequired)
      throw new UsageError(`${optionName} must be a duration with a unit, such as 30s, 10m or 1h (got "${text}")`);
    throw new UsageError(`${optionName} must be a duration such as 500ms, 30s, 1m, 12h or 7d (got "${text}")`);
  }
  return ms;
}
