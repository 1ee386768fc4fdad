import { describe, expect, it } from 'vitest';
import {
  type ChunkJobData,
  InvalidJobError,
  type StoredChunkJob,
  chunkJobId,
  packOf,
  packed,
  parseChunkBatch,
  parseChunkJob,
  batchJobData,
} from '../src/index.js';

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
    ['a pack that does not hold the chunk', { ...valid, pack: { first: 4, last: 6, offset: 0 } }],
    ['a pack offset past the chunk', { ...valid, pack: { first: 0, last: 6, offset: 5000 } }],
    ['a pack with an unknown field', { ...valid, pack: { first: 0, last: 6, offset: 0, key: 'k' } }],
    ['a pack of more chunks than a job carries', { ...valid, pack: { first: 0, last: 64, offset: 0 } }],
  ])('rejects %s, saying what is wrong', (_, data) => {
    expect(() => parseChunkJob(data)).toThrow(InvalidJobError);
  });

  it('names the field at fault', () => {
    expect(() => parseChunkJob({ ...valid, lineCount: 'many' })).toThrow(/lineCount/);
  });

  it("carries grep's -w, -x and -v, and `any` for several patterns, through a job's data", () => {
    const several: ChunkJobData = {
      ...valid,
      patterns: [
        { pattern: 'ERROR', regex: false, ignoreCase: true, wholeWord: true, invert: true },
        { pattern: 'WARN', regex: false, ignoreCase: true, wholeWord: true, invert: true },
      ],
      any: true,
    };
    const batch = JSON.parse(JSON.stringify(batchJobData([several]))) as unknown;
    expect(batch).toMatchObject({ any: true });
    expect(parseChunkBatch(batch)).toEqual([several]);
    expect(() =>
      parseChunkJob({
        ...several,
        patterns: [{ pattern: 'ERROR', regex: false, ignoreCase: false, wholeWord: 'yes' }],
      }),
    ).toThrow(/patterns\.0\.wholeWord/);
  });

  it('gives each chunk one job id, without colons (BullMQ refuses them)', () => {
    expect(chunkJobId(valid)).toBe('r-mwxte6gj-c5c30207.0.3');
  });
});

describe('packs: the chunks of a job stored together', () => {
  const chunk = (seq: number, byteOffset: number, byteLength: number): StoredChunkJob => ({
    ...valid,
    seq,
    byteOffset,
    byteLength,
  });

  it("gives each of a job's chunks its pack, where its bytes lie in it; a lone chunk is its own pack, named by no field", () => {
    const jobs = packed([chunk(3, 4096, 100), chunk(4, 4196, 50), chunk(5, 4246, 7)]);
    expect(jobs.map((job) => job.pack)).toEqual([
      { first: 3, last: 5, offset: 0 },
      { first: 3, last: 5, offset: 100 },
      { first: 3, last: 5, offset: 150 },
    ]);
    expect(parseChunkBatch(JSON.parse(JSON.stringify(batchJobData(jobs))))).toEqual(jobs);
    const [alone] = packed([chunk(3, 4096, 100)]);
    expect(alone).not.toHaveProperty('pack');
    expect(packOf(alone!)).toEqual({ first: 3, last: 3, offset: 0 });
  });

  it('refuses chunks that are not consecutive, end to end, of one source', () => {
    expect(() => packed([chunk(3, 4096, 100), chunk(5, 4196, 50)])).toThrow(/not consecutive/);
    expect(() => packed([chunk(3, 4096, 100), chunk(4, 4197, 50)])).toThrow(/not consecutive/);
    expect(() => packed([chunk(3, 4096, 100), { ...chunk(4, 4196, 50), source: 1 }])).toThrow(/not consecutive/);
  });
});
