/**
 * The message, level and error of a logfmt line (`level=info msg="request done"
 * user=alice`; see `record-fields.ts` for the keys), for its template, so that it groups
 * as the same record written as JSON does (Go's slog writes either).
 *
 * What counts as a logfmt line: `key=value` pairs and nothing else, separated by spaces
 * or tabs. A key is a run of characters other than whitespace, `=` and `"`, the first a
 * letter, `_` or `@`; a value is bare (up to the next space, maybe empty) or quoted, with
 * backslash escapes. A line cut short inside a quoted value gives what it holds before
 * the cut.
 */
import { CHAR, isBlank, isLetter } from '../char-codes.js';
import { closingQuote, unescaped } from './quoted-strings.js';
import { ERROR, LEVEL, OTHER, RecordFields, type RecordMessage, fieldKind } from './record-fields.js';

const { AT, EQUALS, QUOTE, SPACE, UNDERSCORE } = CHAR;

/** The message, level and error of `text` if it is a logfmt line that has a message or an error; else undefined. `text` is trimmed. */
export function readLogfmtRecord(text: string): RecordMessage | undefined {
  // Most lines that are no logfmt say so at their first character.
  if (!isKeyStart(text.charCodeAt(0))) return undefined;
  const length = text.length;
  let fields: RecordFields | undefined;
  let at = 0;
  while (at < length) {
    const keyStart = at;
    while (at < length && isKeyChar(text.charCodeAt(at))) at++;
    if (at === keyStart || text.charCodeAt(at) !== EQUALS) return undefined;
    const kind = fieldKind(text.slice(keyStart, at));
    at++;
    let value: string | undefined;
    if (text.charCodeAt(at) === QUOTE) {
      const close = closingQuote(text, at);
      const end = close === -1 ? length : close;
      if (kind !== OTHER) value = unescaped(text, at + 1, end);
      at = close === -1 ? length : close + 1;
    } else {
      const start = at;
      while (at < length && !isBlank(text.charCodeAt(at)) && text.charCodeAt(at) !== QUOTE) at++;
      if (kind !== OTHER) value = text.slice(start, at);
    }
    if (value !== undefined) {
      fields ??= new RecordFields();
      if (kind >= 0) fields.offerMessage(value, kind, false);
      else if (kind === LEVEL) fields.offerLevel(value);
      else if (kind === ERROR) fields.offerError(value);
    }
    if (at < length) {
      if (!isBlank(text.charCodeAt(at))) return undefined;
      while (isBlank(text.charCodeAt(at))) at++;
    }
  }
  return fields?.result();
}

/** A letter, `_` or `@`: what logfmt keys begin with in practice. */
function isKeyStart(code: number): boolean {
  return isLetter(code) || code === UNDERSCORE || code === AT;
}

function isKeyChar(code: number): boolean {
  return code > SPACE && code !== EQUALS && code !== QUOTE;
}
