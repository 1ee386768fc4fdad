/**
 * Reads the fields of one line as `--format` (and `--extract`, `--schema`) say. With a
 * schema, a line that is not a record of the format, or whose record fails the schema,
 * gives a reject reason; without one, such a line simply has no fields (so that a run
 * with `--by` still counts every line as grep does).
 */
import type { ChunkRecordSpec } from '../contract/record-spec.js';
import type { CountingWorkspace } from '../matching/counting-workspace.js';
import { CriEnvelope, DockerEnvelope, ENVELOPE_FIELDS, type EnvelopeRead, envelopeFieldIndex } from './envelopes.js';
import type { FieldValue } from './field-value.js';
import { JsonFieldReader } from './json-fields.js';
import { LogfmtFieldReader, logfmtRecord } from './logfmt-fields.js';
import { type RecordValidator, schemaValidator } from './schema-validator.js';
import { isAscii } from 'node:buffer';
import { latin1Text, utf8Text } from './byte-text.js';
import { type ExtractRegex, extractRegex } from './extract-regex.js';
import { groupNames as groupNamesOf } from './record-checks.js';

const RETURN = 0x0d;
const NEWLINE = 0x0a;
/** The text `--extract` searches at a time (see TextExtract): small enough for V8's young generation. */
const SEGMENT_BYTES = 64 * 1024;

export class RecordReader {
  /** The fields' values in the line just read, in the order of `fields`. */
  readonly values: FieldValue[];
  /** The envelope's time of the line just read (Docker, CRI), if it has one. */
  time: number | undefined;
  private readonly envelope: DockerEnvelope | CriEnvelope | undefined;
  private readonly envelopeRead: EnvelopeRead = {
    values: ENVELOPE_FIELDS.map(() => undefined),
    body: Buffer.alloc(0),
    bodyStart: 0,
    bodyEnd: 0,
    time: undefined,
  };
  /** Per field, its index among the envelope's fields, or -1. */
  private readonly fromEnvelope: number[];
  private readonly json: JsonFieldReader | undefined;
  /**
   * The JSON reader of a plain JSON body (no envelope, no schema), whose `raw` fields are
   * left undefined in `values` by `read`: the caller reads them from it (kind, bytes)
   * without decoding them.
   */
  readonly rawJson: JsonFieldReader | undefined;
  /** Per field: whether `read` decodes it into `values`. */
  private readonly decoded: boolean[];
  private readonly logfmt: LogfmtFieldReader | undefined;
  private readonly extract: TextExtract | undefined;
  private readonly validate: RecordValidator | undefined;

  constructor(
    private readonly spec: ChunkRecordSpec,
    readonly fields: readonly string[],
    raw: readonly boolean[] = [],
    workspace?: CountingWorkspace,
  ) {
    this.values = fields.map(() => undefined);
    const { envelope, body } = spec.format;
    this.envelope = envelope === 'docker' ? new DockerEnvelope() : envelope === 'cri' ? new CriEnvelope() : undefined;
    this.fromEnvelope = fields.map((field) => (envelope ? envelopeFieldIndex(field) : -1));
    this.validate = spec.schema === undefined ? undefined : schemaValidator(spec.schema);
    this.json = body === 'json' ? new JsonFieldReader(fields, workspace) : undefined;
    this.rawJson = this.json && !envelope && !this.validate ? this.json : undefined;
    this.decoded = fields.map((_, i) => !this.rawJson || raw[i] !== true);
    this.logfmt = body === 'logfmt' && !this.validate ? new LogfmtFieldReader(fields) : undefined;
    this.extract = body === 'text' ? new TextExtract(spec.extract ?? [], fields) : undefined;
  }

  /** Called with each chunk before its lines are read. */
  startChunk(bytes: Buffer): void {
    this.extract?.startChunk(bytes);
  }

  /**
   * Reads the line [start, end) of `bytes` (without its `\n`; a `\r` before it is left
   * out too). Returns why the line is rejected (only ever with a schema), else undefined.
   */
  read(bytes: Buffer, start: number, end: number): string | undefined {
    if (end > start && bytes[end - 1] === RETURN) end--;
    const values = this.values;
    this.time = undefined;
    let envelope: EnvelopeRead | undefined;
    if (this.envelope) {
      envelope = this.envelopeRead;
      if (!this.envelope.read(bytes, start, end, envelope)) {
        values.fill(undefined);
        return this.validate ? this.envelope.reason : undefined;
      }
      this.time = envelope.time;
      bytes = envelope.body;
      start = envelope.bodyStart;
      end = envelope.bodyEnd;
    }
    const reason = this.readBody(bytes, start, end);
    if (envelope) {
      for (let i = 0; i < values.length; i++) {
        const at = this.fromEnvelope[i]!;
        if (values[i] === undefined && at >= 0) values[i] = envelope.values[at];
      }
    }
    return reason;
  }

  private readBody(bytes: Buffer, start: number, end: number): string | undefined {
    const { values, fields } = this;
    if (this.json) {
      // The fields are the scanner's (numbers as numberText in json-fields.ts says), with a
      // schema too: the scan decides validity exactly as JSON.parse does, which then makes
      // the object the schema checks.
      const valid = this.json.scan(bytes, start, end);
      for (let i = 0; i < values.length; i++) values[i] = valid && this.decoded[i] ? this.json.value(i) : undefined;
      if (!this.validate) return undefined;
      if (!valid) return 'not JSON';
      let record: unknown;
      try {
        record = JSON.parse(bytes.toString('utf8', start, end));
      } catch {
        return 'not JSON';
      }
      return this.validate(record);
    }
    if (this.logfmt) {
      this.logfmt.read(bytes, start, end, values);
      return undefined;
    }
    if (this.extract) {
      this.extract.read(bytes, start, end, values);
      return this.validate?.(this.extract.record());
    }
    // logfmt with a schema: the whole record is read, then checked.
    const validate = this.validate!;
    const record = logfmtRecord(bytes, start, end);
    if (!record) {
      values.fill(undefined);
      return 'not logfmt';
    }
    for (let i = 0; i < fields.length; i++)
      values[i] = Object.hasOwn(record, fields[i]!) ? record[fields[i]!] : undefined;
    return validate(record);
  }
}

/**
 * `--extract`: the named groups of each regex are fields of a text line. Each regex is run
 * on the line (at most once, and only if a field asks for it); a field's value is its
 * group in the first regex whose match defines it (a group that took no part in a match
 * is missing there).
 *
 * In a chunk that is all ASCII, a regex that allows it (`chunkSearchable`, see
 * extract-regex.ts) is searched from the line's start through a segment of whole lines
 * (about SEGMENT_BYTES, from the first line it is made for) instead of being run on a
 * copy of the line: the match found is the line's when it ends within the line, and none
 * of the line's when it starts after it (it is then kept for the line where it lies, and
 * the lines between have no match); one that starts in the line and ends past it sends
 * the line to the regex on its own. Segments, not the whole chunk as one string: a
 * string of a few MiB lies outside V8's young generation and costs a full collection
 * now and then (29 in 5 rounds of the bench's row, against 2 with segments).
 */
class TextExtract {
  private readonly regexes: ExtractRegex[];
  /** Per regex, its global copy that searches the chunk (undefined: it runs on lines only). */
  private readonly chunkRegexes: (RegExp | undefined)[];
  /** Per group name: the regexes (indexes) that name it, in order. */
  private readonly sources = new Map<string, number[]>();
  /** Per field: the same, empty for a name no regex gives. */
  private readonly fieldSources: number[][];
  /** Per field, per regex of its sources: the group's number, or -1 (read it by its name from `groups`). */
  private readonly fieldGroups: number[][];
  /** Per regex, its match in the line being read (undefined: not run yet). */
  private readonly matches: (RegExpExecArray | null | undefined)[];
  /** Per regex, the match its last search of the segment found (undefined: none made in this segment), and where that search started. */
  private readonly found: (RegExpExecArray | null | undefined)[];
  private readonly searchedFrom: Int32Array;
  /** The chunk being read, when it is all ASCII. */
  private asciiChunk: Buffer | undefined;
  /** The segment of the chunk searched now: [segmentStart, segmentEnd), and its text. */
  private segmentStart = 0;
  private segmentEnd = 0;
  private segmentText = '';
  /** The line being read, and its text once made. */
  private bytes: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  private text: string | undefined;

  constructor(
    extract: readonly string[],
    private readonly fields: readonly string[],
  ) {
    this.regexes = extract.map(extractRegex);
    this.chunkRegexes = this.regexes.map(({ regex, chunkSearchable }) =>
      chunkSearchable ? new RegExp(regex.source, 'g') : undefined,
    );
    this.regexes.forEach(({ regex, numbers }, i) => {
      for (const name of numbers ? numbers.keys() : groupNamesOf(regex)) {
        const list = this.sources.get(name);
        if (list) list.push(i);
        else this.sources.set(name, [i]);
      }
    });
    this.fieldSources = fields.map((field) => this.sources.get(field) ?? []);
    this.fieldGroups = fields.map((field, i) =>
      this.fieldSources[i]!.map((r) => this.regexes[r]!.numbers?.get(field) ?? -1),
    );
    this.matches = this.regexes.map(() => undefined);
    this.found = this.regexes.map(() => undefined);
    this.searchedFrom = new Int32Array(this.regexes.length);
  }

  /**
   * The lines of an ASCII chunk are read as Latin-1 (the same characters, and a copy that
   * checks nothing, several times faster than decoding UTF-8); those of a chunk with other
   * bytes are decoded as UTF-8.
   */
  startChunk(bytes: Buffer): void {
    this.asciiChunk = isAscii(bytes) ? bytes : undefined;
    this.segmentStart = this.segmentEnd = 0;
    this.segmentText = '';
  }

  /** Reads the line [start, end) of `bytes` (the chunk, or an envelope's message). */
  read(bytes: Buffer, start: number, end: number, values: FieldValue[]): void {
    for (let r = 0; r < this.matches.length; r++) this.matches[r] = undefined;
    this.bytes = bytes;
    this.start = start;
    this.end = end;
    this.text = undefined;
    for (let i = 0; i < this.fields.length; i++)
      values[i] = this.group(this.fieldSources[i]!, this.fieldGroups[i]!, this.fields[i]!);
  }

  private lineText(): string {
    const { bytes, start, end } = this;
    this.text ??= bytes === this.asciiChunk ? latin1Text(bytes, start, end) : utf8Text(bytes, start, end);
    return this.text;
  }

  /** Makes the segment that starts at the line being read: whole lines, at least this one. */
  private nextSegment(): void {
    const bytes = this.bytes;
    let to = this.start + SEGMENT_BYTES;
    if (to >= bytes.length) to = bytes.length;
    else {
      const newline = bytes.indexOf(NEWLINE, Math.max(to - 1, this.end));
      to = newline === -1 ? bytes.length : newline + 1;
    }
    this.segmentStart = this.start;
    this.segmentEnd = to;
    this.segmentText = latin1Text(bytes, this.start, to);
    this.found.fill(undefined);
  }

  /** The match of regex `r` in the line being read. */
  private matchOf(r: number): RegExpExecArray | null {
    const chunkRegex = this.chunkRegexes[r];
    if (chunkRegex !== undefined && this.bytes === this.asciiChunk) {
      // Lines come in order, but the pass may read them again (`--in`): from the start.
      if (this.start >= this.segmentEnd || this.start < this.segmentStart) this.nextSegment();
      const start = this.start - this.segmentStart;
      const end = this.end - this.segmentStart;
      let match = this.found[r];
      if (match === undefined || this.searchedFrom[r]! > start || (match !== null && match.index < start)) {
        chunkRegex.lastIndex = start;
        this.searchedFrom[r] = start;
        match = this.found[r] = chunkRegex.exec(this.segmentText);
      }
      if (match === null || match.index > end) return null;
      if (match.index + match[0].length <= end) return match;
    }
    return this.regexes[r]!.regex.exec(this.lineText());
  }

  /** Group `name` (numbered `groups`, one per source) of the first of `sources` whose match defines it. */
  private group(sources: readonly number[], groups: readonly number[], name: string): string | undefined {
    for (let k = 0; k < sources.length; k++) {
      const r = sources[k]!;
      let match = this.matches[r];
      if (match === undefined) match = this.matches[r] = this.matchOf(r);
      if (match === null) continue;
      const group = groups[k]!;
      const value = group >= 0 ? match[group] : match.groups?.[name];
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** Every group the regexes define in the line just read: the record `--schema` checks. */
  record(): Record<string, string> {
    const record: Record<string, string> = {};
    for (const [name, sources] of this.sources) {
      const value = this.group(
        sources,
        sources.map((r) => this.regexes[r]!.numbers?.get(name) ?? -1),
        name,
      );
      if (value !== undefined) record[name] = value;
    }
    return record;
  }
}
