import { type ChunkPack, packOf } from '../contract/job.js';
import { type StoredChunkRef, packKey } from './chunk-records.js';
import type { RunStoreContext } from './run-store-context.js';

/*
 * Reading stored chunks' bytes out of their packs: a whole pack in one read when a
 * worker asks for all its chunks in order, any other chunk as its range of the pack.
 */

/** A stored chunk's bytes, or null if Redis has none. */
export async function readChunk({ redis, keys }: RunStoreContext, job: StoredChunkRef): Promise<Buffer | null> {
  const pack = packOf(job);
  const key = packKey(keys, job);
  if (pack.first === pack.last) return redis.getBuffer(key);
  const bytes = await redis.getrangeBuffer(key, pack.offset, pack.offset + job.byteLength - 1);
  return bytes.length === 0 ? null : bytes;
}

/**
 * Reads the bytes of several stored chunks, each into its target: see
 * `RunStore.readChunksInto`.
 */
export async function readChunksInto(
  { keys, bytes }: RunStoreContext,
  reads: readonly { job: StoredChunkRef; target: Uint8Array }[],
): Promise<(number | null)[]> {
  const plan: { key: string; target: Uint8Array; start?: number; chunks: number[] }[] = [];
  for (let i = 0; i < reads.length;) {
    const { job } = reads[i]!;
    const pack = packOf(job);
    const members = pack.last - pack.first + 1;
    const whole = i + members <= reads.length ? spanOf(reads.slice(i, i + members), job, pack) : null;
    if (whole) {
      plan.push({ key: packKey(keys, job), target: whole, chunks: Array.from({ length: members }, (_, k) => i + k) });
      i += members;
    } else if (job.byteLength === 0) {
      // Nothing to read (a range of no bytes would be taken for the whole value).
      i++;
    } else {
      const start = members > 1 ? { start: pack.offset } : {};
      plan.push({ key: packKey(keys, job), target: reads[i]!.target, ...start, chunks: [i] });
      i++;
    }
  }
  const lengths = await bytes.readInto(plan);
  const results: (number | null)[] = reads.map(({ job }) => (job.byteLength === 0 ? 0 : null));
  plan.forEach(({ target, start, chunks }, at) => {
    const found = lengthFound(lengths[at] ?? null, start !== undefined);
    if (chunks.length === 1) {
      results[chunks[0]!] = found;
      return;
    }
    // A whole pack of the wrong length says nothing of each chunk: each is read again on its own.
    for (const i of chunks) {
      results[i] = found === null ? null : found === target.length ? reads[i]!.job.byteLength : Number.NaN;
    }
  });
  const misfits = reads.flatMap((read, i) => (Number.isNaN(results[i]) ? [{ ...read, i }] : []));
  if (misfits.length > 0) {
    const again = await bytes.readInto(
      misfits.map(({ job, target }) => ({ key: packKey(keys, job), target, start: packOf(job).offset })),
    );
    misfits.forEach(({ i }, at) => (results[i] = lengthFound(again[at] ?? null, true)));
  }
  return results;
}

/**
 * The one buffer that `reads` (the chunks of `job`'s pack, if these are they, in order)
 * fill end to end, or null: they are not the whole pack, or their targets are not
 * consecutive parts of one buffer.
 */
function spanOf(
  reads: readonly { job: StoredChunkRef; target: Uint8Array }[],
  job: StoredChunkRef,
  pack: ChunkPack,
): Uint8Array | null {
  if (pack.offset !== 0 || job.seq !== pack.first) return null;
  let end = reads[0]!.target.byteOffset;
  for (const [k, read] of reads.entries()) {
    const { target } = read;
    const its = packOf(read.job);
    const { seq, source, runId } = read.job;
    if (seq !== pack.first + k || source !== job.source || runId !== job.runId) return null;
    if (its.first !== pack.first || its.last !== pack.last) return null;
    if (its.offset !== target.byteOffset - reads[0]!.target.byteOffset) return null;
    if (target.buffer !== reads[0]!.target.buffer || target.byteOffset !== end) return null;
    if (target.length !== read.job.byteLength) return null;
    end += target.length;
  }
  const first = reads[0]!.target;
  return new Uint8Array(first.buffer, first.byteOffset, end - first.byteOffset);
}

/**
 * A read's length, null if the bytes are gone: a range of a missing key comes back empty,
 * and a chunk read as a range is never empty.
 */
function lengthFound(length: number | null, range: boolean): number | null {
  return range && length === 0 ? null : length;
}
