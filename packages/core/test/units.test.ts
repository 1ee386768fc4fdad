import { describe, expect, it } from 'vitest';
import { UsageError, formatBytes, parseDuration, parsePositiveInt, parseSize } from '../src/index.js';

describe('parseSize', () => {
  it('reads bytes with binary and decimal units', () => {
    expect(parseSize('4096', '--x')).toBe(4096);
    expect(parseSize('512KiB', '--x')).toBe(512 * 1024);
    expect(parseSize('4MiB', '--x')).toBe(4 * 1024 * 1024);
    expect(parseSize('1.5GiB', '--x')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('10MB', '--x')).toBe(10_000_000);
    expect(parseSize('64k', '--x')).toBe(65536);
  });

  it('names the option when the value is wrong', () => {
    expect(() => parseSize('big', '--chunk-size')).toThrow(UsageError);
    expect(() => parseSize('big', '--chunk-size')).toThrow(/--chunk-size/);
    expect(() => parseSize('0', '--chunk-size')).toThrow(/positive/);
    expect(() => parseSize('3 parsecs', '--chunk-size')).toThrow(UsageError);
  });
});

describe('parsePositiveInt', () => {
  it('accepts integers in range and refuses the rest', () => {
    expect(parsePositiveInt('3', '--attempts')).toBe(3);
    expect(parsePositiveInt('0', '--backoff', { min: 0 })).toBe(0);
    expect(() => parsePositiveInt('0', '--attempts')).toThrow(/--attempts must be an integer ≥ 1/);
    expect(() => parsePositiveInt('2.5', '--attempts')).toThrow(UsageError);
    expect(() => parsePositiveInt('-1', '--attempts')).toThrow(UsageError);
  });
});

describe('parseDuration', () => {
  it('reads durations with units', () => {
    expect(parseDuration('250ms', '--x')).toBe(250);
    expect(parseDuration('30s', '--x')).toBe(30_000);
    expect(parseDuration('1.5m', '--x')).toBe(90_000);
    expect(parseDuration('12h', '--x')).toBe(43_200_000);
    expect(parseDuration('7d', '--x')).toBe(604_800_000);
  });

  it('reads a bare number as ms, unless a unit is required', () => {
    expect(parseDuration('60000', '--dead-letter-retention')).toBe(60_000);
    expect(() => parseDuration('1', '--window', { unitRequired: true })).toThrow(UsageError);
    expect(() => parseDuration('1', '--window', { unitRequired: true })).toThrow(
      '--window needs a unit: "1" is 1 of what? Write 1s, 1m or 1h (units: ms, s, m, h, d)',
    );
    expect(parseDuration('1m', '--window', { unitRequired: true })).toBe(60_000);
    expect(parseDuration('500ms', '--window', { unitRequired: true })).toBe(500);
    expect(parseDuration('1.5h', '--wait-timeout', { unitRequired: true })).toBe(5_400_000);
    expect(() => parseDuration('30', '--wait-timeout', { unitRequired: true })).toThrow(
      '--wait-timeout needs a unit: "30" is 30 of what? Write 30s, 30m or 30h (units: ms, s, m, h, d)',
    );
  });

  it('names the option when the value is wrong', () => {
    expect(() => parseDuration('soon', '--window')).toThrow(
      '--window must be a duration such as 500ms, 30s, 1m, 12h or 7d (got "soon")',
    );
    expect(() => parseDuration('0s', '--window')).toThrow(UsageError);
    expect(() => parseDuration('soon', '--wait-timeout', { unitRequired: true })).toThrow(
      '--wait-timeout must be a duration with a unit, such as 30s, 10m or 1h (got "soon")',
    );
    expect(() => parseDuration('0s', '--x', { unitRequired: true })).toThrow(UsageError);
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(10)).toBe('10 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(1024 * 1024 * 300)).toBe('300 MiB');
  });
});
