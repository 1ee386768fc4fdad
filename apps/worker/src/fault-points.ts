/**
 * Places where a test can make the worker die as a crash would (SIGKILL, no clean-up),
 * to show that every chunk still ends counted or dead-lettered. Off unless the worker
 * is started with a fault point (`LOGCLUSTER_FAULT`); then the process kills itself the
 * first time it reaches that place (a `:fail` point throws instead, each time).
 */
export type FaultPoint =
  /** A chunk was taken from the queue; nothing is done with it yet. */
  | 'count:start'
  /** A chunk's last attempt failed; nothing is recorded yet. */
  | 'dead-letter:before-record'
  /** The run records the chunk as dead; the dead-letter queue has no entry yet. */
  | 'dead-letter:after-record'
  /** The dead-letter entry is added; BullMQ has not marked the job failed yet. */
  | 'dead-letter:after-queue'
  /** The chunk's counts are recorded; BullMQ has not marked the job completed yet. */
  | 'count:after-record'
  /** A join's partition is reduced; its result is not recorded yet. */
  | 'join:before-record'
  /** A join's partition result is recorded; BullMQ has not marked the reduce job completed yet. */
  | 'join:after-record'
  /** Not a crash: every reduce of a join's partition fails with an error, so that it is retried and dead-lettered. */
  | 'join:fail';

export const FAULT_POINTS: readonly FaultPoint[] = [
  'count:start',
  'dead-letter:before-record',
  'dead-letter:after-record',
  'dead-letter:after-queue',
  'count:after-record',
  'join:before-record',
  'join:after-record',
  'join:fail',
];

export function crashAt(armed: string | undefined): (point: FaultPoint) => void {
  if (!armed) return () => {};
  return (point) => {
    if (point !== armed) return;
    if (point.endsWith(':fail')) throw new Error(`failed on purpose at ${point} (LOGCLUSTER_FAULT)`);
    process.kill(process.pid, 'SIGKILL');
  };
}
