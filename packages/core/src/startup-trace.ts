/**
 * Where a run's first milliseconds go (`LOGCLUSTER_TRACE_STARTUP=1`): each component marks
 * the moments it reaches, and the process prints them, in ms since it started, as it
 * exits. Off, a mark costs one check. What docs/benchmarks.md's start-up figures come from.
 */
const enabled = process.env.LOGCLUSTER_TRACE_STARTUP === '1';
const marks: [label: string, ms: number][] = [];
const seen = new Set<string>();

/** Marks `label` the first time it is reached (ms since the process started). */
export function markStartup(label: string): void {
  if (!enabled || seen.has(label)) return;
  seen.add(label);
  marks.push([label, performance.now()]);
  if (marks.length === 1)
    process.once('exit', () => {
      process.stderr.write(
        marks.map(([name, ms]) => `logcluster: startup: ${ms.toFixed(1).padStart(7)} ms  ${name}\n`).join(''),
      );
    });
}
