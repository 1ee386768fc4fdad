/**
 * Where each chunk of a source starts (its first line), worked out from the line counts
 * of the chunks before it: those a worker counted (the chunk-lines hash, for chunks read
 * from shared storage) or, for a dead-lettered chunk, what its dead-letter range says.
 * null while any chunk before it has no known count (not counted yet, or unreadable).
 * Each source is walked once, however many chunks are asked about.
 */
export function chunkStarts(
  chunkLines: Record<string, string>,
  deadLines: (source: number, seq: number) => number | null,
): (source: number, seq: number) => number | null {
  const walked = new Map<number, (number | null)[]>();
  return (source, seq) => {
    let starts = walked.get(source);
    if (!starts) walked.set(source, (starts = [1]));
    while (starts.length <= seq) {
      const at = starts.length - 1;
      const before = starts[at]!;
      const counted = chunkLines[`${source}.${at}`];
      const lines = counted !== undefined ? Number(counted) : deadLines(source, at);
      starts.push(before === null || lines === null ? null : before + lines);
    }
    return starts[seq]!;
  };
}
