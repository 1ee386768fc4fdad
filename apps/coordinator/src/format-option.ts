import { UsageError } from '@logcluster/core';
import { Option } from 'commander';
import { commanderParser } from './cli-options.js';
import type { TableFormat } from './delimited-text.js';

/**
 * What a `--format` value selects. Today only the tables for scripts; the contract
 * reserves the same option for input formats (`text`, `json`, `logfmt`, `docker`, `cri`,
 * and `docker+json`-like pairs), which will be a kind of their own here (say
 * `{ kind: 'input', … }`) and entries of `FORMATS` or a parse step beside it, so that each
 * command can say which kinds it takes.
 */
export type FormatChoice = { kind: 'table'; table: TableFormat };

const FORMATS: ReadonlyMap<string, FormatChoice> = new Map([
  ['csv', { kind: 'table', table: 'csv' }],
  ['tsv', { kind: 'table', table: 'tsv' }],
]);

/** Reads a `--format` value; an unknown one is a usage error naming the values allowed. */
export function parseFormat(text: string): FormatChoice {
  const choice = FORMATS.get(text.trim().toLowerCase());
  if (choice === undefined)
    throw new UsageError(`--format must be one of: ${[...FORMATS.keys()].join(', ')} (got "${text}")`);
  return choice;
}

/** `--format`, on `analyze`, `submit` and `report`. */
export const formatOption = () =>
  new Option(
    '--format <format>',
    'print the per-source table for scripts instead of the report: csv (RFC 4180 quoting) or tsv (\\t \\n \\r \\\\ escaped); a header row source,lines,bytes,pattern,matching_lines,occurrences, then one row per source and pattern, and no total row (sum the rows); not with --json',
  ).argParser(commanderParser(parseFormat));
