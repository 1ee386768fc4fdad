import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type TestRedis, sleep, startTestRedis } from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChunkBytes,
  RedisAuthError,
  RedisChunkBytes,
  type RedisClient,
  RespChunkBytes,
  closeRedis,
  connectRedis,
  openChunkBytes,
  redisErrorCode,
} from '../src/index.js';
import { REPLY_SLICE } from '../src/chunk-bytes/resp-chunk-bytes.js';

let redis: TestRedis;
let client: RedisClient;
const opened: ChunkBytes[] = [];

beforeAll(async () => {
  redis = await startTestRedis({ tcpHost: '127.0.0.1', password: 's3cret' });
  client = await connectRedis(redis.url, { connectionName: 'chunk-bytes-test' });
});

afterAll(async () => {
  for (const bytes of opened) await bytes.close();
  await closeRedis(client);
  await redis.stop();
});

async function open(url: string): Promise<ChunkBytes> {
  const bytes = await openChunkBytes(url, client, { connectionName: 'chunk-bytes-test', timeoutMs: 10_000 });
  opened.push(bytes);
  return bytes;
}

/** The `CLIENT LIST` id of the chunk-bytes connection opened last (the reader a test just opened). */
async function newestReaderId(): Promise<string> {
  const clients = ((await client.call('CLIENT', 'LIST')) as string).trim().split('\n');
  return String(
    Math.max(
      ...clients
        .filter((line) => line.includes(' name=chunk-bytes-test:bytes '))
        .map((line) => Number(/^id=(\d+)/.exec(line)![1])),
    ),
  );
}

const paths: [string, () => Promise<ChunkBytes>][] = [
  ['its own connection, on a unix socket', () => open(redis.url)],
  ['its own connection, over TCP with a database number', () => open(`${redis.tcpUrl!}/3`)],
  ['the ioredis connection (Cluster, Sentinel)', () => Promise.resolve(new RedisChunkBytes(client))],
];

describe.each(paths)('chunk bytes through %s', (_, start) => {
  let bytes: ChunkBytes;
  beforeAll(async () => {
    bytes = await start();
  });

  it('stores values given in parts and reads each into its target', async () => {
    const big = randomBytes(5 * 1024 * 1024 + 7);
    const values = [
      big,
      Buffer.from('one line\n'),
      Buffer.alloc(0),
      ...Array.from({ length: 200 }, (_, i) => randomBytes(1 + ((i * 7919) % 70_000))),
    ];
    const keys = values.map((_, i) => `t-bytes:${process.pid}:${i}`);
    // Each value in up to three parts, cut anywhere.
    await bytes.store(
      values.map((value, i) => ({
        key: keys[i]!,
        parts: [
          value.subarray(0, i % value.length || 0),
          value.subarray(i % value.length || 0, value.length - 1),
          value.subarray(value.length - 1),
        ],
      })),
    );
    const whole = new Uint8Array(values.reduce((sum, value) => sum + value.length, 0));
    let at = 0;
    const targets = values.map((value) => whole.subarray(at, (at += value.length)));
    expect(await bytes.readInto(keys.map((key, i) => ({ key, target: targets[i]! })))).toEqual(
      values.map((value) => value.length),
    );
    expect(Buffer.from(whole).equals(Buffer.concat(values))).toBe(true);
  });

  it('says what is missing, and the length of a value that does not fit its target, leaving the target alone', async () => {
    const key = `t-bytes:${process.pid}:short`;
    await bytes.store([{ key, parts: [Buffer.from('abc')] }]);
    const target = new Uint8Array(5).fill(9);
    const after = new Uint8Array(2);
    expect(
      await bytes.readInto([
        { key, target },
        { key: `t-bytes:${process.pid}:none`, target: new Uint8Array(1) },
        { key, target: after.subarray(0, 0) },
      ]),
    ).toEqual([3, null, 3]);
    expect([...target]).toEqual([9, 9, 9, 9, 9]);
  });

  it('reads ranges of a value into their targets, among whole reads; a range of a missing key is empty', async () => {
    const key = `t-bytes:${process.pid}:ranges`;
    const value = randomBytes(300_000);
    await bytes.store([{ key, parts: [value] }]);
    const ranges = [
      [0, 10],
      [10, 200_000],
      [299_999, 1],
      [123_456, 100_000],
    ] as const;
    const targets = ranges.map(([, length]) => new Uint8Array(length));
    const whole = new Uint8Array(value.length);
    const missing = new Uint8Array(4).fill(7);
    expect(
      await bytes.readInto([
        ...ranges.map(([start], i) => ({ key, target: targets[i]!, start })),
        { key, target: whole },
        { key: `t-bytes:${process.pid}:none`, target: missing, start: 0 },
      ]),
    ).toEqual([...ranges.map(([, length]) => length), value.length, 0]);
    ranges.forEach(([start, length], i) =>
      expect(Buffer.from(targets[i]!).equals(value.subarray(start, start + length))).toBe(true),
    );
    expect(Buffer.from(whole).equals(value)).toBe(true);
    expect([...missing]).toEqual([7, 7, 7, 7]);
  });

  it('reads values and ranges longer than a reply slice as a GET and a GETRANGE would', async () => {
    const key = `t-bytes:${process.pid}:long`;
    const value = randomBytes(3 * REPLY_SLICE + 12_345);
    await bytes.store([{ key, parts: [value] }]);
    const whole = new Uint8Array(value.length);
    const across = new Uint8Array(2 * REPLY_SLICE + 3);
    const pastTheEnd = new Uint8Array(2 * REPLY_SLICE).fill(5);
    const tooLong = new Uint8Array(value.length + 1).fill(6);
    const tooShort = new Uint8Array(value.length - 1).fill(6);
    const missing = new Uint8Array(2 * REPLY_SLICE).fill(7);
    const empty = `t-bytes:${process.pid}:empty`;
    await bytes.store([{ key: empty, parts: [Buffer.alloc(0)] }]);
    expect(
      await bytes.readInto([
        { key: empty, target: new Uint8Array(2 * REPLY_SLICE) },
        { key: empty, target: new Uint8Array(2 * REPLY_SLICE), start: 0 },
      ]),
    ).toEqual([0, 0]);
    expect(
      await bytes.readInto([
        { key, target: whole },
        { key, target: across, start: REPLY_SLICE - 1 },
        { key, target: pastTheEnd, start: 2 * REPLY_SLICE },
        { key, target: tooLong },
        { key, target: tooShort },
        { key: `t-bytes:${process.pid}:none`, target: missing },
        { key: `t-bytes:${process.pid}:none`, target: missing, start: 0 },
      ]),
    ).toEqual([value.length, across.length, value.length - 2 * REPLY_SLICE, value.length, value.length, null, 0]);
    expect(Buffer.from(whole).equals(value)).toBe(true);
    expect(Buffer.from(across).equals(value.subarray(REPLY_SLICE - 1, 3 * REPLY_SLICE + 2))).toBe(true);
    // A whole value that does not fit leaves its target alone.
    expect(tooLong.every((byte) => byte === 6) && tooShort.every((byte) => byte === 6)).toBe(true);
    expect(missing.every((byte) => byte === 7)).toBe(true);
  });
});

describe('chunk bytes on a connection of their own', () => {
  it('is what a single Redis gets; a Cluster or Sentinel goes through ioredis', async () => {
    expect(await open(redis.url)).toBeInstanceOf(RespChunkBytes);
    expect(await open(redis.tcpUrl!)).toBeInstanceOf(RespChunkBytes);
    expect(await open('redis+cluster://127.0.0.1:1,127.0.0.1:2')).toBeInstanceOf(RedisChunkBytes);
    expect(await open('redis+sentinel://127.0.0.1:1/mymaster')).toBeInstanceOf(RedisChunkBytes);
  });

  it('keeps what Redis holds for a reader to a few reply slices, however much it reads at once', async () => {
    const bytes = await open(redis.url);
    const value = randomBytes(4 * 1024 * 1024);
    const keys = Array.from({ length: 16 }, (_, i) => `t-bytes:${process.pid}:held:${i}`);
    await bytes.store(keys.map((key) => ({ key, parts: [value] })));
    const id = await newestReaderId();
    // Redis's reply buffers for the reader, sampled while 64 MiB are read: a GET per pack held whole packs.
    let sampling = true;
    let highest = 0;
    let samples = 0;
    const sampler = (async () => {
      while (sampling) {
        const line = (await client.call('CLIENT', 'LIST', 'ID', id)) as string;
        highest = Math.max(highest, Number(/ omem=(\d+)/.exec(line)?.[1] ?? 0));
        samples++;
      }
    })();
    const targets = keys.map(() => new Uint8Array(value.length));
    // Whole packs, and as much again in ranges of 256 KiB.
    const quarters = Array.from({ length: 16 }, (_, i) => ({
      key: keys[i]!,
      target: new Uint8Array(256 * 1024),
      start: (i % 16) * 256 * 1024,
    }));
    for (let round = 0; round < 2; round++) {
      expect(await bytes.readInto(keys.map((key, i) => ({ key, target: targets[i]! })))).toEqual(
        keys.map(() => value.length),
      );
      for (let again = 0; again < 16; again++)
        expect(await bytes.readInto(quarters)).toEqual(quarters.map(() => 256 * 1024));
    }
    sampling = false;
    await sampler;
    expect(samples).toBeGreaterThan(10);
    expect(targets.every((target) => Buffer.from(target).equals(value))).toBe(true);
    expect(
      quarters.every(({ target, start }) => Buffer.from(target).equals(value.subarray(start, start + target.length))),
    ).toBe(true);
    // Two slices of 1 MiB at most, each in a block up to a quarter larger (jemalloc's size classes), plus headers.
    expect(highest).toBeLessThanOrEqual(2.5 * 1024 * 1024 + 64 * 1024);
  });

  it('reads a value deleted between its slices as missing, never as a part', async () => {
    const bytes = await open(redis.url);
    const value = randomBytes(32 * REPLY_SLICE);
    const id = await newestReaderId();
    let midway = 0;
    for (let attempt = 0; attempt < 6; attempt++) {
      const key = `t-bytes:${process.pid}:deleted:${attempt}`;
      await bytes.store([{ key, parts: [value] }]);
      const whole = attempt % 2 === 0;
      const reading = bytes.readInto([{ key, target: new Uint8Array(value.length), ...(whole ? {} : { start: 0 }) }]);
      // Deleted once the reader has had a slice (its last command is a GETRANGE), while later ones wait.
      while (!((await client.call('CLIENT', 'LIST', 'ID', id)) as string).includes(' cmd=getrange '))
        await new Promise((resolve) => setImmediate(resolve));
      await client.del(key);
      const [length] = await reading;
      if (length !== value.length) midway++;
      expect([value.length, whole ? null : 0]).toContain(length);
    }
    // The deletion came before the last slice at least once (it nearly always does: 32 round trips).
    expect(midway).toBeGreaterThan(0);
  });

  it('logs in to the database the URL names', async () => {
    const bytes = await open(`${redis.tcpUrl!}/5`);
    await bytes.store([{ key: `t-bytes:${process.pid}:db`, parts: [Buffer.from('in five')] }]);
    const other = await connectRedis(`${redis.tcpUrl!}/5`, { connectionName: 'chunk-bytes-test' });
    try {
      expect(await other.get(`t-bytes:${process.pid}:db`)).toBe('in five');
      expect(await client.get(`t-bytes:${process.pid}:db`)).toBeNull();
    } finally {
      await closeRedis(other);
    }
  });

  it('fails with RedisAuthError on a wrong password', async () => {
    await expect(open(redis.tcpUrl!.replace('s3cret', 'wrong'))).rejects.toBeInstanceOf(RedisAuthError);
  });

  it('rejects a command Redis refuses with its error code', async () => {
    const bytes = await open(redis.url);
    await client.hset(`t-bytes:${process.pid}:hash`, 'a', '1');
    const refused = await bytes
      .readInto([{ key: `t-bytes:${process.pid}:hash`, target: new Uint8Array(1) }])
      .catch((err: unknown) => err);
    expect(redisErrorCode(refused)).toBe('WRONGTYPE');
    // The connection goes on.
    await bytes.store([{ key: `t-bytes:${process.pid}:after`, parts: [Buffer.from('x')] }]);
  });

  it('rejects what is outstanding when closed, and everything after', async () => {
    const bytes = await open(redis.url);
    const pending = bytes.store([{ key: `t-bytes:${process.pid}:closing`, parts: [randomBytes(1024 * 1024)] }]);
    await bytes.close();
    await bytes.close();
    await expect(pending).rejects.toThrow(/Connection is closed/);
    await expect(bytes.readInto([{ key: 'k', target: new Uint8Array(1) }])).rejects.toThrow(/Connection is closed/);
  });

  it('carries commands across a Redis restart: sent again once Redis is back', async () => {
    const unix = await open(redis.url);
    const tcp = await open(redis.tcpUrl!);
    const value = randomBytes(3 * 1024 * 1024);
    await redis.kill();
    // Issued while Redis is down: they wait for it.
    const stored = Promise.all(
      [unix, tcp].map((bytes, i) =>
        bytes.store([
          { key: `t-bytes:${process.pid}:restart:${i}`, parts: [value.subarray(0, 1000), value.subarray(1000)] },
        ]),
      ),
    );
    await sleep(300); // they are sent, and wait, while Redis is down
    await redis.restart();
    await stored;
    for (const [i, bytes] of [unix, tcp].entries()) {
      const target = new Uint8Array(value.length);
      expect(await bytes.readInto([{ key: `t-bytes:${process.pid}:restart:${i}`, target }])).toEqual([value.length]);
      expect(Buffer.from(target).equals(value)).toBe(true);
    }
  });
});

describe('chunk bytes over TLS', () => {
  let tlsRedis: TestRedis;
  let port: number;
  let ca: Buffer;
  let certs: string;

  beforeAll(async () => {
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    port = (probe.address() as { port: number }).port;
    probe.close();
    await once(probe, 'close');
    // A self-signed certificate for localhost.
    certs = await mkdtemp(join(tmpdir(), 'logcluster-test-tls-'));
    const cert = join(certs, 'tls.crt');
    const key = join(certs, 'tls.key');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(cert);
    tlsRedis = await startTestRedis({
      args: ['--tls-port', String(port), '--tls-cert-file', cert, '--tls-key-file', key, '--tls-auth-clients', 'no'],
    });
  });

  afterAll(async () => {
    await tlsRedis.stop();
    await rm(certs, { recursive: true, force: true });
  });

  it('stores and reads chunk bytes on a TLS connection of their own', async () => {
    const bytes = await RespChunkBytes.open(
      { host: '127.0.0.1', port, tls: { ca, servername: 'localhost' }, connectionName: 'chunk-bytes-test' },
      10_000,
    );
    try {
      const value = randomBytes(2 * 1024 * 1024 + 3);
      await bytes.store([{ key: 'tls', parts: [value.subarray(0, 10), value.subarray(10)] }]);
      const target = new Uint8Array(value.length);
      expect(
        await bytes.readInto([
          { key: 'tls', target },
          { key: 'none', target: new Uint8Array(1) },
        ]),
      ).toEqual([value.length, null]);
      expect(Buffer.from(target).equals(value)).toBe(true);
    } finally {
      await bytes.close();
    }
  });
});
