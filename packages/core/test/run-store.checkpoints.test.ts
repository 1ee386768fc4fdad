import { describe, expect, it } from 'vitest';
import type { SourceCheckpoint } from '../src/index.js';
import { PATTERNS, runStoreFixture } from './run-store-fixture.js';

/*
 * A followed source's checkpoint is written in the script that stores its chunks: it
 * only moves forward, and a store that did not take (its bytes vanished) leaves it.
 */

const fixture = runStoreFixture('t-checkpoints');

function checkpoint(seq: number): SourceCheckpoint {
  return {
    seq,
    byteOffset: seq * 10,
    line: seq + 1,
    file: { dev: '1', ino: '2', fingerprint: 'f', fingerprintLength: 1, offset: seq * 10 },
    last: { seq: seq - 1, byteOffset: (seq - 1) * 10, byteLength: 10, firstLine: seq, lineCount: 1 },
  };
}

describe('checkpoints', () => {
  it('are stored with their chunks, move only forward, and are read back by source', async () => {
    const { runId } = await fixture.store.createRun({ patterns: PATTERNS, sources: ['a.log', 'b.log'] });
    const store = (source: number, seq: number) =>
      fixture.store.storeChunks(
        runId,
        [{ source, chunk: { seq, byteOffset: seq * 10, byteLength: 10, lineCount: 1 }, parts: [Buffer.alloc(10, 10)] }],
        { checkpoint: { source, checkpoint: checkpoint(seq + 1) } },
      );
    expect(await store(0, 0)).toEqual(['recorded']);
    expect(await store(0, 1)).toEqual(['recorded']);
    expect(await store(1, 0)).toEqual(['recorded']);
    // The same chunk again (a reply lost): known, and the checkpoint stays where it is.
    expect(await store(0, 0)).toEqual(['duplicate']);
    const read = await fixture.store.checkpoints(runId);
    expect([...read.keys()].sort()).toEqual([0, 1]);
    expect(read.get(0)).toEqual(checkpoint(2));
    expect(read.get(1)).toEqual(checkpoint(1));
  });
});
