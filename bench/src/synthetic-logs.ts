import { open, stat } from 'node:fs/promises';

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

/**
 * Deterministic synthetic logs: the same seed and size give the same bytes. A realistic
 * mix: ISO timestamps, levels (mostly INFO, some DEBUG/WARN, a few ERROR), services,
 * request ids, durations, messages of varied length, stack-trace lines without a
 * timestamp, a little UTF-8 and about 2 % CRLF line ends. `ERROR` is on 19 % of the
 * lines; with `rareErrors`, on 3 % (the level on 1 record in 32, and no message says it).
 */
export function writeSyntheticLog(path: string, size: number, seed: number, rareErrors = false): Promise<void> {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const levels = rareErrors
    ? [...Array<string>(21).fill('INFO'), ...Array<string>(6).fill('DEBUG'), ...Array<string>(4).fill('WARN'), 'ERROR']
    : ['INFO', 'INFO', 'INFO', 'INFO', 'INFO', 'INFO', 'INFO', 'DEBUG', 'DEBUG', 'WARN', 'WARN', 'ERROR'];
  const failure = rareErrors ? 'failed' : 'ERROR';
  const services = ['api', 'billing', 'auth', 'search', 'worker', 'gateway', 'scheduler'];
  const messages = [
    () => `GET /v1/orders/${Math.floor(random() * 1e6)} 200 in ${Math.floor(random() * 900)} ms`,
    () => `POST /v1/payments status=${pick([200, 201, 400, 402, 500])} bytes=${Math.floor(random() * 1e5)}`,
    () =>
      `user ${Math.floor(random() * 1e5)} signed in from 10.${Math.floor(random() * 255)}.${Math.floor(random() * 255)}.7`,
    () => `cache ${pick(['hit', 'miss'])} key=session:${Math.floor(random() * 1e9).toString(16)}`,
    () => `upstream timed out after ${Math.floor(random() * 5000)} ms (attempt ${1 + Math.floor(random() * 3)})`,
    () => `job ${Math.floor(random() * 1e6)} finished in ${Math.floor(random() * 1e4)} ms — résumé café ✓`,
    () => `${failure} while saving order ${Math.floor(random() * 1e6)}: deadlock detected`,
    () =>
      `slow query: SELECT * FROM orders WHERE customer_id = ${Math.floor(random() * 1e6)} (${Math.floor(random() * 3000)} ms)`,
  ];
  let time = Date.UTC(2026, 10, 26, 0, 0, 0);
  return writeLines(path, size, () => {
    time += Math.floor(random() * 40);
    const level = pick(levels);
    const padding =
      random() < 0.2
        ? ` ${'·'.repeat(Math.floor(random() * 60))}`
        : random() < 0.1
          ? ` ${'x'.repeat(Math.floor(random() * 250))}`
          : '';
    const end = random() < 0.02 ? '\r\n' : '\n';
    const line = `${new Date(time).toISOString()} ${level} [${pick(services)}] ${pick(messages)()}${padding}${end}`;
    return level === 'ERROR' && random() < 0.3
      ? `${line}    at Db.save (/srv/app/db.js:412:11)\n    at processTicksAndRejections (node:internal/process/task_queues:95:5)\n`
      : line;
  });
}

/**
 * Writes the lines `next` makes (one or more a call) to `path` until it holds exactly
 * `size` bytes: the last whole line that fits, then a filler line of `z`s. A file of that
 * size already there is kept (the same seed and size make the same bytes).
 */
export async function writeLines(path: string, size: number, next: () => string): Promise<void> {
  const existing = await stat(path).catch(() => null);
  if (existing?.size === size) return;
  const handle = await open(path, 'w');
  try {
    let written = 0;
    while (written < size) {
      let text = '';
      while (text.length < 1 << 20) text += next();
      let bytes = Buffer.from(text, 'utf8');
      if (written + bytes.length > size) {
        // End on a whole line, padded with a filler line to the exact size.
        bytes = bytes.subarray(0, size - written);
        const cut = bytes.lastIndexOf(0x0a) + 1;
        bytes = Buffer.concat([bytes.subarray(0, cut), Buffer.alloc(bytes.length - cut, 'z')]);
        if (bytes.length > cut) bytes[bytes.length - 1] = 0x0a;
      }
      await handle.write(bytes);
      written += bytes.length;
    }
  } finally {
    await handle.close();
  }
}
