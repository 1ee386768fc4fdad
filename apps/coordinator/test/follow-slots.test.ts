import { appendFile, mkdtemp, realpath, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, until } from '@logcluster/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSlots } from '../src/file-slots.js';
import { followFile } from '../src/follow-reader.js';

/*
 * Followers sharing a cap on open files (`--max-open-files`): one busy file does not
 * keep the others from being read, the cap holds, a file rotated while its follower
 * waited for a turn is found again by its inode, and a deleted file is finished.
 */

const POLL_MS = 20;

let dir: string;
let stop: AbortController;

beforeEach(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'follow-slots-')));
  stop = new AbortController();
});

afterEach(async () => {
  stop.abort();
  await rm(dir, { recursive: true, force: true });
});

/** Reads a follower in the background: what it has yielded so far, and its end. */
function consume(source: AsyncGenerator<Buffer>): { text: () => string; ended: Promise<void> } {
  const parts: Buffer[] = [];
  const ended = (async () => {
    for await (const part of source) parts.push(part);
  })();
  return { text: () => Buffer.concat(parts).toString('utf8'), ended };
}

/**
 * Follows `app.log` (its first line `one`) under a cap of one open file, takes that slot
 * away once the line is read (the follower gives its descriptor up after its turn and
 * waits), lets `change` act on the file meanwhile, and gives the slot back.
 */
async function changedWhileWaiting(
  change: (path: string) => Promise<void>,
): Promise<{ read: ReturnType<typeof consume>; notices: string[] }> {
  const slots = new FileSlots(1);
  const path = join(dir, 'app.log');
  await writeFile(path, 'one\n');
  const notices: string[] = [];
  const read = consume(
    followFile(path, { signal: stop.signal, pollMs: POLL_MS, slots, notice: (m) => notices.push(m) }),
  );
  await until('the first line', () => read.text() === 'one\n');
  await slots.acquire();
  await sleep(5 * POLL_MS);
  await change(path);
  slots.release();
  return { read, notices };
}

describe('followers sharing --max-open-files', () => {
  it('take turns: quiet files are read while a busy one is written without pause, and the cap holds', async () => {
    const slots = new FileSlots(1);
    const busy = join(dir, 'busy.log');
    const quiet = [join(dir, 'a.log'), join(dir, 'b.log'), join(dir, 'c.log')];
    await writeFile(busy, '');
    for (const path of quiet) await writeFile(path, `${path} first\n`);
    const options = { signal: stop.signal, pollMs: POLL_MS, slots };
    const busyRead = consume(followFile(busy, options));
    const quietRead = quiet.map((path) => consume(followFile(path, options)));
    let writing = true;
    let written = 0;
    const line = `${'x'.repeat(1023)}\n`.repeat(256); // 256 KiB a write
    const writer = (async () => {
      while (writing) {
        await appendFile(busy, line);
        written += line.length;
        await sleep(2);
      }
    })();
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, slots.inUse)), 2);
    try {
      // Every quiet file is read, and read again when it grows, while the busy one keeps growing.
      await until('the quiet files read', () => quietRead.every((read, i) => read.text() === `${quiet[i]} first\n`), {
        timeoutMs: 15_000,
      });
      for (const path of quiet) await appendFile(path, `${path} second\n`);
      await until(
        'the quiet files read again',
        () => quietRead.every((read, i) => read.text() === `${quiet[i]} first\n${quiet[i]} second\n`),
        { timeoutMs: 15_000 },
      );
      expect(written).toBeGreaterThan(0);
    } finally {
      writing = false;
      await writer;
      clearInterval(watch);
    }
    stop.abort();
    await Promise.all([busyRead.ended, ...quietRead.map((read) => read.ended)]);
    expect(busyRead.text().length).toBe(written);
    expect(most).toBe(1);
    expect(slots.inUse).toBe(0);
  });

  it('finds a file renamed while its follower waited for a turn, reads it to its end, then the new one', async () => {
    const { read, notices } = await changedWhileWaiting(async (path) => {
      await rename(path, `${path}.1`);
      await appendFile(`${path}.1`, 'two\n');
      await writeFile(path, 'three\n');
    });
    await until('both files read', () => read.text() === 'one\ntwo\nthree\n', { timeoutMs: 10_000 });
    expect(notices.join('\n')).toMatch(/rotated \(renamed\); following the new file/);
  });

  it('says what it could not read of a file deleted while its follower waited for a turn', async () => {
    const { read, notices } = await changedWhileWaiting(async (path) => {
      await unlink(path);
      await writeFile(path, 'new\n');
    });
    await until('the new file read', () => read.text() === 'one\nnew\n', { timeoutMs: 10_000 });
    expect(notices.join('\n')).toMatch(/its old file is gone: what was written to it after byte 4 is not read/);
  });

  it('finishes a file whose path has been gone for endWhenGoneMs, and frees its slot', async () => {
    const slots = new FileSlots(2);
    const path = join(dir, 'app.log');
    await writeFile(path, 'one\n');
    const read = consume(followFile(path, { signal: stop.signal, pollMs: POLL_MS, slots, endWhenGoneMs: 300 }));
    await until('the first line', () => read.text() === 'one\n');
    await appendFile(path, 'two\n');
    await unlink(path);
    await read.ended;
    expect(read.text()).toBe('one\ntwo\n');
    expect(slots.inUse).toBe(0);
  });
});
