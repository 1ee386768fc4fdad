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
  /** Per source: its chunks from number `first` on (before it, another coordinator enqueued them). */
  private readonly sources: { data: Float64Array; count: number; first: number }[] = [];

  /** The source's chunks before `seq` were enqueued by a coordinator before this one (a followed run taken up again). */
  startAt(source: number, seq: number): void {
    if (this.sources[source]) throw new Error(`source ${source} has chunks already`);
    this.sources[source] = { data: new Float64Array(FIELDS), count: 0, first: seq };
  }

  /** The first chunk of the source this coordinator enqueued (0 unless `startAt` said otherwise). */
  firstSeq(source: number): number {
    return this.sources[source]?.first ?? 0;
  }

  add(source: number, place: ChunkPlace): void {
    // Room for one chunk at first, doubled as needed: a run of many small files has one chunk a source.
    const list = (this.sources[source] ??= { data: new Float64Array(FIELDS), count: 0, first: 0 });
    if (place.seq !== list.first + list.count)
      throw new Error(`chunk ${source}.${place.seq} recorded out of order (expected ${list.first + list.count})`);
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
    for (const { source, seq } of chunks) {
      const list = this.sources[source]!;
      list.data.set([first.source, first.seq, last.source, last.seq], (seq - list.first) * FIELDS + JOB_AT);
    }
  }

  /** The first and last chunk of the job that carries a chunk. */
  jobOf(source: number, seq: number): { first: ChunkRef; last: ChunkRef } {
    const list = this.sources[source]!;
    const at = (seq - list.first) * FIELDS + JOB_AT;
    const data = list.data;
    return { first: { source: data[at]!, seq: data[at + 1]! }, last: { source: data[at + 2]!, seq: data[at + 3]! } };
  }

  /** Chunks enqueued, over all sources (by coordinators before this one too). */
  get total(): number {
    return this.sources.reduce((sum, list) => sum + list.first + list.count, 0);
  }

  /** Chunks of the source enqueued (by coordinators before this one too): the next chunk's number. */
  count(source: number): number {
    const list = this.sources[source];
    return list ? list.first + list.count : 0;
  }

  get sourceCount(): number {
    return this.sources.length;
  }

  place(source: number, seq: number): ChunkPlace {
    const list = this.sources[source];
    if (!list || seq < list.first || seq >= list.first + list.count)
      throw new Error(`chunk ${source}.${seq} was not enqueued (by this coordinator)`);
    const at = (seq - list.first) * FIELDS;
    return {
      seq,
      byteOffset: list.data[at]!,
      byteLength: list.data[at + 1]!,
      firstLine: list.data[at + 2]!,
      lineCount: list.data[at + 3]!,
    };
  }
}
