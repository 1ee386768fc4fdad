/**
 * The options that read the lines' fields: `--extract`, `--in`, `--by`, `--max-keys`,
 * `--where`, `--since`/`--until`, `--count-distinct`, `--schema`, `--notify-over` (and `--format`'s input
 * half, in format-option.ts). Everything they say is checked here, before a run starts:
 * a mistake is a usage error (exit 2), never a failure of every chunk later.
 */
import { readFileSync } from 'node:fs';
import {
  DEFAULT_MAX_KEYS,
  EXACT_DISTINCT_PER_KEY,
  EXACT_DISTINCT_TOTAL,
  FIELDS_OF_ENVELOPE,
  type RecordFormat,
  type RunJoinSpec,
  type RunRecordSpec,
  UsageError,
  type WhereClause,
  checkExtract,
  checkSchema,
  parseTimeBound,
  parseWhere,
} from '@logcluster/core';
import { Option } from 'commander';
import { groupedDigits } from './number-text.js';
import { collect, commanderParser, intArg } from './option-parsers.js';

export interface RecordFlags {
  extract?: string[];
  in?: string;
  by?: string[];
  maxKeys?: number;
  where?: WhereClause[];
  since?: string;
  until?: string;
  countDistinct?: string[];
  schema?: string;
  timeFormat?: string;
  notifyOver?: number;
}

export function recordOptions(): Option[] {
  return [
    new Option(
      '--extract <regex>',
      "with --format text: a regular expression whose named groups are fields of each line, e.g. '\" (?<status>\\d{3}) ' (repeatable; the first that gives a field wins)",
    ).argParser(collect),
    new Option('--in <field>', "the patterns match this field's value instead of the whole line"),
    new Option(
      '--by <field,...>',
      'count per key: the values of these fields (dotted paths into JSON: kubernetes.pod_name); a missing field is the key null',
    ).argParser(
      commanderParser((text) => {
        const fields = text.split(',').map((field) => field.trim());
        if (fields.some((field) => field === ''))
          throw new UsageError(`--by "${text}": field names separated by commas, none empty`);
        return fields;
      }),
    ),
    // No commander default: given without --by, it is a mistake to say.
    new Option(
      '--max-keys <n>',
      `keys kept in the table; keys past it are summed, exactly, in one others row (never dropped) (default: ${DEFAULT_MAX_KEYS})`,
    ).argParser(intArg('--max-keys')),
    new Option(
      '--where <expr>',
      'select lines whose fields satisfy it: f=v, f!=v, f~regex, f>n, f>=n, f<n, f<=n, f? (present); repeatable, all must hold. Only selected lines are matched and counted per key',
    ).argParser(commanderParser((text, previous: WhereClause[] = []) => [...previous, parseWhere(text)])),
    new Option(
      '--since <time>',
      "select lines from this time on (ISO 8601, or 2h, 30m, 7d ago), by each line's own timestamp; lines without one are filtered out",
    ),
    new Option('--until <time>', 'select lines before this time (ISO 8601, or 2h, 30m, 7d ago)'),
    new Option(
      '--count-distinct <field>',
      `count the distinct values of a field, per key and in total: exact up to ${groupedDigits(EXACT_DISTINCT_PER_KEY)} per key (${groupedDigits(EXACT_DISTINCT_TOTAL)} in total), a HyperLogLog estimate past that (repeatable)`,
    ).argParser(collect),
    new Option(
      '--notify-over <n>',
      'with --by: a key whose lines pass n (more than n) is a crossing, once per key: listed in the report, logged on stderr while following, counted in logcluster_key_crossings_total',
    ).argParser(intArg('--notify-over', 0)),
    new Option(
      '--schema <file>',
      'a JSON Schema each record must satisfy; lines that are not records of the format, or fail it, are rejected and counted by reason',
    ),
  ];
}

/**
 * The record spec the flags ask for, or undefined when they ask for none (the run then
 * only counts, as before). `now` is the run's start, from which relative times are read.
 */
export function recordSpecFrom(
  flags: RecordFlags,
  input: { format: RecordFormat; text: string } | undefined,
  now: number,
  join?: RunJoinSpec,
): RunRecordSpec | undefined {
  const format = input?.format ?? { body: 'text' };
  const asked =
    join !== undefined ||
    input !== undefined ||
    flags.extract !== undefined ||
    flags.in !== undefined ||
    flags.by !== undefined ||
    flags.where !== undefined ||
    flags.since !== undefined ||
    flags.until !== undefined ||
    flags.countDistinct !== undefined ||
    flags.schema !== undefined;
  if (flags.notifyOver !== undefined && flags.by === undefined) throw new UsageError('--notify-over needs --by');
  if (flags.maxKeys !== undefined && flags.by === undefined) throw new UsageError('--max-keys needs --by');
  if (!asked) return undefined;
  if (flags.extract !== undefined) {
    if (format.body !== 'text')
      throw new UsageError(
        `--extract reads text lines: not with --format ${input!.text} (its fields are named already)`,
      );
    checkExtract(flags.extract);
  }
  checkFieldsKnown(flags, format, input?.text ?? 'text', join);
  const since = flags.since !== undefined ? parseTimeBound(flags.since, now, '--since') : undefined;
  const until = flags.until !== undefined ? parseTimeBound(flags.until, now, '--until') : undefined;
  if (since !== undefined && until !== undefined && since >= until)
    throw new UsageError(
      `--since ${flags.since} is not before --until ${flags.until}: no line could be selected (${new Date(since).toISOString()} ≥ ${new Date(until).toISOString()})`,
    );
  if (flags.schema !== undefined && format.body === 'text')
    throw new UsageError('--schema validates records: it needs --format json, logfmt, docker+json, …');
  const schema = flags.schema !== undefined ? readSchema(flags.schema) : undefined;
  return {
    format,
    ...(flags.extract !== undefined ? { extract: flags.extract } : {}),
    ...(flags.in !== undefined ? { in: flags.in } : {}),
    ...(flags.by !== undefined ? { by: flags.by } : {}),
    ...(flags.where !== undefined ? { where: flags.where } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(flags.timeFormat !== undefined && (since !== undefined || until !== undefined || join !== undefined)
      ? { timeFormat: flags.timeFormat }
      : {}),
    ...(flags.countDistinct !== undefined ? { countDistinct: flags.countDistinct } : {}),
    ...(schema !== undefined ? { schema, schemaFile: flags.schema } : {}),
    ...(flags.notifyOver !== undefined ? { notifyOver: flags.notifyOver } : {}),
    ...(join !== undefined ? { join } : {}),
    maxKeys: flags.maxKeys ?? DEFAULT_MAX_KEYS,
    now,
  };
}

/**
 * Text lines have only the fields `--extract` names (and an envelope's own): a field
 * named nowhere would be missing on every line, which is a mistake to say now. JSON and
 * logfmt records may hold any field.
 */
function checkFieldsKnown(flags: RecordFlags, format: RecordFormat, formatText: string, join?: RunJoinSpec): void {
  if (format.body !== 'text') return;
  const known = new Set<string>(format.envelope ? FIELDS_OF_ENVELOPE[format.envelope] : []);
  for (const regex of flags.extract ?? []) for (const name of groupNames(regex)) known.add(name);
  const used: [string, string][] = [
    ...(flags.by ?? []).map((field): [string, string] => ['--by', field]),
    ...(flags.where ?? []).map((clause): [string, string] => ['--where', clause.field]),
    ...(flags.countDistinct ?? []).map((field): [string, string] => ['--count-distinct', field]),
    ...(flags.in !== undefined ? [['--in', flags.in] as [string, string]] : []),
    ...(join
      ? ([
          ['--left-key', join.left.key],
          ['--right-key', join.right.key],
          ...(join.left.where ?? []).map((clause) => ['--left-where', clause.field]),
          ...(join.right.where ?? []).map((clause) => ['--right-where', clause.field]),
        ] as [string, string][])
      : []),
  ];
  for (const [flag, field] of used) {
    if (known.has(field)) continue;
    const offered = known.size > 0 ? `the fields are: ${[...known].join(', ')}` : 'it has none';
    throw new UsageError(
      `${flag} ${field}: no such field in --format ${formatText} lines (${offered}); name it in an --extract group, e.g. --extract '(?<${/^[A-Za-z_$][\w$]*$/.test(field) ? field : 'name'}>…)', or give --format json or logfmt`,
    );
  }
}

function groupNames(regex: string): string[] {
  return [...regex.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((match) => match[1]!);
}

function readSchema(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--schema ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--schema ${file}: not JSON (${(err as Error).message})`);
  }
  try {
    checkSchema(schema);
  } catch (err) {
    throw new UsageError(`--schema ${file}: ${(err as Error).message}`);
  }
  return schema;
}
