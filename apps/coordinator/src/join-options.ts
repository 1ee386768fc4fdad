/**
 * The options of a join across sources (`--left`, `--right`, `--join-key`, `--left-key`,
 * `--right-key`, `--left-where`, `--right-where`, `--within`), checked before a run
 * starts, and the order they give the run's sources: left only, both sides, right only
 * (so that a chunk's sides follow from its source's number: `ChunkJoinSpec`).
 */
import {
  type JoinSide,
  LEFT,
  RIGHT,
  type RunJoinSpec,
  type SubmitOptions,
  UsageError,
  type WhereClause,
  parseDuration,
  parseWhere,
} from '@logcluster/core';
import { Option } from 'commander';
import type { Input } from './inputs.js';
import { collect, commanderParser } from './option-parsers.js';
import { type ExpandedPaths, type PathSelection, expandPaths } from './path-expansion.js';

export interface JoinFlags {
  left?: string[];
  right?: string[];
  joinKey?: string;
  leftKey?: string;
  rightKey?: string;
  leftWhere?: WhereClause[];
  rightWhere?: WhereClause[];
  within?: { ms: number; text: string };
  lateness?: { ms: number; text: string };
  /** `submit --follow`: the join goes on as the sides grow (`--lateness` goes with it). */
  follow?: boolean;
}

/** How far behind its side's newest time an event of a followed join may come by default (`--lateness`). */
export const DEFAULT_LATENESS = '5s';

/** Input bytes per partition of the reduce, about: a partition's events fit a thread's memory many times over. */
const BYTES_PER_PARTITION = 8 * 1024 * 1024;
const MIN_PARTITIONS = 4;
const MAX_PARTITIONS = 4096;

export function joinOptions(): Option[] {
  const whereOf = (flag: string) =>
    commanderParser((text, previous: WhereClause[] = []) => {
      try {
        return [...previous, parseWhere(text)];
      } catch (err) {
        throw new UsageError(`${flag}: ${(err as Error).message}`);
      }
    });
  return [
    new Option(
      '--left <path>',
      'join: the left side (a file, a glob or, with -r, a directory; repeatable). Pairs a selected left line with each selected right line of the same key (README: joins)',
    ).argParser(collect),
    new Option('--right <path>', 'join: the right side (repeatable)').argParser(collect),
    new Option('--join-key <field>', 'join: the field whose value pairs lines of the two sides'),
    new Option('--left-key <field>', 'join: the key field of the left side, when the names differ'),
    new Option('--right-key <field>', 'join: the key field of the right side'),
    new Option('--left-where <expr>', 'join: select left lines, as --where (repeatable; all must hold)').argParser(
      whereOf('--left-where'),
    ),
    new Option('--right-where <expr>', 'join: select right lines, as --where (repeatable)').argParser(
      whereOf('--right-where'),
    ),
    new Option(
      '--within <duration>',
      "join: a pair's two lines are at most this far apart (200ms, 2s, 1m), by each line's own timestamp; without it, equal keys alone make a pair",
    ).argParser(commanderParser((text) => ({ ms: parseDuration(text, '--within', { unitRequired: true }), text }))),
    new Option(
      '--lateness <duration>',
      `join, with submit --follow: how far behind its side's newest timestamp a line may come and still meet every partner; keys whose lines are further back than this and --within are joined and dropped as the run goes (default ${DEFAULT_LATENESS})`,
    ).argParser(commanderParser((text) => ({ ms: parseDuration(text, '--lateness', { unitRequired: true }), text }))),
  ];
}

/** Whether the flags ask for a join. */
export function joinAsked(flags: JoinFlags): boolean {
  return flags.left !== undefined || flags.right !== undefined;
}

/**
 * The join the flags ask for, its sources' places and partitions still to be filled in
 * (`placeJoin`, once the inputs are known), or undefined with no `--left`/`--right`.
 */
export function joinSpecFrom(flags: JoinFlags): RunJoinSpec | undefined {
  const sideFlags = (
    ['leftKey', 'rightKey', 'joinKey', 'leftWhere', 'rightWhere', 'within', 'lateness'] as const
  ).filter((name) => flags[name] !== undefined);
  if (!joinAsked(flags)) {
    if (sideFlags.length > 0)
      throw new UsageError(`--${kebab(sideFlags[0]!)} is an option of a join: give --left and --right too`);
    return undefined;
  }
  if (flags.left === undefined || flags.right === undefined)
    throw new UsageError('a join needs both sides: --left <path> and --right <path>');
  checkFollowedJoin(flags);
  const leftKey = flags.leftKey ?? flags.joinKey;
  const rightKey = flags.rightKey ?? flags.joinKey;
  if (leftKey === undefined || rightKey === undefined)
    throw new UsageError('a join needs its key: --join-key <field>, or --left-key and --right-key');
  if (flags.joinKey !== undefined && flags.leftKey !== undefined && flags.rightKey !== undefined)
    throw new UsageError(
      '--join-key is not used when --left-key and --right-key are both given: give one or the other',
    );
  const side = (key: string, where: WhereClause[] | undefined): JoinSide => ({
    key,
    ...(where !== undefined ? { where } : {}),
  });
  return {
    left: side(leftKey, flags.leftWhere),
    right: side(rightKey, flags.rightWhere),
    leftEnd: 0,
    rightStart: 0,
    partitions: flags.follow ? joinPartitions(null) : MIN_PARTITIONS,
    ...(flags.within !== undefined ? { withinMs: flags.within.ms, within: flags.within.text } : {}),
    ...(flags.follow
      ? {
          latenessMs: flags.lateness?.ms ?? parseDuration(DEFAULT_LATENESS, '--lateness'),
          lateness: flags.lateness?.text ?? DEFAULT_LATENESS,
        }
      : {}),
  };
}

/**
 * What a followed join needs, checked before it starts: a tolerance (without one no key
 * ever closes, and its events would pile up for as long as the run follows); `--lateness`
 * goes with nothing else.
 */
function checkFollowedJoin(flags: JoinFlags): void {
  if (flags.lateness !== undefined && !flags.follow)
    throw new UsageError('--lateness is how late a followed join waits for lines: give it with submit --follow');
  if (flags.follow && flags.within === undefined)
    throw new UsageError(
      'a followed join needs --within: without a tolerance no key is ever done with, and every event would be kept for as long as the run follows',
    );
}

/**
 * The run's paths, in the join's order (left only, both, right only: a path given on both
 * sides is one source of both), and where the sides begin and end among them.
 */
export function joinPaths(
  left: readonly string[],
  right: readonly string[],
): {
  paths: string[];
  leftEnd: number;
  rightStart: number;
} {
  const rightSet = new Set(right);
  const leftSet = new Set(left);
  const leftOnly = [...leftSet].filter((path) => !rightSet.has(path));
  const both = [...leftSet].filter((path) => rightSet.has(path));
  const rightOnly = [...rightSet].filter((path) => !leftSet.has(path));
  return {
    paths: [...leftOnly, ...both, ...rightOnly],
    leftEnd: leftOnly.length + both.length,
    rightStart: leftOnly.length,
  };
}

/**
 * A join's paths, each side's expanded as paths are (-r, globs, --include…), in the join's
 * order; the other paths given are refused (a join's inputs are its sides').
 */
export async function expandJoinPaths(
  flags: JoinFlags,
  positional: readonly string[],
  selection: PathSelection,
): Promise<ExpandedPaths & { leftEnd: number; rightStart: number }> {
  if (positional.length > 0)
    throw new UsageError(
      `a join reads its sides' paths: give ${positional.map((path) => JSON.stringify(path)).join(', ')} to --left or --right`,
    );
  const left = await expandPaths(flags.left!, selection);
  const right = await expandPaths(flags.right!, selection);
  return { ...joinPaths(left.paths, right.paths), namesShown: true, skipped: [...left.skipped, ...right.skipped] };
}

/**
 * A followed join's paths and globs (each side's, a path on both sides once), and the
 * sides of a source, from the paths and globs that found it: a side's if one of them is
 * among the side's.
 */
export function followedJoin(
  flags: JoinFlags,
  positional: readonly string[],
): {
  paths: string[];
  sidesOf: (foundBy: readonly string[]) => number;
} {
  if (positional.length > 0)
    throw new UsageError(
      `a join follows its sides' paths: give ${positional.map((path) => JSON.stringify(path)).join(', ')} to --left or --right`,
    );
  const left = new Set(flags.left);
  const right = new Set(flags.right);
  return {
    paths: [...new Set([...left, ...right])],
    sidesOf: (foundBy) =>
      (foundBy.some((pattern) => left.has(pattern)) ? LEFT : 0) |
      (foundBy.some((pattern) => right.has(pattern)) ? RIGHT : 0),
  };
}

/** The options with the join's sources placed and its partitions sized by the inputs (when it has a join). */
export function placeJoin(
  submit: SubmitOptions,
  places: { leftEnd: number; rightStart: number },
  inputs: readonly Input[],
): SubmitOptions {
  const join = submit.records?.join;
  if (!join) return submit;
  const bytes = inputs.every((input) => input.plainFile !== null)
    ? inputs.reduce((sum, input) => sum + input.plainFile!.size, 0)
    : null;
  return {
    ...submit,
    records: {
      ...submit.records!,
      join: { ...join, leftEnd: places.leftEnd, rightStart: places.rightStart, partitions: joinPartitions(bytes) },
    },
  };
}

/** The partitions of a join of this many input bytes (null: not known, standard input or gzip). */
export function joinPartitions(bytes: number | null): number {
  if (bytes === null) return 16;
  return Math.min(MAX_PARTITIONS, Math.max(MIN_PARTITIONS, Math.ceil(bytes / BYTES_PER_PARTITION)));
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
