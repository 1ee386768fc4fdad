/*
 * The variable parts of text masked for its message template (message-template.ts says
 * what is masked and why): the rules of mask-rules.ts, as one global regex of them all
 * would apply them. For speed (it runs on every matching line), a short scan in plain code
 * asks the regex only where a match may begin, and masks a plain number without it.
 */
import { CHAR, isBlank, isDigit, isLetter } from '../char-codes.js';
import {
  AT_DIGIT,
  AT_LETTER,
  AT_PUNCTUATION,
  AT_QUOTE,
  type Kind,
  MONTH_NAMES,
  type RuleSet,
  WEEKDAY_NAMES,
  WORD_ONLY,
} from './mask-rules.js';

const { APOSTROPHE, AT, BACKSLASH, COLON, COMMA, DASH, DOT, PLUS, QUOTE, SLASH, SPACE, TILDE, UNDERSCORE } = CHAR;

/** Digits in a word, with any `.digits` after them. */
const WORD_DIGITS_RE = /\d+(?:\.\d+)*/g;

/** Words with digits that are names, not ids: kept whole (compared in lower case). */
const KEPT_WORDS: ReadonlySet<string> = new Set([
  'md5',
  'sha1',
  'sha224',
  'sha256',
  'sha384',
  'sha512',
  'sha-1',
  'sha-256',
  'sha-512',
  'crc32',
  'utf8',
  'utf-8',
  'utf16',
  'utf-16',
  'utf32',
  'utf-32',
  'base32',
  'base64',
  'http2',
  'http3',
  'h2c',
  'ipv4',
  'ipv6',
  'ssh2',
  'oauth2',
  'tlsv1',
  'x509',
  'pkcs8',
  'pkcs12',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'float32',
  'float64',
  'x86',
  'x86_64',
  'amd64',
  'arm64',
  'aarch64',
  'i386',
  'i686',
  'win32',
  'win64',
  'log4j',
  'log4j2',
  'slf4j',
  'k8s',
  's3',
  'ec2',
  'e2e',
  'i18n',
  'l10n',
]);

/** Keys whose quoted values are text to group by: masked inside rather than replaced. */
const TEXT_KEYS: ReadonlySet<string> = new Set([
  'msg',
  'message',
  'error',
  'err',
  'reason',
  'cause',
  'exception',
  'description',
  'detail',
  'details',
  'level',
  'lvl',
  'severity',
  'logger',
  'caller',
  'event',
]);

const TRAILING_PUNCTUATION = '.,:;!?)';

/** Whether the quoted text at [start, end) is a JSON(-ish) key: after `{` or `,`, before `:`. */
function isObjectKey(text: string, start: number, end: number): boolean {
  let before = start - 1;
  while (before >= 0 && isBlank(text.charCodeAt(before))) before--;
  const opener = text.charCodeAt(before);
  if (opener !== 0x7b /* { */ && opener !== 0x2c /* , */) return false;
  let after = end;
  while (after < text.length && isBlank(text.charCodeAt(after))) after++;
  return text.charCodeAt(after) === 0x3a; /* : */
}

function isKeyChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x5f ||
    code === 0x2e ||
    code === 0x2d
  );
}

/** Whether the quoted value at `start` follows a text key: `msg=`, `"msg":`, `'msg': `, `error.message=`, `errorMessage:`. */
function followsTextKey(text: string, start: number): boolean {
  let at = start - 1;
  while (at >= 0 && isBlank(text.charCodeAt(at))) at--;
  const separator = text.charCodeAt(at);
  if (separator !== 0x3d /* = */ && separator !== 0x3a /* : */) return false;
  at--;
  while (at >= 0 && isBlank(text.charCodeAt(at))) at--;
  const quote = text.charCodeAt(at);
  if (quote === 0x22 || quote === 0x27) at--;
  const end = at + 1;
  while (at >= 0 && isKeyChar(text.charCodeAt(at))) at--;
  if (end - (at + 1) === 0) return false;
  const key = text.slice(at + 1, end);
  const lower = key.toLowerCase();
  if (TEXT_KEYS.has(lower)) return true;
  const lastPart = lower.slice(Math.max(lower.lastIndexOf('.'), lower.lastIndexOf('_'), lower.lastIndexOf('-')) + 1);
  if (TEXT_KEYS.has(lastPart)) return true;
  // camelCase (not a class name such as `KeyError`): the last capitalised word (`errorMessage` → `message`).
  if (!isLetter(key.charCodeAt(0)) || key.charCodeAt(0) !== lower.charCodeAt(0)) return false;
  for (let i = key.length - 1; i > 0; i--) {
    const code = key.charCodeAt(i);
    if (code >= 0x41 && code <= 0x5a) return TEXT_KEYS.has(lower.slice(i));
  }
  return false;
}

/** `<path>`/`<url>`, with the sentence punctuation that the match took at its end put back. */
function withTrailing(placeholder: string, token: string): string {
  let end = token.length;
  while (end > 0 && TRAILING_PUNCTUATION.includes(token.charAt(end - 1))) end--;
  return end === token.length ? placeholder : placeholder + token.slice(end);
}

/** A quoted value's replacement: as it is (a JSON key), masked inside (a text key's value, up to `limit` characters) or `"<str>"`. */
function quoted(text: string, match: RegExpExecArray, nested: boolean, limit: number): string {
  const token = match[0];
  const quote = token.charAt(0);
  if (nested) return `${quote}<str>${quote}`;
  const start = match.index;
  if (isObjectKey(text, start, start + token.length)) return token;
  if (followsTextKey(text, start)) return quote + mask(token.slice(1, -1), true, limit) + quote;
  return `${quote}<str>${quote}`;
}

const MONTHS: ReadonlySet<string> = new Set(MONTH_NAMES);
/** What a named date may begin with: a weekday or a month. */
const DATE_NAMES: ReadonlySet<string> = new Set([...WEEKDAY_NAMES, ...MONTH_NAMES]);
/** The first two letters of the names, as `first << 7 | second`: most capitalised words are no name at their first two letters. */
const NAME_STARTS: ReadonlySet<number> = new Set(
  [...DATE_NAMES].map((name) => (name.charCodeAt(0) << 7) | name.charCodeAt(1)),
);

/** Whether the run of letters [at, end) is one of `names` (weekday or month names, of 3 to 9 letters). */
function isNameAt(text: string, at: number, end: number, names: ReadonlySet<string>): boolean {
  return (
    end - at >= 3 &&
    end - at <= 9 &&
    NAME_STARTS.has((text.charCodeAt(at) << 7) | text.charCodeAt(at + 1)) &&
    names.has(text.slice(at, end))
  );
}

/** Whether a month name begins at `at` (`13 Feb 2024`): the run of letters there is one. */
function isMonthAt(text: string, at: number): boolean {
  const first = text.charCodeAt(at);
  if (!(first >= 0x41 && first <= 0x5a)) return false;
  let end = at + 1;
  while (end < text.length && isLetter(text.charCodeAt(end))) end++;
  return isNameAt(text, at, end, MONTHS);
}

/** Whitespace as `\s` has it. */
function isWhitespace(code: number): boolean {
  if (code < 0x80) return code === SPACE || (code >= 0x09 && code <= 0x0d);
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** A character of an e-mail address's local part or of a URL scheme: `[\w.+-]`. */
function isAddressChar(code: number): boolean {
  return isLetter(code) || isDigit(code) || code === UNDERSCORE || code === DOT || code === PLUS || code === DASH;
}

function isAllHex(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++)
    if (((text.charCodeAt(i) | 0x20) < 0x61 || (text.charCodeAt(i) | 0x20) > 0x66) && !isDigit(text.charCodeAt(i)))
      return false;
  return true;
}

/** Whether an e-mail address or a URL may begin at `at`: where a run of `[\w.+-]` begins that `@` or `://` follows. */
function mayBeginAddress(text: string, at: number): boolean {
  if (at > 0 && isAddressChar(text.charCodeAt(at - 1))) return false;
  let end = at;
  while (end < text.length && isAddressChar(text.charCodeAt(end))) end++;
  const after = text.charCodeAt(end);
  return after === AT || (after === COLON && text.charCodeAt(end + 1) === SLASH && text.charCodeAt(end + 2) === SLASH);
}

/**
 * Whether a match may begin at the run of letters [at, end): what each rule needs right
 * after letters (a digit, `@`, `://`, hex letters before `:` or `-`, `C:\`, a weekday or a
 * month before a space or `,`). No match begins inside a run of letters: every rule that may
 * begin with a letter refuses one before it.
 */
function mayBeginAtLetters(text: string, at: number, end: number): boolean {
  const after = text.charCodeAt(end);
  if (isDigit(after) || after === AT) return true;
  if (after === COLON)
    return (
      (end - at <= 4 && isAllHex(text, at, end)) ||
      (end - at === 1 && text.charCodeAt(end + 1) === BACKSLASH) ||
      mayBeginAddress(text, at)
    );
  if (after === DASH)
    return isDigit(text.charCodeAt(end + 1)) || (end - at <= 8 && isAllHex(text, at, end)) || mayBeginAddress(text, at);
  if (after === DOT || after === UNDERSCORE || after === PLUS) return mayBeginAddress(text, at);
  return (after === SPACE || after === COMMA) && isNameAt(text, at, end, DATE_NAMES);
}

/**
 * Whether at the run of letters [at, end), before a digit or `-`, only the word rule can
 * match: the letters are not all hex (for a MAC, UUID, IPv6 or hex token) and begin no
 * e-mail address or URL.
 */
function onlyWordAt(text: string, at: number, end: number): boolean {
  return !isAllHex(text, at, end) && !mayBeginAddress(text, at);
}

/**
 * Whether the run of digits at `at`, followed by `code`, is a number and nothing more: before
 * a letter that can continue no hex (not a-f, not the `x` of `0x`) and beginning no e-mail
 * address, only the number rule can match, and it takes the digits alone (`250ms`).
 */
function onlyNumberAt(text: string, at: number, code: number): boolean {
  const lower = code | 0x20;
  return lower > 0x66 && lower <= 0x7a && lower !== 0x78 && !mayBeginAddress(text, at);
}

/**
 * Whether a run of digits followed by `code` may be (the start of) more than a number: a
 * letter (a unit, hex, `0x`, an exponent) or `. : - / @ _ +` (an address, a time, a date,
 * an IP, an e-mail address, a decimal).
 */
function mayExtendDigits(code: number): boolean {
  return (
    isLetter(code) ||
    code === DOT ||
    code === COLON ||
    code === DASH ||
    code === SLASH ||
    code === AT ||
    code === UNDERSCORE ||
    code === PLUS
  );
}

/** Which of the rules of `AT_PUNCTUATION` may begin at the punctuation character at `at`. */
function mayBeginAtPunctuation(text: string, at: number, code: number): boolean {
  const next = text.charCodeAt(at + 1);
  switch (code) {
    case SLASH:
      return true;
    case DOT:
      return next === SLASH || (next === DOT && text.charCodeAt(at + 2) === SLASH) || mayBeginAddress(text, at);
    case TILDE:
      return next === SLASH;
    case COLON:
      return next === COLON;
    case DASH:
      return isDigit(next) || mayBeginAddress(text, at);
    case UNDERSCORE:
    case PLUS:
      return mayBeginAddress(text, at);
    default:
      return false;
  }
}

/** The replacement for a match of a rule of `kind` in `text`. */
function replacementFor(kind: Kind, text: string, match: RegExpExecArray, nested: boolean, limit: number): string {
  const token = match[0];
  switch (kind) {
    case 'num':
      return '<num>';
    case 'word':
      return KEPT_WORDS.has(token.toLowerCase()) ? token : token.replace(WORD_DIGITS_RE, '<num>');
    case 'quoted':
      return quoted(text, match, nested, limit);
    case 'path':
      return withTrailing('<path>', token);
    case 'url':
      return withTrailing('<url>', token);
    default:
      return `<${kind}>`;
  }
}

/**
 * `text` with its variable parts masked: what the rules would replace scanning left to
 * right (as one global regex of them all would), and whitespace runs made one space. The
 * regex of the rules that may begin with a character's class is asked only where a match
 * may begin, and a run of letters that begins none is passed in one step. Stops once the
 * result is longer than `limit`: what comes after cannot change what came before.
 */
export function mask(text: string, nested: boolean, limit: number): string {
  const length = text.length;
  let out = '';
  let copied = 0;
  let at = 0;
  while (at < length) {
    if (out.length + (at - copied) > limit) return out + text.slice(copied, at);
    const code = text.charCodeAt(at);
    let rules: RuleSet | undefined;
    let next = at + 1;
    if (isLetter(code)) {
      while (next < length && isLetter(text.charCodeAt(next))) next++;
      if (mayBeginAtLetters(text, at, next)) {
        const after = text.charCodeAt(next);
        rules = (isDigit(after) || after === DASH) && onlyWordAt(text, at, next) ? WORD_ONLY : AT_LETTER;
      }
    } else if (isDigit(code)) {
      while (next < length && isDigit(text.charCodeAt(next))) next++;
      const after = text.charCodeAt(next);
      if (
        (mayExtendDigits(after) && !(isLetter(after) && onlyNumberAt(text, at, after))) ||
        (after === SPACE && next - at <= 2 && isMonthAt(text, next + 1))
      )
        rules = AT_DIGIT;
      else {
        // A number and nothing more (a unit may follow): what `AT_DIGIT` would find, without asking it.
        out += `${text.slice(copied, at)}<num>`;
        copied = next;
        if (out.length > limit) return out;
      }
    } else if (isWhitespace(code)) {
      while (next < length && isWhitespace(text.charCodeAt(next))) next++;
      if (code !== SPACE || next - at > 1) {
        out += `${text.slice(copied, at)} `;
        copied = next;
        if (out.length > limit) return out;
      }
    } else if (code === QUOTE || code === APOSTROPHE) {
      rules = AT_QUOTE;
    } else if (code < 0x80 && mayBeginAtPunctuation(text, at, code)) {
      rules = AT_PUNCTUATION;
    }
    if (rules !== undefined) {
      rules.re.lastIndex = at;
      const match = rules.re.exec(text);
      if (match !== null) {
        let group = 1;
        while (match[group] === undefined) group++;
        out += text.slice(copied, at) + replacementFor(rules.kinds[group - 1]!, text, match, nested, limit);
        at = copied = at + match[0].length;
        if (out.length > limit) return out;
        continue;
      }
      // Past a run of letters at once (no match begins inside one); elsewhere one character on.
      if (!isLetter(code)) next = at + 1;
    }
    at = next;
  }
  return copied === 0 ? text : out + text.slice(copied);
}
