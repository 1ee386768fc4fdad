export interface SyntheticLogOptions {
  lines: number;
  seed: number;
  /** Share of lines ending in `\r\n`. */
  crlf?: number;
  /** End the text without a final newline. */
  noFinalNewline?: boolean;
}

const LEVELS = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR', 'error', 'Error'];
const MESSAGES = [
  'request handled in {n} ms',
  'ERROR: upstream timed out after {n} ms (ERROR ERROR)',
  'user 42 logged in from 10.0.{n}.7 — café ☕',
  'retrying job {n} of 😀 queue',
  'disk usage at {n}%',
  'connection reset by peer; errorCode={n}',
  '',
];

/** A deterministic random number generator (xorshift32): numbers in [0, 1), the same for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

/** A deterministic, realistic-looking log: timestamps, levels, repeated ERRORs, UTF-8, some CRLF. */
export function syntheticLog(options: SyntheticLogOptions): Buffer {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const parts: string[] = [];
  for (let i = 0; i < options.lines; i++) {
    const stamp = new Date(Date.UTC(2026, 10, 26, 10, 0, 0) + i * 37).toISOString();
    const message = pick(MESSAGES).replace('{n}', String(Math.floor(random() * 10_000)));
    const end = random() < (options.crlf ?? 0.05) ? '\r\n' : '\n';
    const line =
      random() < 0.02
        ? 'continuation of a stack trace line without a timestamp'
        : `${stamp} ${pick(LEVELS)} ${message}`;
    parts.push(line + (i === options.lines - 1 && options.noFinalNewline ? '' : end));
  }
  return Buffer.from(parts.join(''), 'utf8');
}
