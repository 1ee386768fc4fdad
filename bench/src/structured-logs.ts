import { open, stat } from 'node:fs/promises';
import { seededRandom, writeLines } from './synthetic-logs.js';

/*
 * Deterministic structured logs for the per-key rows: the same requests as JSON lines
 * and as an access log (combined format, with the duration at the end), and a JSON log
 * whose every line has a key of its own (a request id), for Redis's memory at 1M keys.
 */

const SERVICES = ['api', 'billing', 'auth', 'search', 'worker', 'gateway', 'scheduler'];
const PATHS = ['/v1/orders', '/v1/payments', '/v1/users/me', '/login', '/search', '/healthz', '/v1/cart', '/v1/items'];

type LineMaker = (random: () => number, index: number) => string;

/** Writes the lines of `make` (given a seeded random and the line's index) until `size` bytes (see writeLines). */
function writeMadeLines(path: string, size: number, seed: number, make: LineMaker): Promise<void> {
  const random = seededRandom(seed);
  let index = 0;
  return writeLines(path, size, () => make(random, index++));
}

interface Request {
  time: string;
  level: string;
  service: string;
  method: string;
  path: string;
  status: number;
  duration: number;
  bytes: number;
  user: number;
}

function request(random: () => number, index: number): Request {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const roll = random();
  const status = roll < 0.03 ? 500 : roll < 0.1 ? 404 : roll < 0.2 ? 201 : 200;
  return {
    time: new Date(Date.UTC(2026, 10, 26) + index * 7).toISOString(),
    level: status >= 500 ? 'ERROR' : status >= 400 ? 'WARN' : 'INFO',
    service: pick(SERVICES),
    method: pick(['GET', 'GET', 'GET', 'POST', 'PUT']),
    path: pick(PATHS),
    status,
    duration: Math.floor(random() * (status >= 500 ? 5000 : 1000)),
    bytes: Math.floor(random() * 1e5),
    user: Math.floor(random() * 50_000),
  };
}

/** JSON lines of requests; ERROR (the level, and in the message) on about 3 % of them. */
export function writeJsonRequests(path: string, size: number, seed: number): Promise<void> {
  return writeMadeLines(path, size, seed, (random, index) => {
    const r = request(random, index);
    const msg = r.status >= 500 ? `ERROR upstream timed out after ${r.duration} ms` : `handled in ${r.duration} ms`;
    return `{"time":"${r.time}","level":"${r.level}","service":"${r.service}","http":{"method":"${r.method}","path":"${r.path}","status":${r.status}},"duration_ms":${r.duration},"bytes":${r.bytes},"user":"u${r.user}","msg":"${msg}"}\n`;
  });
}

/** The same requests as an access log (nginx's combined format, then the duration in ms). */
export function writeAccessLog(path: string, size: number, seed: number): Promise<void> {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return writeMadeLines(path, size, seed, (random, index) => {
    const r = request(random, index);
    const t = new Date(r.time);
    const stamp = `${String(t.getUTCDate()).padStart(2, '0')}/${months[t.getUTCMonth()]}/${t.getUTCFullYear()}:${r.time.slice(11, 19)} +0000`;
    return `10.${r.user % 256}.${r.bytes % 256}.7 - u${r.user} [${stamp}] "${r.method} ${r.path} HTTP/1.1" ${r.status} ${r.bytes} "-" "Mozilla/5.0 (X11; Linux x86_64)" ${r.duration}\n`;
  });
}

/** `lines` JSON lines, each with a request id of its own. */
export function writeDistinctKeys(path: string, lines: number): Promise<void> {
  return writeNumberedLines(
    path,
    lines,
    (i) => `{"level":"${i % 33 === 0 ? 'ERROR' : 'INFO'}","req":"req-${i.toString(36).padStart(8, '0')}"}\n`,
  );
}

/** Lines 0…lines − 1 that `line` makes; a file of their size already there is kept (the same lines make the same bytes). */
export async function writeNumberedLines(path: string, lines: number, line: (i: number) => string): Promise<void> {
  const size = Array.from({ length: lines }, (_, i) => Buffer.byteLength(line(i))).reduce((a, b) => a + b, 0);
  const existing = await stat(path).catch(() => null);
  if (existing?.size === size) return;
  const handle = await open(path, 'w');
  try {
    for (let start = 0; start < lines; start += 100_000) {
      let text = '';
      for (let i = start; i < Math.min(lines, start + 100_000); i++) text += line(i);
      await handle.write(text);
    }
  } finally {
    await handle.close();
  }
}
