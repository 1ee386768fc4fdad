import type { BodyFormat, Envelope, RecordFormat } from '../contract/record-spec.js';
import { UsageError } from '../errors.js';

const BODIES: readonly BodyFormat[] = ['text', 'json', 'logfmt'];
const ENVELOPES: readonly Envelope[] = ['docker', 'cri'];

/**
 * `--format`: `text`, `json`, `logfmt`, `docker`, `cri`, or an envelope and the format of
 * its message joined by `+` (`docker+json`, `cri+logfmt`). An envelope alone reads its
 * message as text.
 */
export function parseRecordFormat(text: string): RecordFormat {
  const [first, second, ...rest] = text.trim().split('+');
  const known = `one of text, json, logfmt, docker, cri, or docker/cri followed by +json, +logfmt or +text`;
  if (rest.length > 0 || first === undefined) throw new UsageError(`--format "${text}": expected ${known}`);
  if ((BODIES as readonly string[]).includes(first) && second === undefined) return { body: first as BodyFormat };
  if ((ENVELOPES as readonly string[]).includes(first)) {
    const body = second ?? 'text';
    if ((BODIES as readonly string[]).includes(body)) return { envelope: first as Envelope, body: body as BodyFormat };
    throw new UsageError(`--format "${text}": the message of ${first} lines is json, logfmt or text, not "${body}"`);
  }
  throw new UsageError(`--format "${text}": expected ${known}`);
}

/** The format as `--format` writes it. */
export function formatName(format: RecordFormat): string {
  return format.envelope ? `${format.envelope}+${format.body}` : format.body;
}
