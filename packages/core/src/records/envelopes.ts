/**
 * The container runtimes' wrappings of a line. Docker's json-file driver writes
 * `{"log":"message\n","stream":"stdout","time":"2024-05-01T10:00:00.123456789Z"}`; the
 * CRI (containerd, CRI-O) writes `2024-05-01T10:00:00.123456789Z stdout F message`, `P`
 * marking a line the runtime split, `F` its last part.
 */
import type { FieldValue } from './field-value.js';
import { JsonFieldReader } from './json-fields.js';
import { parseIsoTime } from './time-bound.js';

/** The envelope's fields, and the message to read as the body. */
export interface EnvelopeRead {
  /** Values of `ENVELOPE_FIELDS`, in its order. */
  values: FieldValue[];
  /** The message's bytes and where they lie in them. */
  body: Buffer;
  bodyStart: number;
  bodyEnd: number;
  /** The envelope's time, ms since the epoch, if it is one. */
  time: number | undefined;
}

export const ENVELOPE_FIELDS = ['log', 'stream', 'time', 'tag'] as const;

/** The fields each envelope gives of itself (Docker's lines have no tag). */
export const FIELDS_OF_ENVELOPE: Readonly<Record<'docker' | 'cri', readonly string[]>> = {
  docker: ['log', 'stream', 'time'],
  cri: ['time', 'stream', 'tag', 'log'],
};
const LOG = 0;
const STREAM = 1;
const TIME = 2;

const SPACE = 0x20;

/** Reads Docker json-file lines: a JSON object whose `log` is a string. */
export class DockerEnvelope {
  private readonly reader = new JsonFieldReader(['log', 'stream', 'time']);
  private readonly read3: FieldValue[] = [undefined, undefined, undefined];
  readonly reason = 'not a docker json-file line';

  read(bytes: Buffer, start: number, end: number, into: EnvelopeRead): boolean {
    const values = this.read3;
    if (!this.reader.read(bytes, start, end, values)) return false;
    let log = values[LOG];
    if (typeof log !== 'string' || !this.reader.isString(LOG)) return false;
    if (log.endsWith('\n')) log = log.slice(0, -1);
    const time = values[TIME];
    into.values[LOG] = log;
    into.values[STREAM] = values[STREAM];
    into.values[TIME] = time;
    into.values[3] = undefined;
    into.time = typeof time === 'string' ? parseIsoTime(time) : undefined;
    into.body = Buffer.from(log, 'utf8');
    into.bodyStart = 0;
    into.bodyEnd = into.body.length;
    return true;
  }
}

/** Reads CRI lines: `<RFC 3339 time> <stdout|stderr> <P|F> <message>`. */
export class CriEnvelope {
  readonly reason = 'not a CRI line';

  read(bytes: Buffer, start: number, end: number, into: EnvelopeRead): boolean {
    const timeEnd = bytes.indexOf(SPACE, start);
    if (timeEnd === -1 || timeEnd >= end) return false;
    const streamEnd = bytes.indexOf(SPACE, timeEnd + 1);
    if (streamEnd === -1 || streamEnd >= end) return false;
    const stream = bytes.toString('latin1', timeEnd + 1, streamEnd);
    if (stream !== 'stdout' && stream !== 'stderr') return false;
    let tagEnd = bytes.indexOf(SPACE, streamEnd + 1);
    if (tagEnd === -1 || tagEnd > end) tagEnd = end;
    const tag = bytes.toString('latin1', streamEnd + 1, tagEnd);
    if (tag !== 'P' && tag !== 'F') return false;
    const timeText = bytes.toString('latin1', start, timeEnd);
    const time = parseIsoTime(timeText);
    if (time === undefined) return false;
    const bodyStart = Math.min(tagEnd + 1, end);
    into.values[LOG] = bytes.toString('utf8', bodyStart, end);
    into.values[STREAM] = stream;
    into.values[TIME] = timeText;
    into.values[3] = tag;
    into.time = time;
    into.body = bytes;
    into.bodyStart = bodyStart;
    into.bodyEnd = end;
    return true;
  }
}

/** An envelope field's value by name, for the names the body lacks. */
export function envelopeFieldIndex(field: string): number {
  return (ENVELOPE_FIELDS as readonly string[]).indexOf(field);
}
