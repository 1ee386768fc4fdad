/**
 * The command line's options. Each value comes from its flag, else its environment
 * variable (commander's `.env()`), else the component's defaults in core
 * (`WORKER_DEFAULTS`, `SUBMIT_DEFAULTS`, `SERVE_DEFAULTS`), which `--help` shows.
 */
import {
  DEFAULT_PREFIX,
  type MultilineSpec,
  type RunInsightSpec,
  SUBMIT_DEFAULTS,
  type SubmitOptions,
  TIME_FORMAT_FIELDS,
  UsageError,
  WORKER_DEFAULTS,
  type WorkerOptions,
  type PatternSpec,
  checkPrefix,
  createTimestampParser,
  errorMessage,
  eventStartTest,
  formatBytes,
  formatWindowSize,
  multilineSpecOf,
  parsePositiveInt,
  resolveSubmitOptions,
  shellWord,
  regexSyntaxIn,
} from '@logcluster/core';
import { Option } from 'commander';
import { collect, commanderParser, durationArg, intArg, sizeArg } from './option-parsers.js';
import type { FormatChoice } from './format-option.js';
import type { FileFilter, PathSelection } from './path-expansion.js';
import { type RecordFlags, recordOptions, recordSpecFrom } from './record-options.js';
import { type JoinFlags, joinOptions, joinSpecFrom } from './join-options.js';

/** `--redis` / `REDIS_URL`; without either, each command picks its default. */
export const redisOption = () =>
  new Option(
    '--redis <url>',
    'Redis URL: redis://[user:password@]host:port[/db], rediss:// for TLS, unix:///path/to.sock, ' +
      'redis+cluster://host1:port1,host2:port2, redis+sentinel://host1:26379,host2:26379/<master>; or a JSON config file (docs/redis-topologies.md). ' +
      'REDIS_PASSWORD_FILE names a file holding the password (e.g. a Docker secret), kept off the command line',
  ).env('REDIS_URL');

export const prefixOption = () =>
  new Option('--prefix <name>', 'key prefix, to keep several clusters apart on one Redis')
    .env('LOGCLUSTER_PREFIX')
    .default(DEFAULT_PREFIX)
    .argParser(commanderParser((text) => checkPrefix(text, '--prefix')));

export const jsonOption = () => new Option('--json', 'print JSON on stdout');

/** `--hide-zero`: how the human report shows windows (the JSON holds only windows with lines anyway). */
export const hideZeroOption = () =>
  new Option(
    '--hide-zero',
    'in the histogram of windows, leave out rows without lines (by default a run of them is shown as one line)',
  );

/** `--shared-root`: storage the coordinator and the workers share. */
export const sharedRootOption = (role: 'submit' | 'worker') =>
  new Option(
    '--shared-root <dir>',
    role === 'submit'
      ? 'files under this directory are read by the workers themselves (they mount it too); only a path and a byte range go through Redis'
      : 'read chunks that come as a path from this directory; paths that resolve outside it are refused',
  ).env('LOGCLUSTER_SHARED_ROOT');

/**
 * An option that adds to another's list (`-e` to `-p`'s patterns, `--exclude` to the
 * filters `--include` starts), so that the order in which they were given is kept.
 */
function sharing<T>(
  option: Option,
  attribute: string,
  parse: (value: string, previous: T[] | undefined) => T[],
): Option {
  option.attributeName = () => attribute;
  return option.argParser(parse);
}

/** The options `analyze` and `submit` share. */
export function analysisOptions(): Option[] {
  return [
    // The default pattern applies when none is given, which an array default cannot say.
    new Option(
      '-p, --pattern <text>',
      `pattern to count; repeat for several (default: ${SUBMIT_DEFAULTS.pattern})`,
    ).argParser(collect),
    sharing(new Option('-e, --regexp <text>', 'the same as -p, as grep spells it'), 'pattern', collect),
    new Option(
      '-E, --regex',
      'patterns are JavaScript regular expressions, run on each line decoded as UTF-8 (grep -E)',
    ).conflicts('fixedStrings'),
    new Option(
      '-F, --fixed-strings',
      'patterns are literal text: the default, accepted as grep takes it (and then no warning about regex syntax in them)',
    ),
    new Option('-i, --ignore-case', 'match without regard to case'),
    new Option(
      '-w, --word-regexp',
      'count only matches that are whole words, as grep -w: not preceded or followed by a letter, digit or _',
    ),
    new Option('-x, --line-regexp', 'count only matches of the whole line, as grep -x'),
    new Option(
      '-v, --invert-match',
      "count the lines that do not match, as grep -v -c (a pattern's occurrences are then 0)",
    ),
    new Option(
      '-c, --count',
      'print only counts, as grep -c does: name:count per file (the count alone for one), lines matching any pattern',
    ).conflicts(['json']),
    new Option(
      '-r, --recursive',
      'search directories, and every directory below them; with no path, the working directory (symbolic links inside are skipped)',
    ),
    new Option('-R, --dereference-recursive', 'as -r, following symbolic links'),
    sharing(
      new Option(
        '--include <glob>',
        'only files whose name matches (repeatable; as grep: the last --include/--exclude that matches decides, and if none does, a file is taken unless the first was --include)',
      ),
      'fileFilters',
      filterOf('include'),
    ),
    sharing(
      new Option('--exclude <glob>', 'leave out files whose name matches (repeatable)'),
      'fileFilters',
      filterOf('exclude'),
    ),
    new Option(
      '--exclude-dir <glob>',
      'leave out directories whose name matches, given or met with -r (repeatable)',
    ).argParser(collect),
    // No commander default: a smaller --max-line-size lowers the default chunk size too.
    new Option(
      '--chunk-size <size>',
      `bytes per chunk (units: KiB, MiB, …) (default: ${formatBytes(SUBMIT_DEFAULTS.chunkSize)}, ` +
        'or --max-line-size if that is smaller)',
    ).argParser(sizeArg('--chunk-size')),
    new Option(
      '--max-in-flight <size>',
      'enqueued but not yet counted bytes, at most (backpressure), and so about what Redis holds of chunk bytes; with more than 4 counting threads in the cluster, about 8 MiB per thread keeps them all fed. Ranges of files that workers read themselves hold no bytes in Redis, and 1 GiB of them may be in flight',
    )
      .argParser(sizeArg('--max-in-flight'))
      .default(SUBMIT_DEFAULTS.maxInFlightBytes, formatBytes(SUBMIT_DEFAULTS.maxInFlightBytes)),
    new Option(
      '--max-line-size <size>',
      'longest line accepted; a line longer than a chunk is counted as a chunk of its own',
    )
      .argParser(sizeArg('--max-line-size'))
      .default(SUBMIT_DEFAULTS.maxLineSize, formatBytes(SUBMIT_DEFAULTS.maxLineSize)),
    ...retryOptions(),
    runRetentionOption('run'),
    new Option(
      '--multiline <regex>',
      'group lines into events (a stack trace with its message): a line matching <regex> continues the event before it; ' +
        'start:<regex> instead says which lines start an event (all others continue one). Adds events to the report: ' +
        'all of them, and per pattern those with a matching line (README: multiline events)',
    ),
    ...insightOptions(),
    ...recordOptions(),
    ...joinOptions(),
    jsonOption(),
  ];
}

/** Windows, spikes and top messages. */
export function insightOptions(): Option[] {
  return [
    new Option(
      '--window <duration>',
      "count lines and matches per time window (30s, 1m, 1h: a unit is required), from each line's timestamp; adds windows and spikes to the report. " +
        'Timestamps recognised: ISO 8601, log4j, access and Apache error logs, syslog, Android, Spark, HDFS, HealthApp, Proxifier, BlueGene/L, epoch seconds (README: --window)',
    ).argParser(
      // Not 1 ms windows for `--window 1`: a unit is required.
      durationArg('--window', { unitRequired: true }),
    ),
    new Option(
      '--time-format <format>',
      `with --window, --since or --until: where the timestamp is, for formats not recognised by themselves: strftime-like, e.g. "%d/%m/%Y %H:%M:%S" (${TIME_FORMAT_FIELDS}; %y: 69-99 are 1969-1999)`,
    ),
    new Option(
      '--top <n>',
      'the n most frequent messages per pattern, grouped by template (numbers, ids, IPs, paths, quoted values masked)',
    ).argParser(intArg('--top')),
    new Option(
      '--spike-factor <k>',
      'a window is a spike when its count exceeds k × the average of the windows before it',
    )
      .argParser(
        commanderParser((text) => {
          const k = Number(text);
          if (!Number.isFinite(k) || k <= 1)
            throw new UsageError(`--spike-factor must be a number greater than 1 (got "${text}")`);
          return k;
        }),
      )
      .default(SUBMIT_DEFAULTS.spikes.factor),
    new Option('--spike-history <n>', 'how many windows before it make the average a window is compared with')
      .argParser(intArg('--spike-history'))
      .default(SUBMIT_DEFAULTS.spikes.history),
    new Option('--spike-min <count>', 'a spike has at least this many matching lines')
      .argParser(intArg('--spike-min'))
      .default(SUBMIT_DEFAULTS.spikes.minCount),
    hideZeroOption(),
  ];
}

/**
 * `--run-retention`: how long a run's records stay in Redis once it has ended (`submit`,
 * `analyze`); on `worker`, for runs that carry none of their own.
 */
export function runRetentionOption(command: 'run' | 'worker'): Option {
  const help =
    command === 'run'
      ? "how long the run's records and report stay in Redis once it has ended (30m, 12h, 30d); a partial run's stay at least as long as its dead letters"
      : 'how long runs that ended are kept when they carry no retention of their own (started by an earlier version); the worker drops them every 10 minutes';
  return new Option('--run-retention <duration>', help)
    .argParser(durationArg('--run-retention'))
    .default(SUBMIT_DEFAULTS.runRetentionMs, formatWindowSize(SUBMIT_DEFAULTS.runRetentionMs));
}

/** `--attempts` and `--backoff`, for submissions and replays. */
export function retryOptions(): Option[] {
  return [
    new Option('--attempts <n>', 'attempts per chunk before it is dead-lettered')
      .argParser(intArg('--attempts'))
      .default(SUBMIT_DEFAULTS.attempts),
    new Option('--backoff <ms>', 'base delay of exponential backoff (with jitter) between attempts')
      .argParser(intArg('--backoff', 0))
      .default(SUBMIT_DEFAULTS.backoffMs),
  ];
}

/** The options `worker` and `analyze` (for its in-process pool) share. */
export function workerOptions(): Option[] {
  return [
    new Option('--threads <n>', 'counting threads (default: available cores)').argParser(intArg('--threads')),
    new Option(
      '--concurrency <n>',
      'chunk jobs in progress at once (default: twice --threads: the next job waits, taken, for a thread to free)',
    ).argParser(intArg('--concurrency')),
    new Option('--task-timeout <ms>', 'abort a chunk counting longer than this; the attempt fails')
      .argParser(intArg('--task-timeout'))
      .default(WORKER_DEFAULTS.taskTimeoutMs),
    new Option('--name <id>', 'worker id in reports (default: hostname:pid)'),
    new Option(
      '--lock-duration <ms>',
      "a chunk's lock; a dead worker's chunks go to another worker once it lapses (same on every worker)",
    )
      .argParser(intArg('--lock-duration'))
      .default(WORKER_DEFAULTS.lockDurationMs),
    new Option('--stalled-interval <ms>', 'how often workers look for chunks whose lock lapsed (same on every worker)')
      .argParser(intArg('--stalled-interval'))
      .default(WORKER_DEFAULTS.stalledIntervalMs),
    new Option(
      '--dead-letter-retention <duration>',
      'how long dead-lettered chunks and their bytes are kept (30m, 12h, 7d)',
    )
      .argParser(durationArg('--dead-letter-retention'))
      .default(WORKER_DEFAULTS.deadLetterRetentionMs, formatWindowSize(WORKER_DEFAULTS.deadLetterRetentionMs)),
    new Option(
      '--shutdown-grace <ms>',
      'on SIGTERM/SIGINT, how long to let chunks in progress finish before abandoning them',
    )
      .argParser(intArg('--shutdown-grace'))
      .default(WORKER_DEFAULTS.shutdownGraceMs),
    new Option(
      '--metrics-port <port>',
      'serve Prometheus /metrics and /healthz on this port (0: any free port; the address is logged)',
    ).argParser(
      commanderParser((text) => {
        const port = parsePositiveInt(text, '--metrics-port', { min: 0 });
        if (port > 65_535) throw new UsageError(`--metrics-port must be at most 65535 (got ${port})`);
        return port;
      }),
    ),
    new Option(
      '--metrics-host <address>',
      'the address /metrics and /healthz listen on; 0.0.0.0 for all (in a container)',
    ).default(WORKER_DEFAULTS.metricsHost),
    // Test only: the worker kills itself at this point, as a crash would.
    new Option('--fault-point <name>').env('LOGCLUSTER_FAULT').hideHelp(),
  ];
}

function filterOf(kind: FileFilter['kind']): (glob: string, previous: FileFilter[] | undefined) => FileFilter[] {
  return (glob, previous = []) => [...previous, { kind, glob }];
}

export interface AnalysisFlags extends RecordFlags, JoinFlags {
  format?: FormatChoice;
  pattern?: string[];
  sharedRoot?: string;
  regex?: boolean;
  fixedStrings?: boolean;
  ignoreCase?: boolean;
  wordRegexp?: boolean;
  lineRegexp?: boolean;
  invertMatch?: boolean;
  count?: boolean;
  recursive?: boolean;
  dereferenceRecursive?: boolean;
  fileFilters?: FileFilter[];
  excludeDir?: string[];
  chunkSize?: number;
  maxInFlight: number;
  maxLineSize: number;
  attempts: number;
  backoff: number;
  runRetention: number;
  multiline?: string;
  json?: boolean;
  window?: number;
  timeFormat?: string;
  hideZero?: boolean;
  top?: number;
  spikeFactor: number;
  spikeHistory: number;
  spikeMin: number;
}

export interface WorkerFlags {
  threads?: number;
  concurrency?: number;
  taskTimeout: number;
  name?: string;
  lockDuration: number;
  stalledInterval: number;
  deadLetterRetention: number;
  runRetention?: number;
  shutdownGrace: number;
  faultPoint?: string;
  sharedRoot?: string;
  metricsPort?: number;
  metricsHost: string;
}

/** How the flags that become submission options are called, for messages. */
const SUBMIT_FLAG_NAMES = {
  chunkSize: '--chunk-size',
  maxLineSize: '--max-line-size',
  maxInFlightBytes: '--max-in-flight',
  attempts: '--attempts',
  backoffMs: '--backoff',
  runRetentionMs: '--run-retention',
};

/** Turns the flags into submission options, checking patterns and sizes before anything runs. */
export function submitOptionsFrom(flags: AnalysisFlags): SubmitOptions {
  const given = flags.pattern ?? [];
  const texts = given.length > 0 ? given : [SUBMIT_DEFAULTS.pattern];
  // -w, -x and -v only where given, so that other runs' job data stays as it was.
  const patterns: PatternSpec[] = texts.map((pattern) => ({
    pattern,
    regex: flags.regex === true,
    ignoreCase: flags.ignoreCase === true,
    ...(flags.wordRegexp ? { wholeWord: true } : {}),
    ...(flags.lineRegexp ? { wholeLine: true } : {}),
    ...(flags.invertMatch ? { invert: true } : {}),
  }));
  const options = resolveSubmitOptions(
    {
      patterns,
      sharedRoot: flags.sharedRoot,
      chunkSize: flags.chunkSize,
      maxLineSize: flags.maxLineSize,
      maxInFlightBytes: flags.maxInFlight,
      attempts: flags.attempts,
      backoffMs: flags.backoff,
      runRetentionMs: flags.runRetention,
    },
    SUBMIT_FLAG_NAMES,
  );
  const now = Date.now();
  const records = recordSpecFrom(flags, flags.format?.input, now, joinSpecFrom(flags));
  const multiline = multilineSpecFrom(flags.multiline);
  return {
    ...options,
    ...insightSpec(flags, now),
    ...(records ? { records } : {}),
    ...(multiline ? { multiline } : {}),
  };
}

/** `--multiline`'s spec, its regex checked now (a usage error, not every chunk's failure later). */
function multilineSpecFrom(text: string | undefined): MultilineSpec | undefined {
  if (text === undefined) return undefined;
  const spec = multilineSpecOf(text);
  if (spec.pattern === '') throw new UsageError(`--multiline ${shellWord(text)}: the regex is empty`);
  try {
    eventStartTest(spec);
  } catch (err) {
    throw new UsageError(`--multiline: ${errorMessage(err)}`, { cause: err });
  }
  return spec;
}

/**
 * What to tell a grep user about the patterns: a literal (the default) holding what grep
 * would read as regex syntax is counted as text. Nothing with -E, or -F (text was meant).
 */
export function patternNotices(flags: AnalysisFlags): string[] {
  if (flags.regex || flags.fixedStrings) return [];
  return (flags.pattern ?? []).flatMap((pattern) => {
    const syntax = regexSyntaxIn(pattern);
    return syntax === null
      ? []
      : [
          `pattern ${shellWord(pattern)} is counted as literal text, ${shellWord(syntax)} included (grep would read it as a regular expression); add -E to count it as one, or -F to say text is meant`,
        ];
  });
}

/** How the paths given become files, from -r, -R, --include, --exclude and --exclude-dir. */
export function pathSelection(flags: AnalysisFlags): PathSelection {
  return {
    recursive: flags.recursive === true,
    followLinks: flags.dereferenceRecursive === true,
    fileFilters: flags.fileFilters ?? [],
    excludeDirs: flags.excludeDir ?? [],
    patternsGiven: (flags.pattern ?? []).length > 0,
  };
}

/** What the run finds beyond counts, if anything was asked for. */
function insightSpec(flags: AnalysisFlags, now: number): { insight?: RunInsightSpec } {
  if (
    flags.timeFormat !== undefined &&
    flags.window === undefined &&
    flags.since === undefined &&
    flags.until === undefined &&
    flags.left === undefined
  )
    throw new UsageError('--time-format needs --window, --since, --until or a join');
  if (flags.hideZero === true && flags.window === undefined) throw new UsageError('--hide-zero needs --window');
  // An invalid --time-format is a usage error now, not a failure of every chunk later.
  if (flags.timeFormat !== undefined) createTimestampParser({ timeFormat: flags.timeFormat, now });
  if (flags.window === undefined && flags.top === undefined) return {};
  return {
    insight: {
      now,
      ...(flags.window !== undefined
        ? {
            windowMs: flags.window,
            spikes: { factor: flags.spikeFactor, history: flags.spikeHistory, minCount: flags.spikeMin },
          }
        : {}),
      ...(flags.timeFormat !== undefined ? { timeFormat: flags.timeFormat } : {}),
      ...(flags.top !== undefined ? { top: flags.top } : {}),
    },
  };
}

/** The worker options the flags give (undefined where none was given); `resolveWorkerOptions` fills in the rest. */
export function workerOptionsFrom(flags: WorkerFlags): Partial<WorkerOptions> {
  return {
    threads: flags.threads,
    concurrency: flags.concurrency,
    name: flags.name,
    faultPoint: flags.faultPoint,
    sharedRoot: flags.sharedRoot,
    metricsPort: flags.metricsPort,
    metricsHost: flags.metricsHost,
    taskTimeoutMs: flags.taskTimeout,
    lockDurationMs: flags.lockDuration,
    stalledIntervalMs: flags.stalledInterval,
    deadLetterRetentionMs: flags.deadLetterRetention,
    runRetentionMs: flags.runRetention,
    shutdownGraceMs: flags.shutdownGrace,
  };
}
