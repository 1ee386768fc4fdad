import { mkdtemp, open, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunkIntegrityError, TaskTimeoutError } from '@logcluster/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CountPool } from '../src/count-pool.js';

const ERROR = [{ pattern: 'ERROR', regex: false, ignoreCase: false }];
const pool = new CountPool({ threads: 2, taskTimeoutMs: 1_000 });
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-pool-'));
});

afterAll(async () => {
  await pool.close();
  await rm(dir, { recursive: true, force: true });
});

describe('CountPool', () => {
  it('counts on a worker thread, moving owned bytes without a copy', async () => {
    const bytes = Buffer.from(new TextEncoder().encode('ERROR a\nok\nERROR ERROR\n').buffer);
    expect(bytes.byteOffset).toBe(0);
    const counts = await pool.count(bytes, 3, ERROR);
    expect(counts).toEqual({ bytes: 23, lines: 3, matches: [{ lines: 2, occurrences: 3 }] });
    // Transferred: the main thread's view is detached.
    expect(bytes.buffer.byteLength).toBe(0);
  });

  it('copies bytes that share their memory, leaving the original intact', async () => {
    const backing = Buffer.from('xxxxERROR\nyyyy');
    const view = backing.subarray(4, 10);
    const counts = await pool.count(view, 1, ERROR);
    expect(counts.matches[0]).toEqual({ lines: 1, occurrences: 1 });
    expect(backing.toString()).toBe('xxxxERROR\nyyyy');
  });

  it('reads a range of a file itself, counts its lines, and refuses a range that no longer starts or ends a line', async () => {
    const path = join(dir, 'ranges.log');
    const text = 'first\nERROR second\r\nthird ERROR\nlast without newline';
    await writeFile(path, text);
    const handle = await open(path, 'r');
    try {
      const size = text.length;
      const start = text.indexOf('ERROR second');
      const end = text.indexOf('last');
      expect(await pool.countFile(handle.fd, start, end - start, size, ERROR)).toEqual({
        bytes: end - start,
        lines: 2,
        matches: [{ lines: 2, occurrences: 2 }],
      });
      expect((await pool.countFile(handle.fd, end, size - end, size, ERROR)).lines).toBe(1);
      await expect(pool.countFile(handle.fd, start + 1, end - start - 1, size, ERROR)).rejects.toThrow(
        ChunkIntegrityError,
      );
      await expect(pool.countFile(handle.fd, start, 5, size, ERROR)).rejects.toThrow(/no longer ends a line/);
      await expect(pool.countFile(handle.fd, end, size - end + 10, size + 10, ERROR)).rejects.toThrow(
        /file ends before/,
      );
    } finally {
      await handle.close();
    }
  });

  it('counts several small files in one task, each opened and closed by the thread, and says what became of each', async () => {
    const good = join(dir, 'good.log');
    const ranged = join(dir, 'ranged.log');
    const link = join(dir, 'link.log');
    await writeFile(good, 'ERROR one\nok\n');
    await writeFile(ranged, 'ok\nERROR two ERROR\nlast');
    await symlink(good, link);
    const outcomes = await pool.countFiles(
      [
        { path: good, noFollow: true, offset: 0, lengths: [13] },
        { path: ranged, noFollow: false, offset: 0, lengths: [3, 20] },
        { path: join(dir, 'gone.log'), noFollow: false, offset: 0, lengths: [5] },
        { path: dir, noFollow: false, offset: 0, lengths: [5] },
        // A symlink put where a real path was: refused with O_NOFOLLOW.
        { path: link, noFollow: true, offset: 0, lengths: [13] },
        { path: ranged, noFollow: false, offset: 1, lengths: [5] },
      ],
      ERROR,
    );
    expect(outcomes[0]).toEqual({ counts: [{ bytes: 13, lines: 2, matches: [{ lines: 1, occurrences: 1 }] }] });
    expect(outcomes[1]).toEqual({
      counts: [
        { bytes: 3, lines: 1, matches: [{ lines: 0, occurrences: 0 }] },
        { bytes: 20, lines: 2, matches: [{ lines: 1, occurrences: 2 }] },
      ],
    });
    expect(outcomes[2]).toEqual({ unreadable: expect.stringMatching(/gone\.log cannot be opened.*ENOENT/) as unknown });
    expect(outcomes[3]).toEqual({ notRegular: expect.stringMatching(/not a regular file/) as unknown });
    expect(outcomes[4]).toEqual({ unreadable: expect.stringMatching(/link\.log cannot be opened.*ELOOP/) as unknown });
    expect(outcomes[5]).toEqual({ misaligned: expect.stringMatching(/no longer starts a line/) as unknown });
    // The thread closed every file it opened.
    const open = await readdir(`/proc/${process.pid}/fd`).then((fds) => fds.length);
    await pool.countFiles([{ path: good, noFollow: true, offset: 0, lengths: [13] }], ERROR);
    expect(await readdir(`/proc/${process.pid}/fd`).then((fds) => fds.length)).toBe(open);
  });

  it('aborts a catastrophic regex at the task timeout, and the pool goes on counting', async () => {
    const evil = Buffer.from(`${'x'.repeat(40)}\n`);
    const started = Date.now();
    // (x+x+)+y alone runs in linear time as a line automaton; with a lookahead, which the
    // automaton leaves to V8, it backtracks through 2^40 ways of splitting the x's.
    await expect(pool.count(evil, 1, [{ pattern: '(x+x+)+(?=y)', regex: true, ignoreCase: false }])).rejects.toThrow(
      TaskTimeoutError,
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    const after = await pool.count(Buffer.from('ERROR\n'), 1, ERROR);
    expect(after.matches[0]).toEqual({ lines: 1, occurrences: 1 });
  });
});
