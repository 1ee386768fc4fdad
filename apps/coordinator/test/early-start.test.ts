import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CHUNK_SIZE } from '@logcluster/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_CHUNK, startsItsOwnRedis, threadsToStart } from '../src/early-start.js';

/*
 * What the `logcluster` command starts before it loads the bundle, read off the command
 * line alone. That a run takes them over, and that what it does not take leaves nothing
 * behind, is tested end to end (analyze.cleanup.test.ts, and every test that runs the CLI).
 */

let dir: string;
let small: string;
let large: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-early-'));
  small = join(dir, 'small.log');
  large = join(dir, 'large.log');
  await writeFile(small, 'ERROR one\n'.repeat(1_000));
  await writeFile(large, Buffer.alloc(ONE_CHUNK + 1, 'a'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the start before the bundle loads', () => {
  it('is for an analyze that starts its own Redis only', () => {
    expect(startsItsOwnRedis(['analyze', 'app.log'], {})).toBe(true);
    expect(startsItsOwnRedis(['--debug', 'analyze', '-p', 'ERROR', 'app.log'], {})).toBe(true);
    expect(startsItsOwnRedis(['analyze', '--redis', 'redis://h:6379', 'app.log'], {})).toBe(false);
    expect(startsItsOwnRedis(['analyze', '--redis=redis://h:6379', 'app.log'], {})).toBe(false);
    expect(startsItsOwnRedis(['analyze', 'app.log'], { REDIS_URL: 'redis://h:6379' })).toBe(false);
    expect(startsItsOwnRedis(['analyze', '--help'], {})).toBe(false);
    expect(startsItsOwnRedis(['analyze', '-h'], {})).toBe(false);
    expect(startsItsOwnRedis(['submit', 'app.log'], {})).toBe(false);
    expect(startsItsOwnRedis(['worker'], {})).toBe(false);
    expect(startsItsOwnRedis(['--version'], {})).toBe(false);
    expect(startsItsOwnRedis([], {})).toBe(false);
  });

  it('starts one counting thread for files that make one chunk, all of them otherwise', () => {
    expect(threadsToStart(['analyze', small], 4)).toBe(1);
    // Words that name no file are patterns or option values.
    expect(threadsToStart(['analyze', '-p', 'ERROR', '--threads', '4', small], 4)).toBe(1);
    expect(threadsToStart(['analyze', large], 4)).toBe(4);
    expect(threadsToStart(['analyze', small, large], 4)).toBe(4);
    // Standard input, a directory, -r: any size.
    expect(threadsToStart(['analyze'], 4)).toBe(4);
    expect(threadsToStart(['analyze', '-'], 4)).toBe(4);
    expect(threadsToStart(['analyze', dir], 4)).toBe(4);
    expect(threadsToStart(['analyze', '-r', 'ERROR'], 4)).toBe(4);
  });

  it('takes one chunk to be the default chunk size', () => {
    expect(ONE_CHUNK).toBe(DEFAULT_CHUNK_SIZE);
  });
});
