/** Where one chunk lies in its source. Lines are NaN for a chunk read from shared storage: workers count them. */
export interface ChunkPlace {
  seq: number;
  byteOffset: number;
  byteLength: number;
  firstLine: number;
  lineCount: number;
}

const FIELDS = 6;

/**
 * What the coordinator enqueued, per source, 48 bytes a chunk: where each chunk lies and
 * which job carries it; enough to find the chunks a Redis restart lost and to enqueue
 * them again, or report their line ranges.
 */
export class EnqueuedChunks {
  private readonly sources: { data: Float64Array; count: number }[] = [];

  add(source: number, place: ChunkPlace): void {
    const list = (this.sources[source] ??= { data: new Float64Array(FIELDS * 64), count: 0 });
    if (place.seq !== list.count)
      throw new Error(`chunk ${source}.${place.seq} recorded out of order (expected ${list.count})`);
    if ((list.count + 1) * FIELDS > list.data.length) {
      const grown = new Float64Array(list.data.length * 2);
      grown.set(list.data);
      list.data = grown;
    }
    list.data.set(
      [place.byteOffset, place.byteLength, place.firstLine, place.lineCount, place.seq, place.seq],
      list.count * FIELDS,
    );
    list.count++;
  }

  /** Records that chunks `first`…`last` of a source travel in one job. */
  setJob(source: number, first: number, last: number): void {
    const list = this.sources[source]!;
    for (let seq = first; seq <= last; seq++) list.data.set([first, last], seq * FIELDS + 4);
  }

  /** The first and last chunk of the job that carries a chunk. */
  jobOf(source: number, seq: number): { first: number; last: number } {
    const at = seq * FIELDS + 4;
    const data = this.sources[source]!.data;
    return { first: data[at]!, last: data[at + 1]! };
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
