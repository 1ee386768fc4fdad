/** Where one chunk lies in its source. Lines are NaN for a chunk read from shared storage: workers count them. */
export interface ChunkPlace {
  seq: number;
  byteOffset: number;
  byteLength: number;
  firstLine: number;
  lineCount: number;
}

/** A chunk by its source and its number in it. */
export interface ChunkRef {
  source: number;
  seq: number;
}

/** Per chunk: byte offset, byte length, first line, line count, and its job's first and last chunk (source, seq each). */
const FIELDS = 8;
const JOB_AT = 4;

/**
 * What the coordinator enqueued, per source, 64 bytes a chunk: where each chunk lies and
 * which job carries it (a job's chunks are consecutive, in one source or, for files
 * workers read themselves, over several); enough to find the chunks a Redis restart lost
 * and to enqueue them again, or report their line ranges.
 */
export class EnqueuedChunks {
  private readonly sources: { data: Float64Array; count: number }[] = [];

  add(source: number, place: ChunkPlace): void {
    // Room for one chunk at first, doubled as needed: a run of many small files has one chunk a source.
    const list = (this.sources[source] ??= { data: new Float64Array(FIELDS), count: 0 });
    if (place.seq !== list.count)
      throw new Error(`chunk ${source}.${place.seq} recorded out of order (expected ${list.count})`);
    if ((list.count + 1) * FIELDS > list.data.length) {
      const grown = new Float64Array(list.data.length * 2);
      grown.set(list.data);
      list.data = grown;
    }
    list.data.set(
      [place.byteOffset, place.byteLength, place.firstLine, place.lineCount, source, place.seq, source, place.seq],
      list.count * FIELDS,
    );
    list.count++;
  }

  /** Records that these chunks, in the order enqueued, travel in one job. */
  setJob(chunks: readonly ChunkRef[]): void {
    const first = chunks[0]!;
    const last = chunks[chunks.length - 1]!;
    for (const { source, seq } of chunks)
      this.sources[source]!.data.set([first.source, first.seq, last.source, last.seq], seq * FIELDS + JOB_AT);
  }

  /** The first and last chunk of the job that carries a chunk. */
  jobOf(source: number, seq: number): { first: ChunkRef; last: ChunkRef } {
    const at = seq * FIELDS + JOB_AT;
    const data = this.sources[source]!.data;
    return { first: { source: data[at]!, seq: data[at + 1]! }, last: { source: data[at + 2]!, seq: data[at + 3]! } };
  }

  /** Chunks enqueued, over all sources. */
  get total(): number {
    return this.sources.reduce((sum, list) => sum + list.count, 0);
  }

  count(source: number): number {
    return this.sources[source]?.count ?? 0;
  }

  get sourceCount(): number {
    return this.sources.length;
  }

  place(source: number, seq: number): ChunkPlace {
    const list = this.sources[source];
    if (!list || seq >= list.count) throw new Error(`chunk ${source}.${seq} was not enqueued`);
    const at = seq * FIELDS;
    return {
      seq,
      byteOffset: list.data[at]!,
      byteLength: list.data[at + 1]!,
      firstLine: list.data[at + 2]!,
      lineCount: list.data[at + 3]!,
    };
  }
}
