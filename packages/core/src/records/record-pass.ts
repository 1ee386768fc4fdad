/**
 * The records pass of a chunk: after the kernel has counted the whole chunk, reads the
 * fields of each line (`--format`, `--extract`), rejects and selects lines (`--schema`,
 * `--where`, `--since`/`--until`), and counts the patterns' matches over the selected
 * lines only, per key (`--by`) and with the distinct values of `--count-distinct`.
 *
 * Per line, in this order: its fields are read; it is rejected if it is not a record of
 * the format or fails the schema (with `--schema` only), if a field that a key, `--in`,
 * `--count-distinct` or a `--where` comparison reads holds an object or an array, or if
 * its key is longer than MAX_KEY_BYTES; else it is filtered out by `--since`/`--until` and
 * `--where`; else it is selected: matched, added to its key's row and to the distinct
 * values. lines = selected + filtered + rejected.
 */
import { createHash } from 'node:crypto';
import type { ChunkDistinct, ChunkRecordFindings, ChunkRejects } from '../contract/chunk-findings.js';
import { REJECT_EXAMPLES } from '../contract/chunk-findings.js';
import type { PatternSpec } from '../contract/pattern-spec.js';
import { type ChunkRecordSpec, MAX_KEY_BYTES } from '../contract/record-spec.js';
import type { LineSelection } from '../insight/line-selection.js';
import { createTimestampParser } from '../insight/timestamps.js';
import type { ChunkCounts, PatternCount } from '../matching/counts.js';
import type { CountingWorkspace } from '../matching/counting-workspace.js';
import type { ChunkCounter } from '../matching/matcher.js';
import { type FieldValue, isComposite } from './field-value.js';
import { ARRAY, FALSE, MISSING, NULL, NUMBER, OBJECT, TRUE } from './json-fields.js';
import { KeyIds } from './key-ids.js';
import { RecordReader } from './record-reader.js';
import { type WhereTest, whereNumberTest, whereTest } from './where-test.js';
import { latin1Text } from './byte-text.js';
import { JoinEvents, joinFields } from './join-events.js';

const NEWLINE = 0x0a;
/** Bytes at the start of a line searched for its timestamp, as insight/chunk-insight.ts does. */
const TIMESTAMP_BYTES = 200;
/**
 * A distinct value longer than this (UTF-8 bytes) is kept as `sha256:` and its SHA-256 in
 * base64: a chunk's sets stay small, and two values are told apart all the same (a
 * collision of SHA-256 is not to be expected). Shorter values are kept as they are.
 */
export const MAX_DISTINCT_VALUE_BYTES = 256;
const MINUS = 0x2d;

/**
 * Counts a chunk's selected lines, given the kernel's counts of the whole chunk. Given a
 * `selection`, fills it too: which lines are selected, what each matched, its key (for
 * the insight finder, which then counts windows and templates of the selected lines only).
 */
export type RecordPass = (
  bytes: Uint8Array,
  counts: ChunkCounts,
  selection?: LineSelection,
  joinSides?: number,
) => ChunkCounts;

/**
 * Builds the pass for a run (once per thread and run: the reader, the schema's validator
 * and the regexes are made here). `counter` is the run's own counter, asked about one line
 * at a time, so that a line matches here exactly when the counts say it does.
 * `workspace`, the thread's counting workspace: JSON lines of chunks placed in it are
 * scanned by its kernel.
 */
export function createRecordPass(
  spec: ChunkRecordSpec,
  patterns: readonly PatternSpec[],
  counter: ChunkCounter,
  workspace?: CountingWorkspace,
): RecordPass {
  const by = spec.by ?? [];
  const distinctFields = spec.countDistinct ?? [];
  const where = spec.where ?? [];
  const joined = spec.join ? joinFields(spec.join) : [];
  const fields = [
    ...new Set([
      ...by,
      ...(spec.in !== undefined ? [spec.in] : []),
      ...distinctFields,
      ...where.map((w) => w.field),
      ...joined,
    ]),
  ];
  const indexOf = (field: string) => fields.indexOf(field);
  const byIndexes = by.map(indexOf);
  const inIndex = spec.in !== undefined ? indexOf(spec.in) : -1;
  const distinctIndexes = distinctFields.map(indexOf);
  const whereIndexes = where.map((clause) => indexOf(clause.field));
  const whereTests: WhereTest[] = where.map(whereTest);
  // Fields whose value must be text: an object or an array there rejects the line.
  const textFields = [
    ...new Set([
      ...byIndexes,
      ...(inIndex >= 0 ? [inIndex] : []),
      ...distinctIndexes,
      ...where.flatMap((w, i) => (w.op === '?' ? [] : [whereIndexes[i]!])),
    ]),
  ];
  const whereNumbers = where.map(whereNumberTest);
  // Fields of a plain JSON body read from their bytes, not decoded: one-field `--by` keys
  // (found by their bytes) and numeric `--where` comparisons (a JSON number read in place).
  const rawCapable = fields.map(
    (_, i) =>
      !(by.length > 1 && byIndexes.includes(i)) &&
      i !== inIndex &&
      !distinctIndexes.includes(i) &&
      !joined.includes(fields[i]!) &&
      where.every((_, c) => whereIndexes[c] !== i || whereNumbers[c] !== undefined),
  );
  const reader = new RecordReader(spec, fields, rawCapable, workspace);
  const json = reader.rawJson;
  const raw = fields.map((_, i) => json !== undefined && rawCapable[i]!);
  const rawKey = by.length === 1 && raw[byIndexes[0]!]!;
  const bounded = spec.since !== undefined || spec.until !== undefined;
  const since = spec.since ?? -Infinity;
  const until = spec.until ?? Infinity;
  const timestampOf =
    bounded && !spec.format.envelope
      ? createTimestampParser({
          ...(spec.timeFormat !== undefined ? { timeFormat: spec.timeFormat } : {}),
          now: spec.now,
        })
      : undefined;
  // A join event's time, from the envelope or else the line's first bytes, as --window reads it.
  const joinTimeOf =
    spec.join && !spec.format.envelope
      ? (timestampOf ??
        createTimestampParser({
          ...(spec.timeFormat !== undefined ? { timeFormat: spec.timeFormat } : {}),
          now: spec.now,
        }))
      : undefined;
  const join = spec.join ? new JoinEvents(spec.join, indexOf) : undefined;
  const matcher = lineMatcher(patterns, counter, spec.in !== undefined);
  const patternCount = patterns.length;
  const values = reader.values;
  const keyIds = new KeyIds();
  // Per key id, its row in the chunk being counted: lines, then per pattern lines and occurrences.
  const stride = 1 + 2 * patternCount;
  let rows = new Float64Array(64 * stride);
  /** Per key id, the chunk whose row it holds now (rows of other chunks are stale). */
  let rowChunks = new Int32Array(64);
  let chunkNumber = 0;
  /** The key ids of the chunk, in the order of their first line. */
  const chunkKeys: number[] = [];
  const rowOf = (id: number): number => {
    if (id >= rowChunks.length) {
      const size = Math.max(id + 1, rowChunks.length * 2);
      const grownChunks = new Int32Array(size);
      grownChunks.set(rowChunks);
      rowChunks = grownChunks;
      const grownRows = new Float64Array(size * stride);
      grownRows.set(rows);
      rows = grownRows;
    }
    const at = id * stride;
    if (rowChunks[id] !== chunkNumber) {
      rowChunks[id] = chunkNumber;
      rows.fill(0, at, at + stride);
      chunkKeys.push(id);
    }
    return at;
  };

  // `--format` alone (no field read, no schema, no time bound): every line is selected
  // and counted as the kernel counted it, with nothing to read; only container lines'
  // times are still wanted, by the windows (a selection with times).
  if (fields.length === 0 && spec.schema === undefined && !bounded) {
    return (input, counts, selection) => {
      if (selection && spec.format.envelope !== undefined) return pass(input, counts, selection);
      selection?.reset(counts.lines, patternCount, false);
      selection?.selected.fill(1, 0, counts.lines);
      return { ...counts, records: { selected: counts.lines, filtered: 0, rejects: [] } };
    };
  }
  return pass;

  function pass(input: Uint8Array, counts: ChunkCounts, selection?: LineSelection, joinSides = 0): ChunkCounts {
    const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const joining = join !== undefined && joinSides !== 0;
    join?.startChunk(joinSides);
    matcher.reset();
    reader.startChunk(bytes);
    keyIds.startChunk();
    chunkNumber++;
    chunkKeys.length = 0;
    const grouped = by.length > 0;
    // --notify-over: each key's (id's) last selected line, where a crossing in this chunk is placed.
    const lastLines = grouped && spec.notifyOver !== undefined ? new Map<number, number>() : undefined;
    selection?.reset(counts.lines, patternCount, grouped, spec.format.envelope !== undefined);
    const lineTimes = selection?.times;
    // With --by every selected line is matched in the loop.
    if (selection && grouped) selection.matched = true;
    const selectedLines = selection?.selected;
    const hits = selection?.hits;
    const lineKeys = selection?.keys;
    const rejects = new Map<string, ChunkRejects>();
    const distinctTotal = distinctFields.map(() => new Set<string>());
    const distinctByKey = by.length > 0 ? distinctFields.map(() => new Map<string, Set<string>>()) : undefined;
    const matches: PatternCount[] = patterns.map(() => ({ lines: 0, occurrences: 0 }));
    let any = 0;
    let selected = 0;
    let filtered = 0;
    let rejectedLines = 0;
    // Without --by, the selected lines are matched after the loop, and only if some line
    // was not selected: [start, next, line index] of each.
    const deferred: number[] | undefined = by.length === 0 ? [] : undefined;
    let lineNumber = 0;
    const keyValues: (string | null)[] = by.map(() => null);
    for (let start = 0; start < bytes.length;) {
      let lineEnd = bytes.indexOf(NEWLINE, start);
      if (lineEnd === -1) lineEnd = bytes.length;
      const next = lineEnd + 1;
      lineNumber++;
      let reason = reader.read(bytes, start, lineEnd);
      if (lineTimes && reader.time !== undefined) lineTimes[lineNumber - 1] = reader.time;
      if (reason === undefined) {
        for (const i of textFields) {
          if (raw[i]) {
            const kind = json!.kind(i);
            if (kind === OBJECT || kind === ARRAY) {
              reason = `field "${fields[i]!}" is ${kind === OBJECT ? 'an object' : 'an array'}`;
              break;
            }
            continue;
          }
          const value = values[i];
          if (isComposite(value)) {
            reason = `field "${fields[i]!}" is ${value.composite}`;
            break;
          }
        }
      }
      let keyId = -1;
      if (reason === undefined && grouped) {
        if (rawKey) {
          const f = byIndexes[0]!;
          const kind = json!.kind(f);
          if (kind === MISSING || kind === NULL) keyId = keyIds.ofValue(undefined);
          else if (kind === TRUE || kind === FALSE) keyId = keyIds.ofValue(kind === TRUE ? 'true' : 'false');
          else {
            // The value's bytes find its key; they are decoded only the first time.
            const from = json!.start(f);
            const to = json!.end(f);
            keyId = keyIds.ofBytes(kind, bytes, from, to);
            if (keyId < 0) {
              keyId = keyIds.ofValue(json!.value(f) as string);
              keyIds.keepBytes(kind, bytes, from, to, keyId);
            }
          }
        } else if (byIndexes.length === 1) {
          keyId = keyIds.ofValue(values[byIndexes[0]!] as string | undefined);
        } else {
          for (let i = 0; i < byIndexes.length; i++)
            keyValues[i] = (values[byIndexes[i]!] as string | undefined) ?? null;
          keyId = keyIds.ofText(JSON.stringify(keyValues));
        }
        if (keyIds.tooLong(keyId)) reason = `key longer than ${MAX_KEY_BYTES} bytes`;
      }
      if (reason !== undefined) {
        rejectedLines++;
        let entry = rejects.get(reason);
        if (!entry) rejects.set(reason, (entry = { reason, lines: 0, examples: [] }));
        entry.lines++;
        if (entry.examples.length < REJECT_EXAMPLES) entry.examples.push(lineNumber);
        start = next;
        continue;
      }
      let at: number | undefined;
      if (bounded) {
        // A line without a timestamp of its own is left out: taking the time of a line
        // before it would make the selection depend on where chunks are cut.
        at = timestampOf
          ? timestampOf(latin1Text(bytes, start, Math.min(lineEnd, start + TIMESTAMP_BYTES)))
          : reader.time;
        if (at === undefined || at < since || at >= until) {
          filtered++;
          start = next;
          continue;
        }
      }
      let holds = true;
      for (let c = 0; c < whereTests.length && holds; c++) {
        const f = whereIndexes[c]!;
        if (!raw[f]) holds = whereTests[c]!(values[f]);
        else if (json!.kind(f) === NUMBER) {
          // As readNumber: a number too large for a double (1e400) is no number.
          const n = numberAt(bytes, json!.start(f), json!.end(f));
          holds = Number.isFinite(n) && whereNumbers[c]!(n);
        } else holds = whereTests[c]!(json!.value(f));
      }
      if (!holds) {
        filtered++;
        start = next;
        continue;
      }
      selected++;
      if (selectedLines) selectedLines[lineNumber - 1] = 1;
      if (joining) {
        // As for --since: the line's own timestamp or none, wherever the chunk was cut.
        if (!bounded)
          at = joinTimeOf
            ? joinTimeOf(latin1Text(bytes, start, Math.min(lineEnd, start + TIMESTAMP_BYTES)))
            : reader.time;
        join.line(values, lineNumber, at);
      }
      if (deferred) {
        deferred.push(start, next, lineNumber - 1);
      } else {
        if (lineKeys) lineKeys[lineNumber - 1] = keyIds.texts[keyId]!;
        const row = rowOf(keyId);
        rows[row]!++;
        lastLines?.set(keyId, lineNumber);
        any += matcher.match(bytes, start, Math.min(next, bytes.length), inIndex >= 0 ? values[inIndex] : undefined);
        const lineMatches = matcher.lineMatches;
        for (let p = 0; p < patternCount; p++) {
          const lines = lineMatches[2 * p]!;
          const occurrences = lineMatches[2 * p + 1]!;
          if (lines === 0 && occurrences === 0) continue;
          if (hits && lines > 0) hits[(lineNumber - 1) * patternCount + p] = 1;
          rows[row + 1 + 2 * p]! += lines;
          rows[row + 2 + 2 * p]! += occurrences;
          matches[p]!.lines += lines;
          matches[p]!.occurrences += occurrences;
        }
      }
      for (let d = 0; d < distinctIndexes.length; d++) {
        const value = values[distinctIndexes[d]!] as string | undefined;
        if (value === undefined) continue;
        const kept = distinctValue(value);
        distinctTotal[d]!.add(kept);
        if (distinctByKey) {
          const perKey = distinctByKey[d]!;
          const key = keyIds.texts[keyId]!;
          let set = perKey.get(key);
          if (!set) perKey.set(key, (set = new Set()));
          set.add(kept);
        }
      }
      start = next;
    }
    if (deferred) {
      if (selected === counts.lines && inIndex < 0) {
        // Every line selected and matched as the kernel matched it: its counts are these
        // (and the insight finder matches its lines itself, as it does without a record spec).
        for (let p = 0; p < patternCount; p++) matches[p] = { ...counts.matches[p]! };
        any = counts.any ?? 0;
      } else {
        if (selection) selection.matched = true;
        for (let i = 0; i < deferred.length; i += 3) {
          const from = deferred[i]!;
          const to = Math.min(deferred[i + 1]!, bytes.length);
          // --in needs the line's fields again: read it once more (rare next to plain counting).
          const value =
            inIndex >= 0
              ? (reader.read(bytes, from, bytes[to - 1] === NEWLINE ? to - 1 : to), values[inIndex])
              : undefined;
          any += matcher.match(bytes, from, to, value);
          const lineMatches = matcher.lineMatches;
          const at = deferred[i + 2]! * patternCount;
          for (let p = 0; p < patternCount; p++) {
            matches[p]!.lines += lineMatches[2 * p]!;
            matches[p]!.occurrences += lineMatches[2 * p + 1]!;
            if (hits && lineMatches[2 * p]! > 0) hits[at + p] = 1;
          }
        }
      }
    }
    const records: ChunkRecordFindings = { selected, filtered, rejects: [...rejects.values()] };
    if (grouped) {
      records.groups = chunkKeys.map((id): [string, number[]] => [
        keyIds.texts[id]!,
        Array.from(rows.subarray(id * stride, (id + 1) * stride)),
      ]);
      if (lastLines) records.lastLines = chunkKeys.map((id) => lastLines.get(id)!);
    }
    if (distinctFields.length > 0) {
      records.distinct = distinctTotal.map((total, d): ChunkDistinct => ({
        total: [...total],
        ...(distinctByKey
          ? { byKey: [...distinctByKey[d]!.entries()].map(([k, set]): [string, string[]] => [k, [...set]]) }
          : {}),
      }));
    }
    if (selected + filtered + rejectedLines !== counts.lines)
      throw new Error(
        `the records pass read ${selected + filtered + rejectedLines} lines of a chunk of ${counts.lines}`,
      );
    const result: ChunkCounts = { ...counts, matches, records };
    const joinFound = joining ? join.finish() : undefined;
    if (joinFound) result.join = joinFound;
    if (patternCount > 1) result.any = any;
    else delete result.any;
    return result;
  }
}

/** The value of a JSON number's bytes (as `Number` reads its text), integers of up to 15 characters without making the text. */
function numberAt(bytes: Buffer, start: number, end: number): number {
  if (end - start <= 15) {
    let at = start;
    const negative = bytes[at] === MINUS;
    if (negative) at++;
    let n = 0;
    for (; at < end; at++) {
      const digit = bytes[at]! - 0x30;
      if (digit < 0 || digit > 9) return Number(latin1Text(bytes, start, end));
      n = n * 10 + digit;
    }
    return negative ? -n : n;
  }
  return Number(latin1Text(bytes, start, end));
}

function distinctValue(value: string): string {
  if (value.length * 3 <= MAX_DISTINCT_VALUE_BYTES || Buffer.byteLength(value) <= MAX_DISTINCT_VALUE_BYTES)
    return value;
  return `sha256:${createHash('sha256').update(value).digest('base64')}`;
}

/**
 * Matches the patterns against one selected line (or the value of `--in`) at a time:
 * `lineMatches` holds, per pattern, its lines (0 or 1) and occurrences; `match` returns 1
 * when the line counts for `any`.
 */
interface LineMatcher {
  readonly lineMatches: number[];
  reset(): void;
  match(bytes: Buffer, start: number, end: number, value: FieldValue): number;
}

/**
 * Plain literals (no -i, -w, -x, -v) on raw lines are looked for once through the chunk,
 * each occurrence found by `indexOf` from where the last one ended, which is exactly how
 * the counter counts them (matching/literal.ts); every other case asks the run's counter
 * about the one line, which is exact by construction.
 */
function lineMatcher(patterns: readonly PatternSpec[], counter: ChunkCounter, onValue: boolean): LineMatcher {
  const count = patterns.length;
  const lineMatches = new Array<number>(2 * count).fill(0);
  const invert = patterns.some((p) => p.invert === true);
  const plain =
    !onValue &&
    patterns.every(
      (p) =>
        !p.regex &&
        !p.ignoreCase &&
        !p.wholeWord &&
        !p.wholeLine &&
        !p.invert &&
        p.pattern !== '' &&
        !p.pattern.includes('\n'),
    );
  if (plain) {
    const needles = patterns.map((p) => Buffer.from(p.pattern, 'utf8'));
    const nextAt = new Array<number>(count).fill(-2);
    return {
      lineMatches,
      reset: () => nextAt.fill(-2),
      match(bytes, start, end) {
        let matched = 0;
        for (let p = 0; p < count; p++) {
          const needle = needles[p]!;
          let at = nextAt[p]!;
          if (at !== -1 && at < start) at = bytes.indexOf(needle, start);
          let occurrences = 0;
          while (at !== -1 && at < end) {
            occurrences++;
            at = bytes.indexOf(needle, at + needle.length);
          }
          nextAt[p] = at;
          lineMatches[2 * p] = occurrences > 0 ? 1 : 0;
          lineMatches[2 * p + 1] = occurrences;
          if (occurrences > 0) matched = 1;
        }
        return matched;
      },
    };
  }
  return {
    lineMatches,
    reset() {},
    match(bytes, start, end, value) {
      if (onValue && typeof value !== 'string') {
        // A missing field: a line that no pattern matches (-v counts it).
        for (let p = 0; p < count; p++) {
          lineMatches[2 * p] = invert ? 1 : 0;
          lineMatches[2 * p + 1] = 0;
        }
        return invert ? 1 : 0;
      }
      // A value's line breaks are matched as spaces: the value is one line to the patterns.
      const line = onValue
        ? Buffer.from((value as string).replace(/[\r\n]/g, ' '), 'utf8')
        : bytes.subarray(start, end);
      const result = counter(line, 1);
      for (let p = 0; p < count; p++) {
        lineMatches[2 * p] = result.matches[p]!.lines;
        lineMatches[2 * p + 1] = result.matches[p]!.occurrences;
      }
      return count > 1 ? (result.any ?? 0) : result.matches[0]!.lines;
    },
  };
}
