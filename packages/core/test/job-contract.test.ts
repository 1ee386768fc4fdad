import { describe, expect, it } from 'vitest';
import { type ChunkJobData, InvalidJobError, chunkJobId, parseChunkJob } from '../src/index.js';

const valid: ChunkJobData = {
  v: 1,
  runId: 'r-mwxte6gj-c5c30207',
  source: 0,
  seq: 3,
  byteOffset: 4096,
  byteLength: 1024,
  firstLine: 101,
  lineCount: 20,
  patterns: [{ pattern: 'ERROR', regex: false, ignoreCase: false }],
};

describe('parseChunkJob', () => {
  it('accepts job data that keeps the contract', () => {
    expect(parseChunkJob(JSON.parse(JSON.stringify(valid)))).toEqual(valid);
  });

  it.each([
    ['not an object', 'junk'],
    ['a missing field', { ...valid, seq: undefined }],
    ['a negative offset', { ...valid, byteOffset: -1 }],
    ['a line number of 0', { ...valid, firstLine: 0 }],
    ['an unknown version', { ...valid, v: 2 }],
    ['a bad run id', { ...valid, runId: 'x:y' }],
    ['no patterns', { ...valid, patterns: [] }],
    ['chunk bytes inlined', { ...valid, bytes: [1, 2, 3] }],
  ])('rejects %s, saying what is wrong', (_, data) => {
    expect(() => parseChunkJob(data)).toThrow(InvalidJobError);
  });

  it('names the field at fault', () => {
    expect(() => parseChunkJob({ ...valid, lineCount: 'many' })).toThrow(/lineCount/);
  });

  it('gives each chunk one job id, without colons (BullMQ refuses them)', () => {
    expect(chunkJobId(valid)).toBe('r-mwxte6gj-c5c30207.0.3');
  });
});
