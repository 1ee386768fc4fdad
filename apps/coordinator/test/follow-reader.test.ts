import { existsSync } from 'node:fs';
import {
  type FileHandle,
  copyFile,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readlink,
  realpath,
  rename,
  rm,
  truncate,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { InputError } from '@logcluster/core';
import { sleep, until } from '@logcluster/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { followFile, followStream } from '../src/follow-reader.js';

/*
 * The follow reader on real files in a temporary directory: appends, rotation by rename
 * (with a logger still writing to the renamed file), copytruncate, delete and create
 * again, and stopping. Two ways of reading: a background consumer (the reader polls on
 * its own, the test waits for conditions), and pulling by hand (the reader does nothing
 * between two pulls, so the file can be changed between two of its looks for certain).
 */

const POLL_MS = 20;
const TIMEOUT = 20_000;

let dir: string;
let controllers: AbortController[];
let writers: FileHandle[];

beforeEach(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'follow-reader-')));
  controllers = [];
  writers = [];
});

afterEach(async () => {
  for (const controller of controllers) controller.abort();
  await Promise.allSettled(writers.map((writer) => writer.close()));
  await rm(dir, { recursive: true, force: true });
});

function stopper(): AbortController {
  const controller = new AbortController();
  controllers.push(controller);
  return controller;
}

/** Opens `path` the way a logger does (append mode), closed after the test. */
async function logger(path: string, flags = 'a'): Promise<FileHandle> {
  const handle = await open(path, flags);
  writers.push(handle);
  return handle;
}

/** Lines `from`…`to - 1`, tagged, of different lengths. */
function lines(tag: string, from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++)
    out += `2026-11-27T10:00:${String(i % 60).padStart(2, '0')}Z ${tag} request ${i} ${'x'.repeat(i % 13)}\n`;
  return out;
}

/** How the tests wait for the reader: often, and for less than a test may take. */
const SOON = { timeoutMs: 15_000, everyMs: 5 };

/** Follows `path` as these tests do, polling every POLL_MS and keeping its notices; `stop` ends it. */
function following(path: string) {
  const notices: string[] = [];
  const stop = stopper();
  return {
    notices,
    stop,
    reader: followFile(path, {
      signal: stop.signal,
      pollMs: POLL_MS,
      notice: (message: string) => notices.push(message),
    }),
  };
}

/** Consumes the reader in the background; `done` resolves with its error, if any, when it ends. */
function consume(reader: AsyncGenerator<Buffer>) {
  const chunks: Buffer[] = [];
  const done = (async (): Promise<unknown> => {
    try {
      for await (const chunk of reader) chunks.push(chunk);
      return undefined;
    } catch (err) {
      return err;
    }
  })();
  return { chunks, done, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Pulls the reader by hand: between two calls it stands still at a yield. */
function puller(reader: AsyncGenerator<Buffer>) {
  const chunks: Buffer[] = [];
  const text = () => Buffer.concat(chunks).toString('utf8');
  return {
    text,
    /** Pulls until `condition` holds for what was read. */
    async until(condition: (text: string) => boolean): Promise<void> {
      while (!condition(text())) {
        const next = await reader.next();
        if (next.done) throw new Error(`the reader ended; read so far: ${JSON.stringify(text().slice(-200))}`);
        chunks.push(next.value);
      }
    },
    /** Pulls until the reader ends. */
    async rest(): Promise<void> {
      for (;;) {
        const next = await reader.next();
        if (next.done) return;
        chunks.push(next.value);
      }
    },
  };
}

/** Descriptors of this process open on files under `dir` (Linux). */
async function descriptorsUnder(path: string): Promise<string[]> {
  const targets = await Promise.all(
    (await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')),
  );
  return targets.filter((target) => target.startsWith(path));
}

describe('followFile', () => {
  it(
    'reads the existing content, then what is appended, and yields nothing while nothing is new',
    async () => {
      const path = join(dir, 'app.log');
      await writeFile(path, lines('A', 0, 50));
      const stop = stopper();
      const reader = consume(followFile(path, { signal: stop.signal, pollMs: POLL_MS }));
      await until('the existing content', () => reader.text() === lines('A', 0, 50), SOON);
      const writer = await logger(path);
      for (let i = 50; i < 80; i++) {
        await writer.write(lines('A', i, i + 1));
        if (i % 10 === 0) await sleep(POLL_MS / 2); // spread the lines over several of the reader's looks
      }
      await until('the appended lines', () => reader.text() === lines('A', 0, 80), SOON);
      const chunksNow = reader.chunks.length;
      await sleep(POLL_MS * 5); // five looks at a file that does not change: nothing may come of them
      expect(reader.chunks.length).toBe(chunksNow);
      stop.abort();
      expect(await reader.done).toBeUndefined();
      expect(reader.text()).toBe(lines('A', 0, 80));
      expect(reader.chunks.every((chunk) => chunk.length > 0)).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'reads a file larger than 1 MiB in buffers of at most 1 MiB',
    async () => {
      const path = join(dir, 'big.log');
      const content = lines('BIG', 0, 80_000);
      expect(content.length).toBeGreaterThan(3 * 1024 * 1024);
      await writeFile(path, content);
      const stop = stopper();
      stop.abort();
      const reader = consume(followFile(path, { signal: stop.signal, pollMs: POLL_MS }));
      expect(await reader.done).toBeUndefined();
      expect(reader.text()).toBe(content);
      expect(reader.chunks.length).toBeGreaterThan(3);
      expect(Math.max(...reader.chunks.map((chunk) => chunk.length))).toBeLessThanOrEqual(1024 * 1024);
    },
    TIMEOUT,
  );

  it(
    'rotation by rename: reads the renamed file while its logger still writes to it, then the new file, every line once and in order',
    async () => {
      const path = join(dir, 'app.log');
      const oldWriter = await logger(path);
      await oldWriter.write(lines('A', 0, 20));
      const { notices, stop, reader: followed } = following(path);
      const reader = consume(followed);
      await until('the first lines', () => reader.text() === lines('A', 0, 20), SOON);

      await rename(path, `${path}.1`);
      await until('the notice that app.log is missing', () => notices.length > 0, SOON);
      expect(notices).toEqual([expect.stringMatching(/app\.log is missing; reading on in the file it named/)]);
      await oldWriter.write(lines('B', 20, 30)); // the logger has not reopened yet
      await until('lines written to the renamed file', () => reader.text().endsWith(lines('B', 20, 30)), SOON);

      const newWriter = await logger(path); // logrotate creates app.log; the logger still writes to app.log.1
      await oldWriter.write(lines('C', 30, 40));
      await until('more lines written to the renamed file', () => reader.text().endsWith(lines('C', 30, 40)), SOON);
      await newWriter.write(lines('D', 40, 60)); // the logger has reopened
      await until('the lines of the new file', () => reader.text().endsWith(lines('D', 40, 60)), SOON);

      stop.abort();
      expect(await reader.done).toBeUndefined();
      expect(reader.text()).toBe(lines('A', 0, 20) + lines('B', 20, 30) + lines('C', 30, 40) + lines('D', 40, 60));
      expect(notices).toHaveLength(2);
      expect(notices[1]).toMatch(/app\.log was rotated \(renamed\); following the new file/);
    },
    TIMEOUT,
  );

  it(
    'rotation by rename between two looks: the rest of the old file, then the new one, every line once',
    async () => {
      const path = join(dir, 'app.log');
      const oldWriter = await logger(path);
      await oldWriter.write(lines('A', 0, 20));
      const { notices, stop, reader: followed } = following(path);
      const reader = puller(followed);
      await reader.until((text) => text === lines('A', 0, 20));

      await rename(path, `${path}.1`);
      await oldWriter.write(lines('B', 20, 30));
      const newWriter = await logger(path);
      await newWriter.write(lines('C', 30, 50));
      await reader.until((text) => text.endsWith(lines('C', 30, 50)));
      await newWriter.write(lines('D', 50, 55));
      await reader.until((text) => text.endsWith(lines('D', 50, 55)));

      stop.abort();
      await reader.rest();
      expect(reader.text()).toBe(lines('A', 0, 20) + lines('B', 20, 30) + lines('C', 30, 50) + lines('D', 50, 55));
      expect(notices).toEqual([`${path} was rotated (renamed); following the new file`]);
    },
    TIMEOUT,
  );

  it(
    'copytruncate: after the truncation, the new content once, from its start',
    async () => {
      const path = join(dir, 'app.log');
      const writer = await logger(path);
      await writer.write(lines('A', 0, 40));
      const { notices, stop, reader: followed } = following(path);
      const reader = consume(followed);
      await until('the first lines', () => reader.text() === lines('A', 0, 40), SOON);

      await copyFile(path, `${path}.1`);
      await truncate(path, 0);
      await until('the truncation notice', () => notices.length > 0, SOON);
      expect(notices).toEqual([`${path} was truncated; reading it again from its start`]);
      await writer.write(lines('B', 40, 50));
      await until('the lines after the truncation', () => reader.text().endsWith(lines('B', 40, 50)), SOON);
      await writer.write(lines('C', 50, 100)); // longer than before the truncation
      await until('more lines', () => reader.text().endsWith(lines('C', 50, 100)), SOON);

      stop.abort();
      expect(await reader.done).toBeUndefined();
      expect(reader.text()).toBe(lines('A', 0, 40) + lines('B', 40, 50) + lines('C', 50, 100));
      expect(notices).toHaveLength(1);
    },
    TIMEOUT,
  );

  it(
    'copytruncate: a truncation and a shorter rewrite between two looks is seen by the size',
    async () => {
      const path = join(dir, 'app.log');
      const writer = await logger(path);
      await writer.write(lines('A', 0, 40));
      const { notices, stop, reader: followed } = following(path);
      const reader = puller(followed);
      await reader.until((text) => text === lines('A', 0, 40));

      await truncate(path, 0);
      await writer.write(lines('B', 40, 45));
      await reader.until((text) => text.endsWith(lines('B', 40, 45)));

      stop.abort();
      await reader.rest();
      expect(reader.text()).toBe(lines('A', 0, 40) + lines('B', 40, 45));
      expect(notices).toEqual([`${path} was truncated; reading it again from its start`]);
    },
    TIMEOUT,
  );

  it(
    'copytruncate: a truncation and a longer rewrite between two looks is seen by the bytes before the position',
    async () => {
      const path = join(dir, 'app.log');
      const writer = await logger(path);
      await writer.write(lines('A', 0, 40));
      const { notices, stop, reader: followed } = following(path);
      const reader = puller(followed);
      await reader.until((text) => text === lines('A', 0, 40));

      await truncate(path, 0);
      await writer.write(lines('B', 40, 120));
      expect(lines('B', 40, 120).length).toBeGreaterThan(lines('A', 0, 40).length);
      await reader.until((text) => text.endsWith(lines('B', 40, 120)));

      stop.abort();
      await reader.rest();
      expect(reader.text()).toBe(lines('A', 0, 40) + lines('B', 40, 120));
      expect(notices).toEqual([`${path} was truncated and written again; reading it again from its start`]);
    },
    TIMEOUT,
  );

  it(
    'copytruncate with a writer that keeps its offset (no O_APPEND): reads on after the hole, without NUL bytes',
    async () => {
      const path = join(dir, 'app.log');
      const writer = await logger(path, 'w');
      const first = lines('A', 0, 40);
      await writer.write(first, 0);
      const { notices, stop, reader: followed } = following(path);
      const reader = puller(followed);
      await reader.until((text) => text === first);

      await truncate(path, 0);
      await writer.write(lines('B', 40, 50), Buffer.byteLength(first)); // where its offset was
      await reader.until((text) => text.endsWith(lines('B', 40, 50)));

      stop.abort();
      await reader.rest();
      expect(reader.text()).toBe(first + lines('B', 40, 50));
      expect(notices).toEqual([
        `${path} was truncated by a writer that kept its offset; reading on after the hole it left`,
      ]);
    },
    TIMEOUT,
  );

  it(
    'deleted, then created again: waits for it (saying so once), then reads the new file from its start',
    async () => {
      const path = join(dir, 'app.log');
      await writeFile(path, lines('A', 0, 20));
      const { notices, stop, reader: followed } = following(path);
      const reader = consume(followed);
      await until('the first lines', () => reader.text() === lines('A', 0, 20), SOON);

      await unlink(path);
      await until('the notice that app.log is missing', () => notices.length > 0, SOON);
      await sleep(POLL_MS * 5); // five looks more: the notice is not said again
      expect(notices).toEqual([
        `${path} is missing; reading on in the deleted file and waiting for ${path} to reappear`,
      ]);
      await writeFile(path, lines('B', 20, 30));
      await until('the lines of the new file', () => reader.text().endsWith(lines('B', 20, 30)), SOON);

      stop.abort();
      expect(await reader.done).toBeUndefined();
      expect(reader.text()).toBe(lines('A', 0, 20) + lines('B', 20, 30));
      expect(notices).toEqual([notices[0], `${path} was deleted and created again; following the new file`]);
    },
    TIMEOUT,
  );

  it(
    'a path missing at the start is an input error that says the file does not exist',
    async () => {
      const stop = stopper();
      const missing = followFile(join(dir, 'nope.log'), { signal: stop.signal, pollMs: POLL_MS });
      const error: unknown = await missing.next().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(InputError);
      expect(String(error)).toMatch(/nope\.log: no such file \(it does not exist\)/);

      await mkdir(join(dir, 'a-dir'));
      await expect(followFile(join(dir, 'a-dir'), { signal: stop.signal }).next()).rejects.toThrow(
        /a-dir: not a regular file/,
      );
    },
    TIMEOUT,
  );

  it(
    'on abort, reads what is there, yields it and ends',
    async () => {
      const path = join(dir, 'app.log');
      const writer = await logger(path);
      await writer.write(lines('A', 0, 20));
      const stop = stopper();
      const reader = puller(followFile(path, { signal: stop.signal, pollMs: POLL_MS }));
      await reader.until((text) => text === lines('A', 0, 20));
      await writer.write(lines('B', 20, 30));
      stop.abort();
      await reader.rest();
      expect(reader.text()).toBe(lines('A', 0, 20) + lines('B', 20, 30));
    },
    TIMEOUT,
  );

  it(
    'on abort with a rotation not yet handled, reads the rest of the old file and the new file, then ends',
    async () => {
      const path = join(dir, 'app.log');
      const oldWriter = await logger(path);
      await oldWriter.write(lines('A', 0, 20));
      const stop = stopper();
      const reader = puller(followFile(path, { signal: stop.signal, pollMs: POLL_MS }));
      await reader.until((text) => text === lines('A', 0, 20));
      await rename(path, `${path}.1`);
      await oldWriter.write(lines('B', 20, 30));
      const newWriter = await logger(path);
      await newWriter.write(lines('C', 30, 40));
      stop.abort();
      await reader.rest();
      expect(reader.text()).toBe(lines('A', 0, 20) + lines('B', 20, 30) + lines('C', 30, 40));
    },
    TIMEOUT,
  );

  it(
    'an abort while waiting for bytes ends the reader at once, not at the next look',
    async () => {
      const path = join(dir, 'app.log');
      await writeFile(path, lines('A', 0, 5));
      const stop = stopper();
      const reader = consume(followFile(path, { signal: stop.signal, pollMs: 60_000 }));
      await until('the content', () => reader.text() === lines('A', 0, 5), SOON);
      // Time for the reader to settle into its 60 s wait: nothing outside it shows that it has.
      await sleep(POLL_MS);
      const stoppedAt = Date.now();
      stop.abort();
      expect(await reader.done).toBeUndefined();
      expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    },
    TIMEOUT,
  );

  it.skipIf(!existsSync('/proc/self/fd'))(
    'closes its descriptors when the consumer stops early, also after a rotation',
    async () => {
      const path = join(dir, 'app.log');
      await writeFile(path, lines('A', 0, 5));
      const stop = stopper();
      for await (const chunk of followFile(path, { signal: stop.signal, pollMs: POLL_MS })) {
        expect(chunk.length).toBeGreaterThan(0);
        expect(await descriptorsUnder(dir)).toEqual([path]);
        break;
      }
      expect(await descriptorsUnder(dir)).toEqual([]);

      const reader = puller(followFile(path, { signal: stop.signal, pollMs: POLL_MS }));
      await reader.until((text) => text === lines('A', 0, 5));
      await rename(path, `${path}.1`);
      await writeFile(path, lines('B', 5, 10));
      await reader.until((text) => text.endsWith(lines('B', 5, 10)));
      expect(await descriptorsUnder(dir)).toEqual([path]);
      await writeFile(path, lines('C', 10, 15)); // truncates and rewrites: read again from the start
      await reader.until((text) => text.endsWith(lines('C', 10, 15)));
      stop.abort();
      await reader.rest();
      expect(await descriptorsUnder(dir)).toEqual([]);
    },
    TIMEOUT,
  );
});

describe('followStream', () => {
  it(
    'yields the chunks as they come and ends with the stream',
    async () => {
      const stream = new PassThrough();
      const stop = stopper();
      const reader = consume(followStream(stream, { signal: stop.signal }));
      stream.write('first line\n');
      await until('the first chunk', () => reader.text() === 'first line\n', SOON);
      stream.write('second ');
      stream.end('line\n');
      expect(await reader.done).toBeUndefined();
      expect(reader.text()).toBe('first line\nsecond line\n');
      expect(reader.chunks.every((chunk) => Buffer.isBuffer(chunk))).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'yields Buffers for a stream that gives strings',
    async () => {
      const stream = new PassThrough();
      stream.setEncoding('utf8');
      const stop = stopper();
      const reader = consume(followStream(stream, { signal: stop.signal }));
      stream.end('größe 1\n');
      expect(await reader.done).toBeUndefined();
      expect(reader.chunks.every((chunk) => Buffer.isBuffer(chunk))).toBe(true);
      expect(reader.text()).toBe('größe 1\n');
    },
    TIMEOUT,
  );

  it(
    'an abort ends it at once, with what was read, though the stream has not ended',
    async () => {
      const stream = new PassThrough();
      const stop = stopper();
      const reader = consume(followStream(stream, { signal: stop.signal }));
      stream.write('a line\n');
      await until('the first chunk', () => reader.text() === 'a line\n', SOON);
      stop.abort();
      expect(await reader.done).toBeUndefined();
      expect(reader.text()).toBe('a line\n');

      const already = consume(followStream(new PassThrough(), { signal: stop.signal }));
      expect(await already.done).toBeUndefined();
      expect(already.chunks).toEqual([]);
    },
    TIMEOUT,
  );
});
