import { DEFAULT_CHUNK_SIZE } from '../chunking/chunk-size.js';
import { DEFAULT_MAX_LINE_SIZE } from '../chunking/chunker.js';
import { DEFAULT_ATTEMPTS, DEFAULT_BACKOFF_MS } from '../contract/queues.js';
import { InvalidOptionError } from '../errors.js';
import { DEFAULT_SPIKE_RULE, type RunInsightSpec } from '../contract/insight-spec.js';
import type { MultilineSpec } from '../contract/multiline-spec.js';
import type { RunRecordSpec } from '../contract/record-spec.js';
import type { PatternSpec } from '../contract/pattern-spec.js';
import { validatePatterns } from '../matching/pattern.js';
import { formatBytes } from '../units.js';
import { DEFAULT_RUN_RETENTION_MS } from '../runs/run-store.js';
import { type OptionNames, checkIntegers, optionNamer } from './option-names.js';

/** What a submission does with its inputs: what it counts, how it cuts and sends them. */
export interface SubmitOptions {
  patterns: PatternSpec[];
  /** Files under this directory are read by the workers themselves (see the coordinator's `planSources`). */
  sharedRoot?: string;
  chunkSize: number;
  maxLineSize: number;
  /** Bound on bytes enqueued but not yet counted. */
  maxInFlightBytes: number;
  attempts: number;
  backoffMs: number;
  /** Windows, spikes, top messages (`--window`, `--top`). */
  insight?: RunInsightSpec;
  /** Fields, keys, filters, distinct counts (`--format`, `--by`, `--where`, …). */
  records?: RunRecordSpec;
  /** How lines group into events (`--multiline`). */
  multiline?: MultilineSpec;
  /** Following a live source: every chunk is enqueued as soon as it is cut, not held to fill a job. */
  follow?: boolean;
  /** How long the run's records are kept in Redis once it has ended (`--run-retention`). */
  runRetentionMs: number;
}

/**
 * A submission's defaults, wherever it is made from (`submit`, `analyze`). `chunkSize` is
 * the default unless `maxLineSize` is smaller: then that.
 */
export const SUBMIT_DEFAULTS = Object.freeze({
  /** The pattern counted when none is given, literal text. */
  pattern: 'ERROR',
  chunkSize: DEFAULT_CHUNK_SIZE,
  maxLineSize: DEFAULT_MAX_LINE_SIZE,
  /**
   * Eight 4 MiB jobs, two (one counting, one ready) for each of 4 counting threads. As
   * fast as 64 MiB, and Redis's peak stays flat whatever the input's size
   * (docs/benchmarks.md, "Defaults: chunk size and in-flight bound").
   */
  maxInFlightBytes: 32 * 1024 * 1024,
  attempts: DEFAULT_ATTEMPTS,
  backoffMs: DEFAULT_BACKOFF_MS,
  /** When a window counts as a spike (with `insight.windowMs`). */
  spikes: DEFAULT_SPIKE_RULE,
  /** With `follow`: how long appended bytes may wait before they go out as a chunk, short of a full one. */
  flushIntervalMs: 250,
  runRetentionMs: DEFAULT_RUN_RETENTION_MS,
});

/** Redis refuses a value over 512 MB; a chunk holding one long line must stay under it. */
export const MAX_LINE_SIZE_LIMIT = 500 * 1024 * 1024;

/**
 * Fills in the defaults and checks every option, throwing an `InvalidOptionError` that
 * names the one that is wrong (as `names` calls it); patterns that do not compile throw
 * an `InvalidPatternError`.
 */
export function resolveSubmitOptions(
  given: Partial<SubmitOptions>,
  names: OptionNames<keyof SubmitOptions> = {},
): SubmitOptions {
  const name = optionNamer(names);
  const maxLineSize = given.maxLineSize ?? SUBMIT_DEFAULTS.maxLineSize;
  const options: SubmitOptions = {
    patterns: given.patterns ?? [{ pattern: SUBMIT_DEFAULTS.pattern, regex: false, ignoreCase: false }],
    ...(given.sharedRoot !== undefined ? { sharedRoot: given.sharedRoot } : {}),
    chunkSize: given.chunkSize ?? Math.min(SUBMIT_DEFAULTS.chunkSize, maxLineSize),
    maxLineSize,
    maxInFlightBytes: given.maxInFlightBytes ?? SUBMIT_DEFAULTS.maxInFlightBytes,
    attempts: given.attempts ?? SUBMIT_DEFAULTS.attempts,
    backoffMs: given.backoffMs ?? SUBMIT_DEFAULTS.backoffMs,
    ...(given.insight !== undefined ? { insight: given.insight } : {}),
    ...(given.records !== undefined ? { records: given.records } : {}),
    ...(given.follow !== undefined ? { follow: given.follow } : {}),
    runRetentionMs: given.runRetentionMs ?? SUBMIT_DEFAULTS.runRetentionMs,
  };
  checkIntegers(options, ['chunkSize', 'maxLineSize', 'maxInFlightBytes', 'attempts', 'runRetentionMs'], name);
  checkIntegers(options, ['backoffMs'], name, 0);
  if (options.maxLineSize > MAX_LINE_SIZE_LIMIT) {
    throw new InvalidOptionError(
      `${name('maxLineSize')} must be at most ${formatBytes(MAX_LINE_SIZE_LIMIT)}: ` +
        'a chunk holding such a line must fit in one Redis value',
    );
  }
  if (options.chunkSize > options.maxLineSize) {
    throw new InvalidOptionError(`${name('chunkSize')} must not be larger than ${name('maxLineSize')}`);
  }
  validatePatterns(options.patterns);
  return options;
}
