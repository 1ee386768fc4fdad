import { describe, expect, it } from 'vitest';
import { type ProgressFigures, RateMeter, formatProgressBar } from '../src/progress-bar.js';

const MiB = 1024 * 1024;

/** A quarter of 200 MiB counted at 10 MiB/s: 15 s to go. */
const quarter: ProgressFigures = {
  runId: 'r-abc',
  bytesDone: 50 * MiB,
  bytesTotal: 200 * MiB,
  bytesPerSecond: 10 * MiB,
  chunksSettled: 12,
  chunks: 50,
  chunksDeadLettered: 0,
};

describe('formatProgressBar', () => {
  it('shows bar, percent, bytes, rate, ETA, chunks and run id when they fit, the bar taking the room left', () => {
    expect(formatProgressBar(quarter, 100)).toBe(
      `[====>${' '.repeat(11)}]   25%  50.0 MiB/200 MiB  10.0 MiB/s  ETA 15s  12/50 chunks  run r-abc`,
    );
  });

  it('keeps the bar as wide while figures change and the rate and ETA appear: parts are fitted by the most room they can take', () => {
    const early = formatProgressBar({ ...quarter, bytesDone: 0, bytesPerSecond: null, chunksSettled: 0 }, 100);
    expect(early).toBe(`[>${' '.repeat(15)}]    0%  0 B/200 MiB  ETA --  0/50 chunks  run r-abc`);
    expect(early.indexOf(']')).toBe(formatProgressBar(quarter, 100).indexOf(']'));
  });

  it('drops the least important parts whole as the width shrinks: run id, chunks, rate, bytes, ETA, then the bar', () => {
    expect(formatProgressBar(quarter, 60)).toBe(`[=====>${' '.repeat(15)}]   25%  50.0 MiB/200 MiB  ETA 15s`);
    expect(formatProgressBar(quarter, 40)).toBe(`[=====>${' '.repeat(14)}]   25%  ETA 15s`);
    expect(formatProgressBar(quarter, 20)).toBe(`[===>${' '.repeat(8)}]   25%`);
    expect(formatProgressBar(quarter, 10)).toBe(' 25%');
    expect(formatProgressBar(quarter, 3)).toBe('');
    for (let width = 0; width <= 120; width++)
      expect(formatProgressBar(quarter, width).length, `width ${width}`).toBeLessThanOrEqual(width);
  });

  it('does not grow the bar past 40 columns inside its brackets', () => {
    const line = formatProgressBar(quarter, 200);
    expect(line).toBe(
      `[${'='.repeat(10)}>${' '.repeat(29)}]   25%  50.0 MiB/200 MiB  10.0 MiB/s  ETA 15s  12/50 chunks  run r-abc`,
    );
  });

  it('without a known size (standard input, gzip): bytes counted, no bar, percent or ETA', () => {
    const unknown: ProgressFigures = {
      ...quarter,
      bytesDone: 3.5 * MiB,
      bytesTotal: null,
      bytesPerSecond: null,
      chunksSettled: 3,
      chunks: 4,
      chunksDeadLettered: 1,
    };
    expect(formatProgressBar(unknown, 80)).toBe('3.5 MiB  3/4 chunks, 1 dead-lettered  run r-abc');
    expect(formatProgressBar({ ...unknown, bytesPerSecond: 2 * MiB }, 80)).toBe(
      '3.5 MiB  2.0 MiB/s  3/4 chunks, 1 dead-lettered  run r-abc',
    );
    expect(formatProgressBar(unknown, 30)).toBe('3.5 MiB');
  });

  it('at the start and at the end', () => {
    const start = { ...quarter, bytesDone: 0, bytesPerSecond: 0, chunksSettled: 0 };
    // Nothing moves (no worker yet): no ETA.
    expect(formatProgressBar(start, 50)).toBe(`[>${' '.repeat(10)}]    0%  0 B/200 MiB  ETA --`);
    expect(formatProgressBar(start, 80)).toBe(`[>${' '.repeat(28)}]    0%  0 B/200 MiB  0 B/s  ETA --`);
    const done = { ...quarter, bytesDone: 200 * MiB, chunksSettled: 50 };
    expect(formatProgressBar(done, 50)).toBe(`[${'='.repeat(11)}]  100%  200 MiB/200 MiB`);
    // Nothing to read at all (empty files): done.
    expect(formatProgressBar({ ...start, bytesTotal: 0, chunks: 0 }, 30)).toBe(`[${'='.repeat(10)}]  100%`);
  });

  it('puts ETAs in seconds, minutes or hours', () => {
    const eta = (seconds: number) =>
      formatProgressBar({ ...quarter, bytesDone: 0, bytesTotal: seconds * MiB, bytesPerSecond: MiB }, 200).match(
        /ETA \S+/,
      )?.[0];
    expect(eta(9)).toBe('ETA 9s');
    expect(eta(125)).toBe('ETA 2m05s');
    expect(eta(3725)).toBe('ETA 1h02m');
    expect(eta(200 * 3600)).toBe('ETA >99h');
  });
});

describe('RateMeter', () => {
  it('gives bytes per second over the last 5 s, once it has seen a second', () => {
    const meter = new RateMeter(0);
    expect(meter.add(500, 1 * MiB)).toBeNull();
    expect(meter.add(1_000, 2 * MiB)).toBe(2 * MiB);
    expect(meter.add(4_000, 8 * MiB)).toBe(2 * MiB);
    // From the last sample at or before 5 s ago: 1 s to 6 s, then 6 s to 11 s.
    expect(meter.add(6_000, 8 * MiB)).toBe(1.2 * MiB);
    expect(meter.add(11_000, 8 * MiB)).toBe(0);
  });
});
