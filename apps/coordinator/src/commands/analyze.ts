import { errorMessage, markStartup, resolveWorkerOptions } from '@logcluster/core';
import { ChunkWorker, CountPool } from '@logcluster/worker';
import {
  type AnalysisFlags,
  type WorkerFlags,
  pathSelection,
  patternNotices,
  submitOptionsFrom,
  workerOptionsFrom,
} from '../cli-options.js';
import type { CommandIo } from '../command-io.js';
import { EmbeddedRedis } from '../embedded-redis.js';
import type { FormatChoice } from '../format-option.js';
import { openInputs } from '../inputs.js';
import { exitCodeAfterSkips, expandPaths } from '../path-expansion.js';
import { reportOutput } from '../report-output.js';
import { submitAndReport } from '../run-session.js';
import { Releasers } from '../releasers.js';
import { expandJoinPaths, joinAsked, placeJoin } from '../join-options.js';

export type AnalyzeFlags = AnalysisFlags &
  WorkerFlags & { redis?: string; prefix: string; directRead: boolean; format?: FormatChoice };

/**
 * One-shot analysis on this machine: an embedded Redis (unless `--redis` is given), an
 * in-process worker pool, and the same submission path as a cluster run.
 */
export async function analyzeCommand(paths: string[], flags: AnalyzeFlags, io: CommandIo): Promise<number> {
  // Everything that can be wrong with the command line is found before anything starts.
  // With its own Redis, nothing else takes its jobs: its workers read plain files
  // directly (the files it was given, and nothing else), as a cluster does with
  // --shared-root. With a Redis others share, the bytes go through Redis.
  const directRead = flags.directRead && flags.redis === undefined;
  const submit = submitOptionsFrom({ ...flags, ...(directRead ? { sharedRoot: '/' } : {}) });
  const workerOptions = resolveWorkerOptions({ ...workerOptionsFrom(flags), prefix: flags.prefix });
  for (const notice of patternNotices(flags)) io.stderr.write(`logcluster: warning: ${notice}\n`);
  // A join's inputs are its sides', in its order (join-options.ts).
  const join = joinAsked(flags) ? await expandJoinPaths(flags, paths, pathSelection(flags)) : undefined;
  const files = join ?? (await expandPaths(paths, pathSelection(flags)));
  for (const skipped of files.skipped) io.stderr.write(`logcluster: warning: ${skipped.text}; left out\n`);
  const output = reportOutput(flags, files.namesShown);
  const inputs = await openInputs(files.paths, io.stdin);
  const submitted = join ? placeJoin(submit, join, inputs) : submit;
  const plainFiles = inputs.flatMap((input) => (input.plainFile ? [input.plainFile.realPath] : []));
  markStartup('analyze: inputs planned and open');
  const releasers = new Releasers();
  releasers.add(() => Promise.all(inputs.map((input) => input.close())));
  // What bin/logcluster.js started before the bundle loaded (early-start.ts), taken once.
  const { earlyRedis, earlyThreads } = io;
  delete io.earlyRedis;
  delete io.earlyThreads;
  // The counting threads start first (or were started early): a thread takes longer to
  // start than the embedded Redis, the worker's connections and the run's creation
  // together, and the first chunk waits for one (docs/benchmarks.md, "Start-up"). The
  // worker owns them.
  const pool = new CountPool(
    { threads: workerOptions.threads, taskTimeoutMs: workerOptions.taskTimeoutMs },
    earlyThreads,
  );
  releasers.add(() => pool.close({ force: true }));
  markStartup('analyze: counting threads asked for');
  const warn = (err: unknown) =>
    io.stderr.write(`logcluster: warning: clean-up after the failure: ${errorMessage(err)}\n`);
  return releasers.around(async () => {
    let redisUrl = flags.redis;
    if (redisUrl === undefined) {
      const embedded = await EmbeddedRedis.start(earlyRedis);
      releasers.add(() => embedded.stop());
      redisUrl = embedded.url;
      markStartup('analyze: the embedded redis-server listening');
    }
    // With its own Redis, the worker connects and starts its threads while the run is
    // created and its first chunks enqueued (they wait in the queue meanwhile). With a
    // Redis others share, it starts first: one that cannot start leaves no run behind.
    const starting = ChunkWorker.start(
      { ...workerOptions, redisUrl, ...(directRead ? { sharedRoot: '/', sharedFiles: plainFiles } : {}) },
      {},
      pool,
    );
    // Its own Redis serves this run only, so once the run is over (or abandoned on
    // Ctrl-C) nothing in progress is worth waiting for.
    releasers.add(async () => {
      const worker = await starting.catch(() => undefined);
      await worker?.close({ force: io.signal.aborted || flags.redis === undefined });
    });
    const started = starting.then(() => markStartup('analyze: the worker started'));
    if (flags.redis !== undefined) await started;
    const reported = submitAndReport(
      inputs,
      submitted,
      {
        redisUrl,
        prefix: flags.prefix,
        detach: false,
        output,
        hideZero: flags.hideZero === true,
        onInterrupt: 'run-abandoned',
        compact: flags.redis !== undefined,
      },
      io,
    );
    // A worker that cannot start fails the command: the run would wait for it forever
    // (the process exits once the command returns, the submission's waiting with it).
    await Promise.race([started, reported]);
    const code = await reported;
    return exitCodeAfterSkips(code, files.skipped);
  }, warn);
}
