import { type RecordFormat, UsageError, parseRecordFormat } from '@logcluster/core';
import { Option } from 'commander';
import { commanderParser } from './option-parsers.js';
import type { TableFormat } from './delimited-text.js';

/**
 * What `--format` selects. The one option names two things (the contract's choice): how
 * the report is printed for scripts (`csv`, `tsv`), and how the input's lines are
 * written (`text`, `json`, `logfmt`, `docker`, `cri`, and pairs such as `docker+json`).
 * It may be given twice, once for each: `--format json --format csv`.
 */
export interface FormatChoice {
  table?: TableFormat;
  /** The input's format, and the text it was given as (for messages). */
  input?: { format: RecordFormat; text: string };
}

const TABLES: readonly TableFormat[] = ['csv', 'tsv'];

/** Reads a `--format` value into what was chosen before it; a second table or input format is a usage error. */
export function parseFormat(text: string, previous: FormatChoice = {}): FormatChoice {
  const value = text.trim().toLowerCase();
  if ((TABLES as readonly string[]).includes(value)) {
    if (previous.table !== undefined)
      throw new UsageError(`--format ${previous.table} and --format ${value}: the report is printed one way`);
    return { ...previous, table: value as TableFormat };
  }
  let format: RecordFormat;
  try {
    format = parseRecordFormat(value);
  } catch {
    throw new UsageError(
      `--format "${text}": the report's table (csv, tsv) or the input's format (text, json, logfmt, docker, cri, or an envelope and a message format: docker+json, cri+logfmt, …)`,
    );
  }
  if (previous.input !== undefined)
    throw new UsageError(`--format ${previous.input.text} and --format ${value}: the input has one format`);
  return { ...previous, input: { format, text: value } };
}

/** `--format` on `analyze` and `submit`: the report's table, the input's format, or both. */
export const formatOption = () =>
  new Option(
    '--format <format>',
    "the input's format: text (default), json, logfmt, docker or cri (container log envelopes; docker+json, cri+logfmt… read the message as json or logfmt); " +
      'or print a table for scripts instead of the report: csv (RFC 4180 quoting) or tsv (\\t \\n \\r \\\\ escaped), one row per source and pattern ' +
      '(source,lines,bytes,pattern,matching_lines,occurrences; no total row), or with --by the whole key table; not with --json. Give it twice for both',
  ).argParser(commanderParser(parseFormat));

/** `--format` on `report`: only the tables (the input was read when the run ran). */
export const tableFormatOption = () =>
  new Option(
    '--format <format>',
    'print a table for scripts instead of the report: csv (RFC 4180 quoting) or tsv (\\t \\n \\r \\\\ escaped); one row per source and pattern (source,lines,bytes,pattern,matching_lines,occurrences; no total row), or with --by the whole key table; not with --json',
  ).argParser(
    commanderParser((text) => {
      const value = text.trim().toLowerCase();
      if (!(TABLES as readonly string[]).includes(value))
        throw new UsageError(`--format must be one of: ${TABLES.join(', ')} (got "${text}")`);
      return { table: value as TableFormat } satisfies FormatChoice;
    }),
  );
