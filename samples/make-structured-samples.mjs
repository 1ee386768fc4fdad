// Makes the structured samples the README's examples run on (deterministic: the same
// files every time): an nginx access log, Kubernetes container logs as Fluent Bit's
// kubernetes filter writes them (JSON lines), and one container's Docker json-file log.
//   node samples/make-structured-samples.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from './seeded-random.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { random, pick } = seededRandom(20_261_206);
const start = Date.UTC(2026, 11, 5, 14, 0, 0);
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// nginx, combined format plus $request_time in ms: an hour of traffic, a bad spell of 5xx on /api/v1/checkout.
const paths = [
  '/api/v1/orders',
  '/api/v1/checkout',
  '/api/v1/cart',
  '/api/v1/users/me',
  '/login',
  '/static/app.js',
  '/healthz',
];
const access = [];
for (let at = start; at < start + 3_600_000; at += Math.floor(random() * 2400)) {
  const path = pick(paths);
  const bad = path === '/api/v1/checkout' && at > start + 1_800_000 && at < start + 2_400_000;
  const roll = random();
  const status =
    bad && roll < 0.5
      ? pick([500, 502, 504])
      : roll < 0.01
        ? 500
        : roll < 0.06
          ? 404
          : roll < 0.08
            ? 401
            : path === '/login' && roll < 0.3
              ? 302
              : 200;
  const t = new Date(at);
  const stamp = `${String(t.getUTCDate()).padStart(2, '0')}/${months[t.getUTCMonth()]}/${t.getUTCFullYear()}:${t.toISOString().slice(11, 19)} +0000`;
  const ms = Math.floor(random() * (status >= 500 ? 30_000 : 400));
  const agent = pick([
    'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    'curl/8.5.0',
    'kube-probe/1.30',
  ]);
  access.push(
    `10.${Math.floor(random() * 4)}.${Math.floor(random() * 255)}.${Math.floor(random() * 255)} - - [${stamp}] "${pick(['GET', 'GET', 'POST'])} ${path} HTTP/1.1" ${status} ${Math.floor(random() * 20_000)} "-" "${agent}" ${ms}`,
  );
}
writeFileSync(join(here, 'access.log'), `${access.join('\n')}\n`);

// Kubernetes: pods of three deployments; what Fluent Bit's tail input and kubernetes filter make of their pino-style JSON lines.
const pods = [
  ['checkout-7d9f8c6b5-2xkqp', 'checkout'],
  ['checkout-7d9f8c6b5-9tlmz', 'checkout'],
  ['payments-5c7b9d4f8-hq2vd', 'payments'],
  ['api-6f8d7c9b4-4wzrn', 'api'],
  ['api-6f8d7c9b4-m8xjc', 'api'],
];
const users = Array.from({ length: 400 }, (_, i) => `user-${(i * 7919) % 100_000}`);
const k8s = [];
const docker = [];
for (let at = start; at < start + 3_600_000; at += Math.floor(random() * 3000)) {
  const [pod, app] = pick(pods);
  const troubled = pod === 'checkout-7d9f8c6b5-9tlmz' && at > start + 1_800_000 && at < start + 2_400_000;
  const roll = random();
  const level = troubled && roll < 0.4 ? 50 : roll < 0.02 ? 50 : roll < 0.08 ? 40 : 30;
  const msg =
    level === 50
      ? pick([
          'ERROR payment gateway timeout',
          'ERROR connection refused: postgres:5432',
          'ERROR order validation failed',
        ])
      : level === 40
        ? 'slow request'
        : pick(['request completed', 'order placed', 'cache refreshed']);
  const line = {
    level,
    time: at,
    pid: 1,
    hostname: pod,
    app,
    req: { method: pick(['GET', 'POST']), url: pick(paths) },
    user: pick(users),
    responseTime: Math.floor(random() * (level === 50 ? 5000 : 300)),
    msg,
  };
  const time = new Date(at).toISOString().replace('Z', `${String(Math.floor(random() * 1e6)).padStart(6, '0')}Z`);
  const stream = level >= 50 ? 'stderr' : 'stdout';
  k8s.push(
    JSON.stringify({
      time,
      stream,
      log: JSON.stringify(line),
      kubernetes: { pod_name: pod, namespace_name: 'shop', container_name: app, labels: { app } },
    }),
  );
  if (app === 'checkout') docker.push(JSON.stringify({ log: `${JSON.stringify(line)}\n`, stream, time }));
}
mkdirSync(join(here, 'kubernetes'), { recursive: true });
writeFileSync(join(here, 'kubernetes', 'shop.jsonl'), `${k8s.join('\n')}\n`);
writeFileSync(join(here, 'kubernetes', 'checkout-json-file.log'), `${docker.join('\n')}\n`);
