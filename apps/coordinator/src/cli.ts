import { readFileSync } from 'node:fs';
import { DEFAULT_REDIS_URL, LogclusterError, SERVE_DEFAULTS, SUBMIT_DEFAULTS, errorMessage } from '@logcluster/core';
import { Command, CommanderError, Option } from 'commander';
import {
  analysisOptions,
  hideZeroOption,
  jsonOption,
  prefixOption,
  redisOption,
  retryOptions,
  runRetentionOption,
  sharedRootOption,
  workerOptions,
} from './cli-options.js';
import type { CommandIo } from './command-io.js';
import { durationArg, intArg } from './option-parsers.js';
import { type FormatChoice, formatOption, tableFormatOption } from './format-option.js';
import { type WaitTimeout, waitTimeoutOption } from './wait-timeout.js';
import { type AnalyzeFlags, analyzeCommand } from './commands/analyze.js';
import {
  type DlqFlags,
  type ReplayFlags,
  dlqListCommand,
  dlqPurgeCommand,
  dlqReplayCommand,
  dlqShowCommand,
} from './commands/dlq.js';
import { type PruneFlags, reportCommand, runsCommand, runsPruneCommand, statusCommand } from './commands/runs.js';
import type { StoreFlags } from './store-session.js';
import { type SubmitFlags, submitCommand } from './commands/submit.js';
import { type WorkerCommandFlags, workerCommand } from './commands/worker.js';
import { DASHBOARD_PASSWORD_ENV, DASHBOARD_USER_ENV, type ServeFlags, serveCommand } from './commands/serve.js';
import { EXIT } from './exit-codes.js';
import { DEFAULT_MAX_OPEN_FILES } from './follow-set.js';
import { DASHBOARD_PASSWORD_FILE_ENV, redisUrlWithSecret } from './secret-files.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** Wraps a command's action so that its exit code is kept for `main`. */
type Run = <A extends unknown[]>(action: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

/** Builds the command line; each action stores its exit code in `result.code`. */
export function buildProgram(io: CommandIo, result: { code: number }): Command {
  const program = new Command('logcluster')
    .description(
      'Count ERROR and other patterns in logs, exactly as grep would, on a cluster of workers sharing one Redis.',
    )
    .version(version)
    // Stack traces for internal errors, for bug reports.
    .addOption(new Option('--debug').env('LOGCLUSTER_DEBUG').hideHelp())
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });

  const run: Run =
    (action) =>
    async (...args) => {
      result.code = await action(...args);
    };
  // REDIS_PASSWORD_FILE: the password into the URL the command connects with (analyze
  // without --redis starts a Redis of its own, and needs none).
  // A subcommand (`runs prune`) takes --redis from its parent.
  program.hook('preAction', (_program, actionCommand) => {
    let command: Command | null = actionCommand;
    while (command && !command.options.some((option) => option.long === '--redis')) command = command.parent;
    if (!command) return;
    const given = command.getOptionValue('redis') as string | undefined;
    const url = redisUrlWithSecret(given, command.name() === 'analyze' ? undefined : DEFAULT_REDIS_URL, process.env);
    if (url !== given) command.setOptionValue('redis', url);
  });

  defineAnalyze(program, io, run);
  defineSubmit(program, io, run);
  defineWorker(program, io, run);
  defineServe(program, io, run);
  defineStatus(program, io, run);
  defineReport(program, io, run);
  defineRuns(program, io, run);
  defineDlq(program, io, run);
  return program;
}

/** A command that works on a cluster's Redis: `--redis` and `--prefix` come first in its options. */
function clusterCommand(parent: Command, name: string, description: string): Command {
  return parent.command(name).description(description).addOption(redisOption()).addOption(prefixOption());
}

function defineAnalyze(program: Command, io: CommandIo, run: Run): void {
  const analyze = clusterCommand(
    program,
    'analyze',
    'analyse files on this machine: an embedded Redis and an in-process worker pool, then the report',
  )
    .argument('[paths...]', PATHS_HELP)
    .addOption(
      new Option(
        '--no-direct-read',
        'send chunk bytes through Redis even for plain files (by default the in-process workers read them directly)',
      ),
    );
  for (const option of [...analysisOptions(), formatOption(), ...workerOptions()]) analyze.addOption(option);
  analyze
    .addHelpText('after', `${EXAMPLES_ANALYZE}\n${EXIT_CODES}`)
    .action(run((paths: string[], flags: AnalyzeFlags) => analyzeCommand(paths, flags, io)));
}

function defineSubmit(program: Command, io: CommandIo, run: Run): void {
  const submit = clusterCommand(
    program,
    'submit',
    'submit files to a running cluster, wait for the run and print its report',
  )
    .argument('[paths...]', PATHS_HELP)
    .addOption(new Option('--detach', 'print the run id once every chunk is enqueued, and exit 0'))
    .addOption(
      new Option(
        '--follow',
        "follow files as they grow, like tail -F, across rotation: one file (or - for standard input), or several paths and quoted globs ('/var/log/app/*.log', '**'), whose new files are picked up within a second and whose deleted files are finished; the run id goes to stderr at once; Ctrl-C stops following, then the run finishes and its report is printed",
      ),
    )
    .addOption(
      new Option(
        '--flush-interval <ms>',
        'with --follow: appended lines wait at most this long before they are enqueued as a chunk',
      )
        .argParser(intArg('--flush-interval'))
        .default(SUBMIT_DEFAULTS.flushIntervalMs),
    )
    .addOption(
      new Option(
        '--max-open-files <n>',
        `with --follow of several files: at most this many open at once, turns shared fairly (default: ${DEFAULT_MAX_OPEN_FILES}, or fewer if the process may open fewer)`,
      ).argParser(intArg('--max-open-files')),
    )
    .addOption(
      new Option(
        '--resume <runId>',
        "with --follow: take up a followed run whose coordinator died, where its last chunk stored ended (its paths, patterns and options are the run's)",
      ),
    )
    .addOption(
      new Option(
        '--name <stream>',
        'with --follow: name the stream; the same command with the same name takes up its run if the run is still going (its coordinator died), as --resume does',
      ),
    )
    .addOption(sharedRootOption('submit'))
    .addOption(waitTimeoutOption('submit'));
  for (const option of [...analysisOptions(), formatOption()]) submit.addOption(option);
  submit
    .addHelpText('after', `${SUBMIT_NOTES}\n${EXIT_CODES}`)
    .action(run((paths: string[], flags: SubmitFlags) => submitCommand(paths, flags, io)));
}

function defineWorker(program: Command, io: CommandIo, run: Run): void {
  const worker = clusterCommand(
    program,
    'worker',
    'run a worker until SIGTERM/SIGINT; it finishes the chunks in progress before it exits',
  ).addOption(sharedRootOption('worker'));
  for (const option of [...workerOptions(), runRetentionOption('worker')]) worker.addOption(option);
  worker.action(run((flags: WorkerCommandFlags) => workerCommand(flags, io)));
}

function defineServe(program: Command, io: CommandIo, run: Run): void {
  clusterCommand(
    program,
    'serve',
    'the dashboard: Bull Board at /admin/queues (the chunk queue and the dead-letter queue), /metrics and /healthz, until SIGTERM/SIGINT',
  )
    .addOption(
      new Option('--host <address>', 'address to listen on; other than loopback only with credentials').default(
        SERVE_DEFAULTS.host,
      ),
    )
    .addOption(
      new Option('--port <port>', 'port to listen on (0: any free port)')
        .argParser(intArg('--port', 0))
        .default(SERVE_DEFAULTS.port),
    )
    .addHelpText(
      'after',
      `\nCredentials (HTTP Basic, for everything but /healthz) come from the environment:\n  ${DASHBOARD_USER_ENV}, and ${DASHBOARD_PASSWORD_ENV} or ${DASHBOARD_PASSWORD_FILE_ENV} (a file holding it, e.g. a Docker secret)\n` +
        'Without them the dashboard refuses to listen on anything but a loopback address.\n' +
        'The board is read-only: replay dead-lettered chunks with `logcluster dlq replay`.',
    )
    .action(run((flags: ServeFlags) => serveCommand(flags, io)));
}

function defineStatus(program: Command, io: CommandIo, run: Run): void {
  clusterCommand(program, 'status', 'progress of a run')
    .argument('<runId>')
    .addOption(jsonOption())
    .action(run((runId: string, flags: StoreFlags) => statusCommand(runId, flags, io)));
}

type ReportFlags = StoreFlags & {
  wait?: boolean;
  waitTimeout?: WaitTimeout;
  format?: FormatChoice;
  hideZero?: boolean;
};

function defineReport(program: Command, io: CommandIo, run: Run): void {
  clusterCommand(
    program,
    'report',
    'the report of a run; exits 0 when completed, 3 when partial, 1 when failed or still running',
  )
    .argument('<runId>')
    .addOption(new Option('--wait', 'wait for a running run to finish first'))
    .addOption(waitTimeoutOption('report'))
    .addOption(hideZeroOption())
    .addOption(jsonOption())
    .addOption(tableFormatOption())
    .action(run((runId: string, flags: ReportFlags) => reportCommand(runId, flags, io)));
}

function defineRuns(program: Command, io: CommandIo, run: Run): void {
  clusterCommand(program, 'runs', 'recent runs, newest first')
    .addOption(new Option('--limit <n>', 'how many').argParser(intArg('--limit')).default(20))
    .addOption(jsonOption())
    .action(run((flags: StoreFlags & { limit: number }) => runsCommand(flags, io)))
    .addCommand(pruneCommand(io, run));
}

/** `runs prune`: drops runs that ended long enough ago, before their retention would. */
function pruneCommand(io: CommandIo, run: Run): Command {
  // --redis, --prefix and --json are those of `runs` (its parent parses them wherever they are).
  const prune = new Command('prune')
    .description(
      'drop the records of runs that ended before --older-than ago (by default, those past their own --run-retention); running runs are kept',
    )
    .configureHelp({ showGlobalOptions: true })
    .addOption(
      new Option('--older-than <duration>', 'drop runs that ended at least this long ago (30m, 12h, 7d)').argParser(
        durationArg('--older-than'),
      ),
    )
    .addOption(new Option('--dry-run', 'list what would be dropped, and drop nothing'));
  return prune.action(
    run((_flags: unknown, command: Command) => runsPruneCommand(command.optsWithGlobals<PruneFlags>(), io)),
  );
}

/** `dlq` and its subcommands: list, show, replay, purge. */
function defineDlq(program: Command, io: CommandIo, run: Run): void {
  const dlq = program
    .command('dlq')
    .description('the dead-letter queue: chunks that failed every attempt, kept for inspection and replay');
  const dlqCommand = (name: string, description: string) =>
    clusterCommand(dlq, name, description).addOption(jsonOption());
  dlqCommand('list', 'dead-lettered chunks, oldest first, with where each is now')
    .addOption(new Option('--run <runId>', 'only those of one run'))
    .addOption(new Option('--limit <n>', 'at most this many').argParser(intArg('--limit')))
    .action(run((flags: DlqFlags) => dlqListCommand(flags, io)));
  dlqCommand('show', 'one entry, whole: error and stack, job data, line range, state')
    .argument('<id>', 'entry id, as dlq list shows it')
    .action(run((id: string, flags: DlqFlags) => dlqShowCommand(id, flags, io)));
  const replay = dlqCommand('replay', 'enqueue dead-lettered chunks again; their runs end completed once they count')
    .argument('[ids...]', 'entry ids, as dlq list shows them')
    .addOption(new Option('--all', 'every entry (of --run, if given)'))
    .addOption(new Option('--run <runId>', 'with --all: only the entries of one run'))
    .addOption(new Option('--wait', 'wait for the replayed runs to finish, and exit as they end (0, 1 or 3)'));
  for (const option of retryOptions()) replay.addOption(option);
  replay.action(run((ids: string[], flags: ReplayFlags) => dlqReplayCommand(ids, flags, io)));
  dlqCommand('purge', 'drop entries, and the bytes of chunks still dead; their runs stay partial')
    .argument('[ids...]', 'entry ids, as dlq list shows them')
    .addOption(new Option('--all', 'every entry (of --run, if given)'))
    .addOption(new Option('--run <runId>', 'with --all: only the entries of one run'))
    .action(run((ids: string[], flags: DlqFlags) => dlqPurgeCommand(ids, flags, io)));
}

const PATHS_HELP =
  'log files, FIFOs or <(commands); - for standard input; gzip is recognised by its content; directories with -r; ' +
  "globs the shell did not expand ('logs/*.log', '**') are expanded";

const EXAMPLES_ANALYZE = `
Examples:
  $ logcluster analyze app.log                      ERROR lines and occurrences
  $ logcluster analyze -i -p error app.log.gz       ignore case; gzip is detected
  $ logcluster analyze -E -p 'time(out)?' -p WARN a.log b.log --json
  $ logcluster analyze -p ERROR -p WARN --format csv *.log > counts.csv
  $ journalctl -o cat | logcluster analyze -

Without --redis (or REDIS_URL), analyze starts a private redis-server of its own and removes it afterwards.`;

const SUBMIT_NOTES = `
Without --redis (or REDIS_URL), submit uses redis://127.0.0.1:6379, and says so on stderr.`;

const EXIT_CODES = `Exit codes: 0 completed, 1 failure (e.g. Redis unreachable), 2 usage or input error, 3 partial (some chunks dead-lettered: their lines are listed), 130 interrupted.`;

/** Runs the CLI and returns its exit code; never calls process.exit. */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const result = { code: EXIT.completed as number };
  const program = buildProgram(io, result);
  try {
    await program.parseAsync(argv);
    return result.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.completed : EXIT.usage;
    }
    if (io.signal.aborted) return EXIT.interrupted;
    if (err instanceof LogclusterError) {
      io.stderr.write(`logcluster: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`logcluster: ${errorMessage(err)}\n`);
    if (program.opts<{ debug?: boolean }>().debug && err instanceof Error && err.stack)
      io.stderr.write(`${err.stack}\n`);
    return EXIT.failure;
  }
}
