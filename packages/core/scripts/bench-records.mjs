// Speed of the records pass per thread, in MB/s of log read: `node scripts/bench-records.mjs`
// after `npm run build`. Each case counts ~64 MB in chunks of 1 MiB, the kernel's counts
// first (as a counting thread does), then the pass; both figures are printed.
import { createChunkCounter, createRecordPass, parseRecordFormat, parseWhere } from '../dist/index.js';

const CHUNK = 1 << 20;
const TOTAL = 64 << 20;
const now = Date.UTC(2024, 4, 1, 12);

function random(seed) {
  let state = seed >>> 0;
  return () => ((state = (state * 1664525 + 1013904223) >>> 0), state / 2 ** 32);
}
const next = random(7);
const pick = (items) => items[Math.floor(next() * items.length)];

function request(i) {
  const status = pick([200, 200, 200, 201, 204, 301, 404, 404, 500, 503]);
  const service = pick(['api', 'auth', 'billing', 'search', 'web']);
  const level = status >= 500 ? 'ERROR' : status >= 400 ? 'WARN' : 'INFO';
  const path = pick(['/api/users', '/api/orders/1234', '/login', '/static/app.js', '/health']);
  return {
    time: new Date(Date.UTC(2024, 4, 1) + i * 37).toISOString(),
    ip: `10.0.${Math.floor(next() * 4)}.${Math.floor(next() * 250)}`,
    user: pick(['alice', 'bob', 'carol', 'dave', 'eve', '-']),
    method: pick(['GET', 'GET', 'POST', 'PUT']),
    path,
    status,
    bytes: Math.floor(next() * 20000),
    durationMs: Math.floor(next() ** 3 * 2000),
    service,
    level,
    msg: level === 'ERROR' ? `ERROR upstream failed for ${path}` : `${level} handled ${path} in time`,
  };
}

const json = (r) =>
  JSON.stringify({
    time: r.time,
    level: r.level,
    service: r.service,
    msg: r.msg,
    http: { method: r.method, path: r.path, status: r.status },
    duration_ms: r.durationMs,
    user: r.user,
    ip: r.ip,
  });
const access = (r) =>
  `${r.ip} - ${r.user} [01/May/2024:10:00:00 +0000] "${r.method} ${r.path} HTTP/1.1" ${r.status} ${r.bytes} ${r.durationMs}ms`;

function chunks(line) {
  const out = [];
  let i = 0;
  for (let total = 0; total < TOTAL;) {
    const lines = [];
    let size = 0;
    while (size < CHUNK) {
      const text = line(request(i++));
      lines.push(text);
      size += text.length + 1;
    }
    const chunk = Buffer.from(lines.join('\n') + '\n');
    out.push(chunk);
    total += chunk.length;
  }
  return out;
}

function bench(name, spec, patterns, data) {
  const counter = createChunkCounter(patterns);
  const pass = createRecordPass({ now, ...spec }, patterns, counter);
  const counts = data.map((chunk) => counter(chunk));
  for (let i = 0; i < 4; i++) pass(data[i], counts[i]); // warm up
  const bytes = data.reduce((n, c) => n + c.length, 0);
  let started = process.hrtime.bigint();
  for (const chunk of data) counter(chunk);
  const kernelS = Number(process.hrtime.bigint() - started) / 1e9;
  started = process.hrtime.bigint();
  let selected = 0;
  for (let i = 0; i < data.length; i++) selected += pass(data[i], counts[i]).records.selected;
  const passS = Number(process.hrtime.bigint() - started) / 1e9;
  const mb = bytes / 1e6;
  console.log(
    `${name.padEnd(52)} pass ${(mb / passS).toFixed(0).padStart(5)} MB/s   kernel+pass ${(mb / (kernelS + passS)).toFixed(0).padStart(5)} MB/s   (${selected} selected)`,
  );
}

const jsonData = chunks(json);
const accessData = chunks(access);
const ERROR = [{ pattern: 'ERROR', regex: false, ignoreCase: false }];
bench('--format json --by service -p ERROR', { format: parseRecordFormat('json'), by: ['service'] }, ERROR, jsonData);
bench(
  '--extract (access log) --by status -p ERROR',
  {
    format: parseRecordFormat('text'),
    extract: [
      String.raw`^(?<ip>\S+) \S+ (?<user>\S+) \[(?<time>[^\]]+)\] "(?<method>\S+) (?<path>\S+) [^"]*" (?<status>\d{3}) `,
    ],
    by: ['status'],
  },
  ERROR,
  accessData,
);
bench(
  "--format json --where 'duration_ms>500' -p ERROR",
  { format: parseRecordFormat('json'), where: [parseWhere('duration_ms>500')] },
  ERROR,
  jsonData,
);
