import { type RunReport, UsageError } from '@logcluster/core';
import type { CommandIo } from './command-io.js';
import type { TableFormat } from './delimited-text.js';
import type { FormatChoice } from './format-option.js';
import { formatCounts } from './count-format.js';
import { formatReport } from './report-format.js';
import { formatReportTable } from './report-table.js';

/**
 * How a command prints a run's report: for people, as JSON (`--json`), as a table for
 * scripts (`--format`), or as grep -c prints counts (`-c`; with each source's name or not).
 */
export type ReportOutput = 'text' | 'json' | TableFormat | GrepCountOutput;

export interface GrepCountOutput {
  kind: 'grep-count';
  namesShown: boolean;
}

/**
 * The output the flags ask for. `--json`, a table format and `-c` each say what stdout
 * holds, so two of them are a usage error rather than one silently winning.
 * `namesShown`: whether grep -c would name each file (see path-expansion.ts).
 */
export function reportOutput(
  flags: { json?: boolean | undefined; format?: FormatChoice | undefined; count?: boolean | undefined },
  namesShown = false,
): ReportOutput {
  const table = flags.format?.table;
  if (flags.count) {
    if (table !== undefined)
      throw new UsageError(
        `-c (--count) and --format ${table} do not go together: each says how the report is printed`,
      );
    return { kind: 'grep-count', namesShown };
  }
  if (table === undefined) return flags.json ? 'json' : 'text';
  if (flags.json)
    throw new UsageError(`--json and --format ${table} do not go together: each says how the report is printed`);
  return table;
}

/**
 * Prints the report on stdout as asked. A table holds counts only, so what it cannot say
 * and a script's user must still hear (the run is partial, or failed) goes to stderr in
 * one line; the exit code says it too.
 */
export function printReport(
  report: RunReport,
  output: ReportOutput,
  io: Pick<CommandIo, 'stdout' | 'stderr'>,
  options: { hideZero?: boolean } = {},
): void {
  switch (output) {
    case 'json':
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return;
    case 'text':
      io.stdout.write(`${formatReport(report, { hideZero: options.hideZero === true })}\n`);
      return;
    default: {
      io.stdout.write(
        typeof output === 'object' ? `${formatCounts(report, output.namesShown)}\n` : formatReportTable(report, output),
      );
      const dead = report.totals.chunksDeadLettered;
      if (report.status === 'partial') {
        io.stderr.write(
          `logcluster: run ${report.runId} is partial: ${dead} ${dead === 1 ? 'chunk was' : 'chunks were'} dead-lettered and ${dead === 1 ? 'its lines are' : 'their lines are'} not in these counts (logcluster report ${report.runId} lists them)\n`,
        );
      } else if (report.status === 'failed') {
        io.stderr.write(`logcluster: run ${report.runId} failed${report.error ? `: ${report.error}` : ''}\n`);
      }
    }
  }
}
