/*
 * node bench/dist/template-throughput.js [lines] [rounds] — message templates per CPU second
 * (`messageTemplate`, one thread, no I/O) over deterministic lines of common public log
 * formats in equal shares: log4j, Apache error and access logs, syslog sshd, Kafka, HDFS,
 * Android logcat, Docker json-file, a JSON app log and logfmt. Reports the median of the
 * rounds (default 200,000 lines, 7 rounds) and each format's own rate.
 */
import { messageTemplate } from '@logcluster/core';
import { median } from './measure.js';
import { seededRandom } from './synthetic-logs.js';

function lines(count: number, seed: number): Map<string, string[]> {
  const random = seededRandom(seed);
  const int = (max: number) => Math.floor(random() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const ip = () => `10.${int(256)}.${int(256)}.${int(256)}`;
  const pad = (n: number) => String(n).padStart(2, '0');
  const iso = () =>
    `2024-03-${pad(1 + int(28))}T${pad(int(24))}:${pad(int(60))}:${pad(int(60))}.${String(int(1000)).padStart(3, '0')}Z`;
  const time = () => `${pad(int(24))}:${pad(int(60))}:${pad(int(60))}`;
  const day = () => pad(1 + int(28));
  const weekday = () => pick(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);
  const month = () => pick(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']);
  const formats: Record<string, () => string> = {
    log4j: () =>
      `2024-03-05 ${time()},${int(1000)} ${pick(['INFO', 'WARN', 'ERROR'])} [http-nio-8080-exec-${int(20)}] c.e.orders.OrderService - ${pick(
        [
          `Connection to ${ip()}:5432 refused after ${int(5000)} ms`,
          `Order ${int(1e6)} failed: payment declined for user "${pick(['alice', 'bob'])}"`,
          `order ${int(1e6)} placed in ${int(300)} ms`,
        ],
      )}`,
    apacheError: () =>
      `[${weekday()} ${month()} ${day()} ${time()} 2005] [${pick(['error', 'notice'])}] ${pick([
        `mod_jk child workerEnv in error state ${int(10)}`,
        `[client ${ip()}] File does not exist: /var/www/html/favicon.ico`,
        'jk2_init() Found child 6725 in scoreboard slot 10',
      ])}`,
    access: () =>
      `${ip()} - - [${day()}/${month()}/2024:${time()} +0000] "${pick(['GET', 'POST'])} /api/v1/orders/${int(1e5)} HTTP/1.1" ${pick([200, 404, 500])} ${int(1e5)} "-" "Mozilla/5.0 (X11; Linux x86_64)"`,
    syslog: () =>
      `${month()} ${day()} ${time()} web-01 sshd[${int(1e5)}]: ${pick([
        `Failed password for invalid user admin from ${ip()} port ${int(65_536)} ssh2`,
        `Accepted publickey for deploy from ${ip()} port ${int(65_536)} ssh2: RSA SHA256:Zx9kQ2b`,
        `pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)`,
      ])}`,
    kafka: () =>
      `[2024-03-05 ${time()},${int(1000)}] INFO [ReplicaFetcher replicaId=${int(3)}, leaderId=${int(3)}, fetcherId=0] Truncating partition orders-${int(12)} to local high watermark ${int(1e6)} (kafka.server.ReplicaFetcherThread)`,
    hdfs: () =>
      `081109 ${String(int(235_959)).padStart(6, '0')} ${int(5000)} INFO dfs.DataNode$PacketResponder: PacketResponder ${int(3)} for block blk_${random() < 0.5 ? '-' : ''}${int(1e15)}${int(1e4)} terminating`,
    logcat: () =>
      `03-05 ${time()}.${int(1000)}  ${int(30_000)}  ${int(30_000)} ${pick(['I', 'W', 'E'])} ActivityManager: Start proc ${int(30_000)}:com.example.app/u0a${int(300)} for activity {com.example.app/com.example.app.MainActivity}`,
    docker: () =>
      `{"log":"${pick([`GET /health 200 ${int(30)}ms`, `${iso()} ERROR [api] upstream ${ip()}:8080 timed out after ${int(5000)} ms`, `POST /api/v1/orders 201 ${int(300)}ms`])}\\n","stream":"${pick(['stdout', 'stderr'])}","time":"${iso()}"}`,
    jsonApp: () =>
      `{"level":"${pick(['info', 'error'])}","ts":1709647331.${int(1000)},"caller":"api/handler.go:${int(300)}","msg":"${pick(['request failed', 'request done', 'cache miss'])}","error":"dial tcp ${ip()}:5432: i/o timeout","request_id":"${int(1e9).toString(16)}","latency":${random()}}`,
    logfmt: () =>
      `time=${iso()} level=${pick(['info', 'warn'])} msg="${pick(['request done', 'retrying upstream'])}" method=GET path=/api/v1/orders/${int(1e5)} status=${pick([200, 503])} dur=${int(900)}ms user=${pick(['alice', 'bob'])}`,
  };
  const out = new Map<string, string[]>(Object.keys(formats).map((name) => [name, []]));
  const names = Object.keys(formats);
  for (let i = 0; i < count; i++) {
    const name = names[i % names.length]!;
    out.get(name)!.push(formats[name]!());
  }
  return out;
}

/** CPU time of this process so far, ms: steadier than wall time on a machine that others share. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Templates per CPU second over `all`, and a checksum so that the work cannot be skipped. */
function rate(all: readonly string[]): [perSecond: number, checksum: number] {
  let checksum = 0;
  const started = cpuMs();
  for (const line of all) checksum += messageTemplate(line).length;
  const ms = cpuMs() - started;
  return [all.length / (ms / 1000), checksum];
}

const count = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 7);
const byFormat = lines(count, 42);
// Interleaved, as formats mix in a real stream of matching lines.
const mixed: string[] = [];
const lists = [...byFormat.values()];
for (let i = 0; mixed.length < count; i++) for (const list of lists) if (i < list.length) mixed.push(list[i]!);
// Warm up, then measure.
rate(mixed);
const totals: number[] = [];
let checksum = 0;
for (let round = 0; round < rounds; round++) {
  const [perSecond, sum] = rate(mixed);
  totals.push(perSecond);
  checksum = sum;
}
process.stdout.write(
  `${count} mixed lines, ${rounds} rounds: median ${Math.round(median(totals)).toLocaleString('en')} templates/s (min ${Math.round(Math.min(...totals)).toLocaleString('en')}, max ${Math.round(Math.max(...totals)).toLocaleString('en')}); checksum ${checksum}\n`,
);
for (const [name, list] of byFormat) {
  const each: number[] = [];
  for (let round = 0; round < rounds; round++) each.push(rate(list)[0]);
  process.stdout.write(`  ${name.padEnd(12)} ${Math.round(median(each)).toLocaleString('en').padStart(10)} /s\n`);
}
