import {
  type ChunkBytes,
  type RedisClient,
  DEFAULT_CONNECT_TIMEOUT_MS,
  RedisKeys,
  RunNotFoundError,
  type RunStatus,
  RunStore,
  type SubmitOptions,
  UsageError,
  closeRedis,
  markStartup,
  connectWithPrefix,
  openChunkBytes,
} from '@logcluster/core';
import type { Input } from './inputs.js';
import { ProgressLine } from './progress-line.js';
import { type ProgressFigures, RateMeter, formatProgressBar } from './progress-bar.js';
import { type ReportOutput, printReport } from './report-output.js';
import { SpikeWatch } from './spike-watch.js';
import { CrossingWatch } from './crossing-watch.js';
import { JoinWatch } from './join-watch.js';
import { Submission } from './submission.js';
import { FollowLease, type FollowedRun } from './follow-resume.js';
import { type CommandIo, unlessAborted } from './command-io.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { type WaitTimeout, howFar, stillRunningMessage, waitDeadline, workerHint } from './wait-timeout.js';

export interface SessionOptions {
  redisUrl: string;
  prefix: string;
  /** Return once every chunk is enqueued, printing the run id. */
  detach: boolean;
  /** How the report is printed (with `detach`, `json` prints the run id as JSON). */
  output: ReportOutput;
  /** What an interrupted wait means for the run: it goes on in the cluster, or dies with us. */
  onInterrupt: 'run-continues' | 'run-abandoned';
  /**
   * Following live input: the run id goes to stderr at once, spikes are logged as their
   * windows close, and keys as they pass `--notify-over`.
   */
  follow?: boolean;
  /**
   * With `follow`: the sources found after the run started (files that came to match a
   * followed glob), each a source of the run, read all at once with the first ones.
   */
  followMore?: AsyncIterable<Input>;
  /** With `follow`: what is followed, for the line that says so (default: the inputs' names). */
  followed?: string;
  /** With `follow`: the paths and globs given, kept with the run so that it can be taken up again. */
  followPaths?: readonly string[];
  /** With `follow`: the stream's name (`--name`), under which the same command takes the run up. */
  streamName?: string;
  /**
   * With `follow`: take up this run, whose coordinator died, instead of starting one; the
   * inputs are made from what the run says (`inputs` of the session is not used).
   */
  resume?: {
    runId: string;
    inputs: (run: FollowedRun) => { first: Input[]; more?: AsyncIterable<Input>; followed: string };
  };
  /** Give up waiting this long after the run starts (`--wait-timeout`): exit 1, the run going on without us. */
  waitTimeout?: WaitTimeout;
  /** The human report's histogram of windows leaves out empty rows (`--hide-zero`). */
  hideZero?: boolean;
  /**
   * Keep a completed run as its report only (RunStore.compact), once it is printed: what
   * it kept per chunk and per key is of no use any more. Not for a Redis thrown away after.
   */
  compact?: boolean;
}

/** How long to wait without progress before saying that no worker seems to be there. */
const NO_WORKER_HINT_AFTER_MS = 15_000;
/** How long to wait without progress before checking that outstanding chunks have jobs. */
const STALL_RECHECK_MS = 5_000;
/** Failovers followed before a finished run is taken as read (a Sentinel that names an address we cannot match must not keep us waiting for ever). */
const MAX_FAILOVERS_FOLLOWED = 5;
/** Shortest time between two looks at a run's progress. */
const MIN_POLL_MS = 50;

/**
 * Submits the inputs as one run, waits for it to finish and prints its report; the
 * shared path of `analyze` and `submit`. Returns the exit code.
 */
export async function submitAndReport(
  inputs: readonly Input[],
  submit: SubmitOptions,
  session: SessionOptions,
  io: CommandIo,
): Promise<number> {
  const { redis, prefix } = await connectWithPrefix(session.redisUrl, session.prefix, {
    connectionName: 'logcluster-coordinator',
  });
  let chunkBytes: ChunkBytes;
  try {
    chunkBytes = await openChunkBytes(session.redisUrl, redis, {
      connectionName: 'logcluster-coordinator',
      timeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
    });
  } catch (err) {
    await closeRedis(redis);
    throw err;
  }
  const store = new RunStore(redis, new RedisKeys(prefix), chunkBytes);
  const progress = new ProgressLine(io.stderr);
  let submission: Submission | undefined;
  let spikes: SpikeWatch | undefined;
  let crossings: CrossingWatch | undefined;
  let joins: JoinWatch | undefined;
  let deadline: ReturnType<typeof waitDeadline> | undefined;
  let lease: FollowLease | undefined;
  try {
    const notice = (message: string) => io.stderr.write(`logcluster: ${message}\n`);
    let more = session.followMore;
    let followed = session.followed;
    if (session.resume) {
      // The lease first: once the dead coordinator's has lapsed, its last writes have landed.
      lease = await takeLease(redis, store, session.resume.runId);
      const resumed = await Submission.resume(redis, store, session.resume.runId, submit, notice);
      submission = resumed.submission;
      ({ first: inputs, more, followed } = session.resume.inputs(resumed.run));
    } else {
      submission = await Submission.create(redis, store, inputs, submit, notice, session.followPaths);
      if (session.follow) lease = await takeLease(redis, store, submission.runId);
      if (session.streamName !== undefined) await store.nameStream(session.streamName, submission.runId);
    }
    const { runId } = submission;
    markStartup('run created');
    deadline = session.waitTimeout ? waitDeadline(session.waitTimeout) : undefined;
    // Enqueueing and waiting both stop when the user asks, or when --wait-timeout has passed.
    const signal = deadline ? AbortSignal.any([io.signal, deadline.signal]) : io.signal;
    if (session.follow)
      io.stderr.write(
        `logcluster: run ${runId}: ${session.resume ? 'taken up again, ' : ''}following ${followed ?? inputs.map((input) => input.name).join(', ')}; Ctrl-C stops and prints the report\n`,
      );
    spikes =
      submit.insight?.windowMs !== undefined
        ? new SpikeWatch(store, runId, session.follow === true, (line) => io.stderr.write(`logcluster: ${line}\n`))
        : undefined;
    const notifyOver = submit.records?.notifyOver;
    crossings =
      session.follow && notifyOver !== undefined
        ? new CrossingWatch(store, runId, notifyOver, (line) => io.stderr.write(`logcluster: ${line}\n`))
        : undefined;
    crossings?.start();
    const join = submit.records?.join;
    joins =
      session.follow && join?.latenessMs !== undefined
        ? new JoinWatch(
            store,
            runId,
            join.within ?? '',
            (again) => submission!.joinTick(again),
            (line) => io.stderr.write(`logcluster: ${line}\n`),
          )
        : undefined;
    joins?.start();
    if (session.follow) spikes?.start();
    else progress.start(progressReader(store, runId, inputs), formatProgressBar);
    let enqueued = false;
    try {
      if (session.follow) await submission.followAll(inputs, more ?? [], signal);
      else await submission.enqueueAll(inputs, signal);
      enqueued = true;
      markStartup('every chunk enqueued');
      if (session.detach) {
        progress.stop();
        io.stdout.write(session.output === 'json' ? `${JSON.stringify({ runId })}\n` : `${runId}\n`);
        return 0;
      }
      await waitForRun(store, submission, { ...io, signal });
      markStartup('run finished');
    } catch (err) {
      if (io.signal.aborted) {
        progress.stop();
        io.stderr.write(`interrupted: ${interruptedRun(runId, enqueued, session.onInterrupt)}\n`);
      } else if (deadline?.signal.aborted && session.waitTimeout) {
        progress.stop();
        const [now, workers] = await Promise.all([store.progress(runId), submission.workerCount()]);
        io.stderr.write(
          enqueued
            ? stillRunningMessage(now, session.waitTimeout, workers, session)
            : `logcluster: run ${runId} failed: ${now.error ?? 'not all input was enqueued'}: ${howFar(now)}${workerHint(workers, session.prefix)}\n`,
        );
        return EXIT.failure;
      }
      throw err;
    }
    progress.stop();
    await spikes?.stop();
    await crossings?.stop();
    await joins?.stop();
    const report = await store.report(runId);
    await spikes?.announce(report, true);
    crossings?.announce(report.crossings ?? []);
    printReport(report, session.output, io, { hideZero: session.hideZero === true });
    markStartup('report printed');
    if (session.compact && report.status === 'completed') await store.compact(runId, report);
    return exitCodeFor(report.status);
  } finally {
    deadline?.dispose();
    progress.stop();
    await spikes?.stop();
    await crossings?.stop();
    await joins?.stop();
    await lease?.release();
    await submission?.close();
    await chunkBytes.close();
    await closeRedis(redis);
  }
}

/** The lease on a followed run (follow-resume.ts), or a usage error if another coordinator holds it. */
async function takeLease(redis: RedisClient, store: RunStore, runId: string): Promise<FollowLease> {
  const lease = new FollowLease(redis, store.keys.followLease(runId));
  if (!(await lease.acquire()))
    throw new UsageError(
      `run ${runId} is being followed by another coordinator: it can be taken up once that one is gone`,
    );
  return lease;
}

/**
 * Reads what the progress line shows. The size is known only when every input is a
 * plain file (a gzip file's uncompressed size, or standard input's, is not).
 */
function progressReader(store: RunStore, runId: string, inputs: readonly Input[]): () => Promise<ProgressFigures> {
  const bytesTotal = inputs.every((input) => input.plainFile !== null)
    ? inputs.reduce((sum, input) => sum + input.plainFile!.size, 0)
    : null;
  const rate = new RateMeter(Date.now());
  return async () => {
    const progress = await store.progress(runId);
    return {
      runId,
      bytesDone: progress.bytesSettled,
      bytesTotal,
      bytesPerSecond: rate.add(Date.now(), progress.bytesSettled),
      chunksSettled: progress.chunksDone + progress.chunksDeadLettered,
      chunks: progress.chunks,
      chunksDeadLettered: progress.chunksDeadLettered,
    };
  };
}

function interruptedRun(runId: string, enqueued: boolean, onInterrupt: SessionOptions['onInterrupt']): string {
  if (onInterrupt === 'run-abandoned') return `run ${runId} abandoned`;
  if (!enqueued) return `run ${runId} failed: not all input was enqueued`;
  return `run ${runId} goes on in the cluster; see logcluster status ${runId}`;
}

async function waitForRun(store: RunStore, submission: Submission, io: CommandIo): Promise<RunStatus> {
  let lastSettled = -1;
  let lastChange = Date.now();
  let lastRecheck = lastChange;
  let hinted = false;
  let failovers = 0;
  for (;;) {
    io.signal.throwIfAborted();
    const asked = Date.now();
    await unlessAborted(submission.checkRedis(), io.signal);
    // A run whose record is gone after a restart or failover (writes the new master never
    // got) is put back by the repair that the new run_id sets off: look at once.
    const settlement = await unlessAborted(
      store.settlement(submission.runId).catch(async (err: unknown) => {
        if (err instanceof RunNotFoundError && (await submission.recoverLostRun())) return null;
        throw err;
      }),
      io.signal,
    );
    if (settlement === null) continue;
    const { status, settled } = settlement;
    // A join's reduce jobs, if the worker that was to add them did not (it died first).
    if (status === 'running') await unlessAborted(submission.enqueueJoinRound(), io.signal);
    // A finished run is final only if it was read from the master the Sentinels name,
    // with no failover under way (writes to a master being replaced are lost).
    if (status !== 'running') {
      if (failovers >= MAX_FAILOVERS_FOLLOWED || (await unlessAborted(submission.onCurrentMaster(), io.signal)))
        return status;
      failovers++;
    }
    if (settled !== lastSettled) {
      lastSettled = settled;
      lastChange = Date.now();
      lastRecheck = lastChange;
    } else {
      if (
        !hinted &&
        Date.now() - lastChange > NO_WORKER_HINT_AFTER_MS &&
        (await unlessAborted(submission.workerCount(), io.signal)) === 0
      ) {
        hinted = true;
        io.stderr.write(
          `waiting: no worker is connected to this Redis under prefix "${store.keys.prefix}"; start one with logcluster worker\n`,
        );
      }
      // No progress for a while: check that every outstanding chunk still has a job that
      // will run. (A job that straddled a Redis restart may have completed on the
      // restored state without its chunks.) Cheap: only outstanding chunks are looked at.
      if (Date.now() - lastRecheck > STALL_RECHECK_MS) {
        lastRecheck = Date.now();
        await unlessAborted(submission.recheck(), io.signal);
      }
    }
    // Woken by the chunks that settle, but asking at most every MIN_POLL_MS (a busy run
    // settles thousands of chunks a second), unless the run says it has ended.
    const ended = await submission.events.next(500, io.signal);
    const rest = MIN_POLL_MS - (Date.now() - asked);
    if (rest > 0 && !ended) await submission.events.untilEnd(rest, io.signal);
  }
}
