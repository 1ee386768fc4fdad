/**
 * Realistic logs for the records tests, made from one list of requests: an access log
 * (text, for --extract), the same as JSON lines and as logfmt, Kubernetes Docker json-file
 * lines with JSON messages, and CRI lines with logfmt messages.
 */
export interface Request {
  time: string;
  ip: string;
  user: string;
  method: string;
  path: string;
  status: number;
  bytes: number;
  durationMs: number;
  service: string;
  level: string;
  pod: string;
  stream: 'stdout' | 'stderr';
  msg: string;
}

/** A deterministic generator (the tests compare figures, not luck). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)]!;

export function requests(count: number, seed = 7): Request[] {
  const next = random(seed);
  const start = Date.UTC(2024, 4, 1, 10, 0, 0);
  return Array.from({ length: count }, (_, i) => {
    const status = pick(next, [200, 200, 200, 201, 204, 301, 404, 404, 500, 503]);
    const service = pick(next, ['api', 'auth', 'billing', 'search', 'web']);
    const level = status >= 500 ? 'ERROR' : status >= 400 ? 'WARN' : 'INFO';
    const path = pick(next, [
      '/api/users',
      '/api/orders',
      '/login',
      '/static/app.js',
      '/api/search?q=caf%C3%A9',
      '/health',
    ]);
    return {
      time: new Date(start + i * 1500 + Math.floor(next() * 1000)).toISOString(),
      ip: `10.0.${Math.floor(next() * 4)}.${Math.floor(next() * 50)}`,
      user: pick(next, ['alice', 'bob', 'carol', 'dave', 'eve', 'zoé', '-']),
      method: pick(next, ['GET', 'GET', 'POST', 'PUT', 'DELETE']),
      path,
      status,
      bytes: Math.floor(next() * 20000),
      durationMs: Math.floor(next() ** 3 * 2000),
      service,
      level,
      pod: `${service}-${pick(next, ['7d9f8', 'x2k4q', 'p0m1z'])}`,
      stream: level === 'INFO' ? 'stdout' : 'stderr',
      msg: level === 'ERROR' ? `ERROR upstream failed: "${path}" ERROR` : `${level} handled ${path}`,
    };
  });
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Common log time: `01/May/2024:10:00:00 +0000`. */
function clfTime(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

export function accessLogLine(r: Request): string {
  return `${r.ip} - ${r.user} [${clfTime(r.time)}] "${r.method} ${r.path} HTTP/1.1" ${r.status} ${r.bytes} ${r.durationMs}ms "${r.level === 'ERROR' ? 'ERROR' : 'ok'}"`;
}

export const ACCESS_LOG_EXTRACT = String.raw`^(?<ip>\S+) \S+ (?<user>\S+) \[(?<time>[^\]]+)\] "(?<method>\S+) (?<path>\S+) [^"]*" (?<status>\d{3}) (?<bytes>\d+) (?<duration_ms>\d+)ms`;

export function jsonLine(r: Request): string {
  return JSON.stringify({
    time: r.time,
    level: r.level,
    service: r.service,
    msg: r.msg,
    http: { method: r.method, path: r.path, status: r.status },
    status: r.status,
    duration_ms: r.durationMs,
    user: r.user,
    ip: r.ip,
  });
}

const logfmtValue = (value: string | number) =>
  typeof value === 'number' || /^[^\s"=]+$/.test(value) ? String(value) : JSON.stringify(value);

export function logfmtLine(r: Request): string {
  return [
    ['time', r.time],
    ['level', r.level],
    ['service', r.service],
    ['msg', r.msg],
    ['status', r.status],
    ['duration_ms', r.durationMs],
    ['user', r.user],
    ['ip', r.ip],
  ]
    .map(([k, v]) => `${k}=${logfmtValue(v!)}`)
    .join(' ');
}

/** A Docker json-file line whose message is a JSON record with Kubernetes metadata. */
export function dockerLine(r: Request): string {
  const body = JSON.stringify({
    level: r.level.toLowerCase(),
    msg: r.msg,
    status: r.status,
    kubernetes: { pod_name: r.pod, namespace_name: 'prod', labels: { app: r.service } },
  });
  const nanos = r.time.replace(/\.(\d{3})Z$/, '.$1456789Z');
  return JSON.stringify({ log: `${body}\n`, stream: r.stream, time: nanos });
}

export function criLine(r: Request): string {
  const nanos = r.time.replace(/\.(\d{3})Z$/, '.$1456789Z');
  return `${nanos} ${r.stream} F ${logfmtLine(r)}`;
}
