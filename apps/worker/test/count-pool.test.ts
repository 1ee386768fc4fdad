import { TaskTimeoutError } from '@logcluster/core';
import { afterAll, describe, expect, it } from 'vitest';
import { CountPool } from '../src/count-pool.js';

const pool = new CountPool({ threads: 2, taskTimeoutMs: 1_000 });
afterAll(() => pool.close());

describe('CountPool', () => {
  it('counts on a worker thread, moving owned bytes without a copy', async () => {
    const bytes = Buffer.from(new TextEncoder().encode('ERROR a\nok\nERROR ERROR\n').buffer);
    expect(bytes.byteOffset).toBe(0);
    const counts = await pool.count(bytes, [{ pattern: 'ERROR', regex: false, ignoreCase: false }]);
    expect(counts).toEqual({ bytes: 23, lines: 3, matches: [{ lines: 2, occurrences: 3 }] });
    // Transferred: the main thread's view is detached.
    expect(bytes.buffer.byteLength).toBe(0);
  });

  it('copies bytes that share their memory, leaving the original intact', async () => {
    const backing = Buffer.from('xxxxERROR\nyyyy');
    const view = backing.subarray(4, 10);
    const counts = await pool.count(view, [{ pattern: 'ERROR', regex: false, ignoreCase: false }]);
    expect(counts.matches[0]).toEqual({ lines: 1, occurrences: 1 });
    expect(backing.toString()).toBe('xxxxERROR\nyyyy');
  });

  it('aborts a catastrophic regex at the task timeout, and the pool goes on counting', async () => {
    const evil = Buffer.from(`${'x'.repeat(40)}\n`);
    const started = Date.now();
    await expect(pool.count(evil, [{ pattern: '(x+x+)+y', regex: true, ignoreCase: false }])).rejects.toThrow(TaskTimeoutError);
    expect(Date.now() - started).toBeLessThan(20_000);
    const after = await pool.count(Buffer.from('ERROR\n'), [{ pattern: 'ERROR', regex: false, ignoreCase: false }]);
    expect(after.matches[0]).toEqual({ lines: 1, occurrences: 1 });
  });
});
