import { DEFAULT_REDIS_URL, UsageError, redactRedisUrl } from '@logcluster/core';
import { type AnalysisFlags, pathSelection, patternNotices, submitOptionsFrom } from '../cli-options.js';
import type { CommandIo } from '../command-io.js';
import { followInput, followedFile } from '../follow-input.js';
import { FollowSet, type FollowSetOptions, defaultMaxOpenFiles } from '../follow-set.js';
import { hasGlobSyntax } from '../glob.js';
import type { FormatChoice } from '../format-option.js';
import { type Input, openInputs } from '../inputs.js';
import { type Skipped, exitCodeAfterSkips, expandPaths } from '../path-expansion.js';
import { reportOutput } from '../report-output.js';
import { type SessionOptions, submitAndReport } from '../run-session.js';
import { withStore } from '../store-session.js';
import { expandJoinPaths, followedJoin, joinAsked, placeJoin } from '../join-options.js';
import type { FollowedRun } from '../follow-resume.js';
import type { WaitTimeout } from '../wait-timeout.js';

export type SubmitFlags = AnalysisFlags & {
  redis?: string;
  prefix: string;
  detach?: boolean;
  follow?: boolean;
  flushInterval: number;
  maxOpenFiles?: number;
  resume?: string;
  name?: string;
  format?: FormatChoice;
  waitTimeout?: WaitTimeout;
};

/** Once following stops, how long the last chunks may take before the process is forced out (a second Ctrl-C is at once). */
const FOLLOW_SHUTDOWN_DEADLINE_MS = 2_147_483_647;

/**
 * Submits to a running cluster and waits for the report, or returns once enqueued
 * (`--detach`). With `--follow`, the sources are followed as they grow until the first
 * SIGINT/SIGTERM, which ends the input: the run then finishes and its report is printed.
 * One file (or `-`) is followed like `tail -F`, for as long as it takes; several paths or
 * globs are a `FollowSet`: files that come to match are new sources, and a file whose
 * path is gone is finished.
 */
export async function submitCommand(paths: string[], flags: SubmitFlags, io: CommandIo): Promise<number> {
  let submit = submitOptionsFrom(flags);
  if (joinAsked(flags) && (flags.resume !== undefined || flags.name !== undefined))
    throw new UsageError(
      'a followed join cannot be taken up by another coordinator yet: it does not go with --resume or --name',
    );
  if (flags.count && flags.detach)
    throw new UsageError('-c (--count) prints the counts at the end: it does not go with --detach');
  for (const notice of patternNotices(flags)) io.stderr.write(`logcluster: warning: ${notice}\n`);
  if (flags.waitTimeout !== undefined && flags.detach)
    throw new UsageError('--wait-timeout and --detach do not go together: --detach does not wait');
  if (flags.waitTimeout !== undefined && flags.follow)
    throw new UsageError('--wait-timeout and --follow do not go together: a followed run ends with Ctrl-C');
  let inputs: Input[];
  let namesShown = false;
  let skipped: Skipped[] = [];
  let session = io;
  let following: { more: AsyncIterable<Input>; followed: string } | undefined;
  let resume: SessionOptions['resume'];
  if (flags.maxOpenFiles !== undefined && !flags.follow)
    throw new UsageError('--max-open-files goes with --follow (a one-shot run holds one file open at a time)');
  const taken = await streamToTakeUp(paths, flags, io);
  if (taken !== undefined) paths = [];
  if (taken !== undefined) flags = { ...flags, resume: taken };
  else if (flags.resume !== undefined) {
    if (!flags.follow) throw new UsageError('--resume takes up a followed run: give it with --follow');
    if (paths.length > 0) throw new UsageError('--resume follows what the run follows: give no paths with it');
    if ((flags.pattern ?? []).length > 0)
      throw new UsageError('--resume counts what the run counts: give no patterns with it');
  }
  if (flags.follow) {
    // A followed join follows its sides' paths; each source is given its sides by the paths it matches.
    const join = joinAsked(flags) ? followedJoin(flags, paths) : undefined;
    if (join) paths = join.paths;
    if (paths.length === 0 && flags.resume === undefined)
      throw new UsageError('--follow needs what to follow: files, globs, or - for standard input');
    if (flags.detach)
      throw new UsageError('--follow and --detach do not go together: following ends with Ctrl-C in this process');
    if (flags.sharedRoot !== undefined)
      throw new UsageError('--follow and --shared-root do not go together: a growing file is read by the coordinator');
    const notice = (message: string) => io.stderr.write(`logcluster: ${message}\n`);
    const maxOpenFiles = flags.maxOpenFiles ?? (await defaultMaxOpenFiles());
    // The paths and globs that found a source (a followed join's sides are theirs).
    let foundBy = (name: string): string[] => [name];
    if (flags.resume !== undefined) {
      inputs = [];
      namesShown = true;
      resume = {
        runId: flags.resume,
        inputs: (run) => resumedInputs(run, { stop: io.signal, flushMs: flags.flushInterval, notice, maxOpenFiles }),
      };
    } else if (paths.length === 1 && (paths[0] === '-' || !hasGlobSyntax(paths[0]!))) {
      inputs = [
        await followInput(paths[0]!, { stdin: io.stdin, stop: io.signal, flushMs: flags.flushInterval, notice }),
      ];
    } else {
      const { set, first } = await FollowSet.open(paths, {
        stop: io.signal,
        flushMs: flags.flushInterval,
        notice,
        maxOpenFiles,
      });
      inputs = first;
      foundBy = (name) => set.patternsOf(name);
      following = { more: set.discovered(), followed: `${paths.join(' ')} (${first.length} files now)` };
      namesShown = true;
    }
    if (join) {
      const sided = (input: Input): Input => {
        const sides = join.sidesOf(foundBy(input.name));
        // Every source is found by a side's path or glob: one of neither would never be counted.
        if (sides === 0) throw new Error(`${input.name} was found by none of the join's paths and globs`);
        return Object.assign(input, { joinSides: sides });
      };
      inputs = inputs.map(sided);
      if (following) following = { ...following, more: mapInputs(following.more, sided) };
    }
    // The first signal stops following, not the run: the wait for the last chunks must not be cut short.
    session = { ...io, signal: new AbortController().signal };
    io.shutdownDeadlineMs = FOLLOW_SHUTDOWN_DEADLINE_MS;
  } else {
    // A join's inputs are its sides', in its order (join-options.ts).
    const join = joinAsked(flags) ? await expandJoinPaths(flags, paths, pathSelection(flags)) : undefined;
    const files = join ?? (await expandPaths(paths, pathSelection(flags)));
    namesShown = files.namesShown;
    skipped = files.skipped;
    for (const warning of skipped) io.stderr.write(`logcluster: warning: ${warning.text}; left out\n`);
    inputs = await openInputs(files.paths, io.stdin);
    if (join) submit = placeJoin(submit, join, inputs);
  }
  // Nothing said which Redis: say which one the run goes to, since a cluster on another
  // host with nothing pointing at it would otherwise get nothing, silently.
  if (flags.redis === undefined)
    io.stderr.write(
      `logcluster: using Redis at ${redactRedisUrl(DEFAULT_REDIS_URL)} (no --redis or REDIS_URL given)\n`,
    );
  try {
    const code = await submitAndReport(
      inputs,
      { ...submit, ...(flags.follow ? { follow: true } : {}) },
      {
        redisUrl: flags.redis ?? DEFAULT_REDIS_URL,
        prefix: flags.prefix,
        detach: flags.detach === true,
        output: reportOutput(flags, namesShown),
        hideZero: flags.hideZero === true,
        onInterrupt: 'run-continues',
        compact: true,
        ...(flags.waitTimeout !== undefined ? { waitTimeout: flags.waitTimeout } : {}),
        ...(flags.follow ? { follow: true } : {}),
        ...(following ? { followMore: following.more, followed: following.followed } : {}),
        ...(flags.follow && !resume ? { followPaths: paths } : {}),
        ...(flags.follow && !resume && flags.name !== undefined ? { streamName: flags.name } : {}),
        ...(resume ? { resume } : {}),
      },
      session,
    );
    return flags.detach ? code : exitCodeAfterSkips(code, skipped);
  } finally {
    await Promise.allSettled(inputs.map((input) => input.close()));
  }
}

async function* mapInputs(inputs: AsyncIterable<Input>, map: (input: Input) => Input): AsyncIterable<Input> {
  for await (const input of inputs) yield map(input);
}

/**
 * The sources of a followed run taken up again (`--resume`), each going on from its
 * checkpoint: its one file, or its paths and globs as a `FollowSet`.
 */
function resumedInputs(
  run: FollowedRun,
  options: FollowSetOptions,
): { first: Input[]; more?: AsyncIterable<Input>; followed: string } {
  const [only] = run.follow;
  if (only === '-')
    throw new UsageError(`run ${run.runId} follows standard input, which cannot be read again: it cannot be taken up`);
  if (run.follow.length === 1 && only !== undefined && !hasGlobSyntax(only)) {
    const checkpoint = run.checkpoints.get(0);
    const input = followedFile(only, {
      stop: options.stop,
      flushMs: options.flushMs,
      notice: options.notice,
      ...(checkpoint?.file ? { start: checkpoint.file } : {}),
      ...(checkpoint ? { from: checkpoint.byteOffset } : {}),
    });
    return { first: [input], followed: only };
  }
  const { set, first } = FollowSet.resume(run.follow, run.definition.sources, run.checkpoints, options);
  return { first, more: set.discovered(), followed: `${run.follow.join(' ')} (${first.length} files so far)` };
}

/**
 * `--follow --name <stream>`: the run that follows the stream, if it is still running
 * (its coordinator died): the same command takes it up, as `--resume` would. Undefined
 * when there is none, and a new run is started under the name.
 */
async function streamToTakeUp(
  paths: readonly string[],
  flags: SubmitFlags,
  io: CommandIo,
): Promise<string | undefined> {
  const { name } = flags;
  if (name === undefined) return undefined;
  if (!flags.follow) throw new UsageError('--name names a followed stream: give it with --follow');
  if (flags.resume !== undefined) throw new UsageError('--name and --resume do not go together: give one of them');
  const live = await withStore(flags, async ({ store }) => {
    const runId = await store.streamRun(name);
    const record = runId === null ? null : await store.runRecord(runId);
    if (!record || record.status !== 'running' || record.sealed === '1' || record.follow === undefined) return null;
    return { runId: runId!, follow: JSON.parse(record.follow) as string[] };
  });
  if (!live) return undefined;
  if (paths.length > 0 && paths.join('\0') !== live.follow.join('\0'))
    throw new UsageError(
      `stream ${name} is followed by run ${live.runId}, of ${live.follow.join(' ')}: give the same paths (or none) to take it up, or another --name`,
    );
  io.stderr.write(`logcluster: stream ${name}: run ${live.runId} is still running; taking it up\n`);
  return live.runId;
}
