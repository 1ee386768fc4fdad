/*
 * The fields of a run's counts hash (`RedisKeys.counts`), spelled here and nowhere else:
 *   chunks, s<i>:chunks|bytes|lines   what was enqueued, in the run and in source i
 *   done, dead                        chunks counted / dead-lettered now
 *   settledBytes                      bytes no longer in flight
 *   s<i>:p<j>:l|o                     lines / occurrences that pattern j matched in source i
 *   s<i>:any                          lines any pattern selects (several patterns)
 *   s<i>:ev, s<i>:p<j>:e, s<i>:any:e   events (`--multiline`): all, with a line pattern j matches, any selects
 *   s<i>:sev                          events selected (`--multiline` in runs with a record spec)
 *   o:ev, o:p<j>:e                    the `others` row's events, and per pattern (`--multiline` with `--by`)
 *   s<i>:sel|flt|rej                  lines selected / filtered out / rejected (runs with a record spec)
 *   o:l, o:p<j>:l|o                   the `others` row of the per-key table: lines, and per pattern
 *   w:<worker>                        chunks each worker counted
 * The scripts in lua/ take the names of the per-source, per-pattern and per-worker fields
 * in ARGV; the run-wide ones (RunCounter) they spell as here, which run-store.test.ts pins.
 */

/** The run-wide counters. */
export const RunCounter = { chunks: 'chunks', done: 'done', dead: 'dead', settledBytes: 'settledBytes' } as const;

/** A source's count of what was enqueued: chunks, bytes, lines. */
export function sourceField(source: number, counter: 'chunks' | 'bytes' | 'lines'): string {
  return `s${source}:${counter}`;
}

/** What a pattern matched in a source: lines, occurrences, or events (`--multiline`). */
export function patternField(source: number, pattern: number, counter: 'lines' | 'occurrences' | 'events'): string {
  return `s${source}:p${pattern}:${counter === 'lines' ? 'l' : counter === 'occurrences' ? 'o' : 'e'}`;
}

/** The lines (or events) of a source that any of several patterns selects. */
export function anyField(source: number, counter: 'lines' | 'events' = 'lines'): string {
  return counter === 'lines' ? `s${source}:any` : `s${source}:any:e`;
}

/** The events (`--multiline`) that start in a source. */
export function eventsField(source: number): string {
  return `s${source}:ev`;
}

/** What the lines' fields did to a source's lines (runs with a record spec): selected, filtered out, rejected; and its selected events. */
export function recordField(source: number, counter: 'selected' | 'filtered' | 'rejected' | 'selectedEvents'): string {
  const name = { selected: 'sel', filtered: 'flt', rejected: 'rej', selectedEvents: 'sev' }[counter];
  return `s${source}:${name}`;
}

/**
 * The fields of the per-key table's `others` row, in the order of a key's counters
 * (ChunkRecordFindings.groups): lines, then per pattern lines and occurrences; with
 * `events` (`--multiline`), then events, and per pattern the events it matches.
 */
export function othersFields(patterns: number, events = false): string[] {
  const fields = ['o:l'];
  for (let p = 0; p < patterns; p++) fields.push(`o:p${p}:l`, `o:p${p}:o`);
  if (events) {
    fields.push('o:ev');
    for (let p = 0; p < patterns; p++) fields.push(`o:p${p}:e`);
  }
  return fields;
}

const WORKER = 'w:';

/** The chunks a worker counted. */
export function workerField(workerId: string): string {
  return `${WORKER}${workerId}`;
}

/** The worker a field counts chunks for, or null if it is no worker's field. */
export function workerOf(field: string): string | null {
  return field.startsWith(WORKER) ? field.slice(WORKER.length) : null;
}

/** A counter's value as the hash holds it (absent: 0). */
export function readCounter(value: string | null | undefined): number {
  return value ? Number(value) : 0;
}
