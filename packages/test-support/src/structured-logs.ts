import { seededRandom } from './synthetic-log.js';

/*
 * Realistic structured logs made from one set of HTTP request records: as an access log
 * (text), JSON lines, logfmt, Docker json-file lines holding JSON, and CRI lines holding
 * logfmt. Deterministic (seeded), with what real logs have: ERROR in messages, missing
 * fields, nested objects, quotes and spaces in values, UTF-8, CRLF now and then, and a
 * few lines of another format mixed in.
 */

export interface RequestRecord {
  time: string;
  level: 'info' | 'warn' | 'error';
  service: string;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  bytes: number;
  /** Absent on some records. */
  user?: string;
  msg: string;
  kubernetes: { pod_name: string; namespace: string };
}

export interface RequestLogOptions {
  records: number;
  seed: number;
  /** Start time, ms since the epoch; one record every `stepMs`. */
  start?: number;
  stepMs?: number;
}

const SERVICES = ['api', 'auth', 'billing', 'search', 'gateway'];
const PATHS = ['/api/v1/orders', '/api/v1/users/me', '/login', '/search?q=caf%C3%A9', '/healthz', '/api/v1/cart'];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'zoë'];

export function requestRecords(options: RequestLogOptions): RequestRecord[] {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const start = options.start ?? Date.UTC(2026, 10, 26, 10, 0, 0);
  const step = options.stepMs ?? 250;
  const records: RequestRecord[] = [];
  for (let i = 0; i < options.records; i++) {
    const service = pick(SERVICES);
    const roll = random();
    const status = roll < 0.04 ? 500 : roll < 0.06 ? 503 : roll < 0.12 ? 404 : roll < 0.15 ? 401 : 200;
    const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    const duration = Math.floor(random() * (status >= 500 ? 3000 : 900));
    const msg =
      status >= 500
        ? `ERROR upstream ${pick(['timed out', 'refused', 'reset'])} after ${duration} ms`
        : status === 404
          ? `not found: "${pick(PATHS)}"`
          : `handled in ${duration} ms`;
    records.push({
      time: new Date(start + i * step).toISOString(),
      level,
      service,
      method: pick(METHODS),
      path: pick(PATHS),
      status,
      duration_ms: duration,
      bytes: Math.floor(random() * 50_000),
      ...(random() < 0.9 ? { user: pick(USERS) } : {}),
      msg,
      kubernetes: { pod_name: `${service}-${Math.floor(random() * 4)}`, namespace: 'prod' },
    });
  }
  return records;
}

/** Combined log format, as nginx writes it. */
export function asAccessLog(records: readonly RequestRecord[]): string {
  return records
    .map((r) => {
      const t = new Date(r.time);
      const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
      const stamp = `${String(t.getUTCDate()).padStart(2, '0')}/${months[t.getUTCMonth()]}/${t.getUTCFullYear()}:${t.toISOString().slice(11, 19)} +0000`;
      return `10.0.${r.duration_ms % 256}.${r.bytes % 256} - ${r.user ?? '-'} [${stamp}] "${r.method} ${r.path} HTTP/1.1" ${r.status} ${r.bytes} "-" "curl/8.5.0" ${r.duration_ms}\n`;
    })
    .join('');
}

/** One JSON object per line; every 40th line ends in CRLF; `mixed`: every 97th record is followed by a plain text line. */
export function asJsonLines(records: readonly RequestRecord[], options: { mixed?: boolean } = {}): string {
  return records
    .map(
      (r, i) =>
        `${JSON.stringify(r)}${i % 40 === 39 ? '\r' : ''}\n` +
        (options.mixed && i % 97 === 96 ? `${r.time} ERROR plain text line among JSON ones\n` : ''),
    )
    .join('');
}

/** logfmt, the nested pod name flattened to a key of its own. */
export function asLogfmt(records: readonly RequestRecord[]): string {
  return records
    .map((r) => {
      const pairs: [string, string | number][] = [
        ['time', r.time],
        ['level', r.level],
        ['service', r.service],
        ['method', r.method],
        ['path', r.path],
        ['status', r.status],
        ['duration_ms', r.duration_ms],
        ['bytes', r.bytes],
        ...(r.user !== undefined ? [['user', r.user] as [string, string]] : []),
        ['msg', r.msg],
        ['pod', r.kubernetes.pod_name],
      ];
      return `${pairs.map(([k, v]) => `${k}=${typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : v}`).join(' ')}\n`;
    })
    .join('');
}

/** Docker's json-file driver: each record's JSON line as the `log` of an envelope. */
export function asDockerJsonFile(records: readonly RequestRecord[]): string {
  return records
    .map(
      (r, i) =>
        `${JSON.stringify({ log: `${JSON.stringify(r)}\n`, stream: i % 5 === 0 ? 'stderr' : 'stdout', time: r.time })}\n`,
    )
    .join('');
}

/** CRI (containerd, CRI-O): `<time> <stream> <P|F> <message>`, the message in logfmt. */
export function asCriLogfmt(records: readonly RequestRecord[]): string {
  const lines = asLogfmt(records).split('\n').slice(0, -1);
  return lines.map((line, i) => `${records[i]!.time} ${i % 5 === 0 ? 'stderr' : 'stdout'} F ${line}\n`).join('');
}
