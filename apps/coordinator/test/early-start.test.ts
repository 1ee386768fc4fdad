import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CHUNK_SIZE } from '@logcluster/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_CHUNK, startsItsOwnRedis, threadsGiven, threadsToStart } from '../src/early-start.js';

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
    expect(threadsToStart(['analyze', '-'], 4)).toBe(4);
    expect(threadsToStart(['analyze', dir], 4)).toBe(4);
    expect(threadsToStart(['analyze', '-r', 'ERROR'], 4)).toBe(4);
    expect(threadsToStart(['analyze', '-R', 'ERROR'], 4)).toBe(4);
    // No file named (a typo, or no path: the command then refuses the line).
    expect(threadsToStart(['analyze', join(dir, 'no-such.log')], 4)).toBe(1);
    expect(threadsToStart(['analyze'], 4)).toBe(1);
  });

  it('reads --threads as the command does, so that a value it refuses starts nothing', () => {
    expect(threadsGiven(['analyze', '--threads', '3', 'app.log'])).toBe(3);
    expect(threadsGiven(['analyze', '--threads=3', 'app.log'])).toBe(3);
    expect(threadsGiven(['analyze', 'app.log'])).toBeUndefined();
    // Number() reads these; the command refuses them (core's parsePositiveInt).
    for (const refused of ['2e2', '0x40', '+3', '1.5', '0', '-2', '', '99999999999999999999'])
      expect(threadsGiven(['analyze', '--threads', refused, 'app.log']), refused).toBeUndefined();
  });

  it('takes one chunk to be the default chunk size', () => {
    expect(ONE_CHUNK).toBe(DEFAULT_CHUNK_SIZE);
  });
});
