/**
 * The message, level and error of a JSON object line (see `record-fields.ts` for the
 * keys), for its template. A reader of its own rather than `JSON.parse`, for two reasons:
 * a line reaches the templates cut at 4096 characters (`chunk-insight.ts`), and a long
 * JSON line (a stack trace in it) must still give the fields before the cut; and only the
 * strings that are wanted are decoded, the rest skipped.
 *
 * What counts as a JSON object line: `{` first, then key-value pairs as JSON writes them,
 * up to the closing `}` and nothing but whitespace after it, or up to the end of the text
 * (a cut line: the fields found before the cut count, a value cut short as far as it
 * goes). Anything else (single quotes, text after the object, a bare word) is no JSON
 * line. Objects one level down are read for a message, an error or a level (see
 * `record-fields.ts`); arrays, and anything deeper, are skipped following only their
 * brackets and strings.
 */
import { CHAR, isDigit } from '../char-codes.js';
import { closingQuote, unescaped } from './quoted-strings.js';
import {
  ERROR,
  LEVEL,
  RecordFields,
  type RecordMessage,
  fieldKind,
  isErrorObjectKey,
  isLevelObjectKey,
} from './record-fields.js';

const { CLOSE_BRACE, CLOSE_BRACKET, COLON, COMMA, DASH, NEWLINE, OPEN_BRACE, OPEN_BRACKET, QUOTE, RETURN, SPACE, TAB } =
  CHAR;

/** The text ended before the object did (a cut line). */
const CUT = -2;
/** Not JSON. */
const INVALID = -1;

/** Where an object is: the record itself, or one object down (an error, ECS's `log`, any other). */
const IN_RECORD = 0;
const IN_ERROR = 1;
const IN_LOG = 2;
const IN_OTHER = 3;

/** The message, level and error of `text` if it is a JSON object line that has a message or an error; else undefined. `text` is trimmed. */
export function readJsonRecord(text: string): RecordMessage | undefined {
  if (text.charCodeAt(0) !== OPEN_BRACE) return undefined;
  const fields = new RecordFields();
  const end = readObject(text, 0, IN_RECORD, fields);
  if (end === INVALID || (end !== CUT && end !== text.length)) return undefined;
  return fields.result();
}

/** Reads the object whose `{` is at `at`, offering its fields; returns the index after its `}`, `CUT` or `INVALID`. */
function readObject(text: string, at: number, where: number, fields: RecordFields): number {
  const length = text.length;
  at = skipSpace(text, at + 1);
  if (at >= length) return CUT;
  if (text.charCodeAt(at) === CLOSE_BRACE) return at + 1;
  for (;;) {
    if (text.charCodeAt(at) !== QUOTE) return INVALID;
    const keyEnd = closingQuote(text, at);
    if (keyEnd === -1) return CUT;
    const key = unescaped(text, at + 1, keyEnd);
    at = skipSpace(text, keyEnd + 1);
    if (at >= length) return CUT;
    if (text.charCodeAt(at) !== COLON) return INVALID;
    at = skipSpace(text, at + 1);
    if (at >= length) return CUT;
    const code = text.charCodeAt(at);
    if (code === QUOTE) {
      const valueEnd = closingQuote(text, at);
      offerString(fields, where, key, text, at + 1, valueEnd === -1 ? length : valueEnd);
      if (valueEnd === -1) return CUT;
      at = valueEnd + 1;
    } else if (code === OPEN_BRACE && where === IN_RECORD) {
      at = readObject(text, at, isErrorObjectKey(key) ? IN_ERROR : isLevelObjectKey(key) ? IN_LOG : IN_OTHER, fields);
      if (at < 0) return at;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      at = skipNested(text, at);
      if (at < 0) return at;
    } else {
      const start = at;
      at = scalarEnd(text, at);
      if (at === INVALID) return INVALID;
      if (at >= length) return CUT;
      // A number as the level: pino's and bunyan's `"level":30`.
      if (where === IN_RECORD && fieldKind(key) === LEVEL && isDigitOrDash(text.charCodeAt(start)))
        fields.offerLevel(text.slice(start, at));
    }
    at = skipSpace(text, at);
    if (at >= length) return CUT;
    const next = text.charCodeAt(at);
    if (next === CLOSE_BRACE) return at + 1;
    if (next !== COMMA) return INVALID;
    at = skipSpace(text, at + 1);
    if (at >= length) return CUT;
  }
}

/** Offers the string value [start, end) of `key` if it is a field that the template is built from, decoding only then. */
function offerString(fields: RecordFields, where: number, key: string, text: string, start: number, end: number): void {
  switch (where) {
    case IN_RECORD: {
      const kind = fieldKind(key);
      if (kind >= 0) fields.offerMessage(unescaped(text, start, end), kind, false);
      else if (kind === LEVEL) fields.offerLevel(unescaped(text, start, end));
      else if (kind === ERROR) fields.offerError(unescaped(text, start, end));
      return;
    }
    case IN_ERROR:
      if (key === 'message' || key === 'msg') fields.offerError(unescaped(text, start, end));
      return;
    case IN_LOG:
      if (key === 'level') fields.offerLevel(unescaped(text, start, end));
      return;
    default: {
      const kind = fieldKind(key);
      // One object down, only the two usual message keys (`fields.message` of Rust's tracing, `jsonPayload.message`).
      if (kind === 0 || kind === 1) fields.offerMessage(unescaped(text, start, end), kind, true);
    }
  }
}

function skipSpace(text: string, at: number): number {
  for (;;) {
    const code = text.charCodeAt(at);
    if (code !== SPACE && code !== TAB && code !== NEWLINE && code !== RETURN) return at;
    at++;
  }
}

/** The end of a number, `true`, `false` or `null` at `at`, or `INVALID`. */
function scalarEnd(text: string, at: number): number {
  const start = at;
  const length = text.length;
  while (at < length) {
    const code = text.charCodeAt(at);
    if (
      code === COMMA ||
      code === CLOSE_BRACE ||
      code === CLOSE_BRACKET ||
      code === SPACE ||
      code === TAB ||
      code === NEWLINE ||
      code === RETURN
    )
      break;
    at++;
  }
  if (at === start) return INVALID;
  if (isDigitOrDash(text.charCodeAt(start))) return at;
  const word = text.slice(start, at);
  // A cut `tr`, `fals`, `nul` is a cut line.
  if (
    word === 'true' ||
    word === 'false' ||
    word === 'null' ||
    (at >= length && ('true'.startsWith(word) || 'false'.startsWith(word) || 'null'.startsWith(word)))
  )
    return at;
  return INVALID;
}

function isDigitOrDash(code: number): boolean {
  return isDigit(code) || code === DASH;
}

/** Skips the array or object at `at` (brackets and strings followed, nothing checked); the index after it, or `CUT`. */
function skipNested(text: string, at: number): number {
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      i = closingQuote(text, i);
      if (i === -1) return CUT;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth++;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return CUT;
}
