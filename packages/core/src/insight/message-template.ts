/**
 * Message templates for the top messages (`--top`): a log line with its variable parts
 * masked, so that lines differing only in them group together. Pure, synchronous and
 * deterministic. The masks are the `RULES` below, applied as one global regex of them all
 * would apply them: scanning left to right, the leftmost match wins and, of matches at the
 * same position, that of the first rule. For speed (it runs on every matching line), a
 * short scan in plain code asks the regex only where a match may begin, and masks a plain
 * number without it.
 *
 * What is masked, in the order the rules are tried at one position (so a quoted value is
 * `"<str>"` whatever is inside it, a timestamp is no numbers, a UUID no hex):
 *
 * | kind | example | becomes |
 * | --- | --- | --- |
 * | double-quoted value (no newline inside, `\"` escapes) | `user "alice"` | `user "<str>"` |
 * | single-quoted value (the `'` not glued to a word, so `can't` is no quote) | `KeyError: 'id'` | `KeyError: '<str>'` |
 * | MAC address | `00:1a:2b:3c:4d:5e` | `<hex>` |
 * | ISO 8601 date and time, `yyyy/MM/dd HH:mm:ss`, a date alone | `2024-03-05T14:02:11.381Z`, `2024-03-05 14:02:11,381` | `<ts>` |
 * | month-day date and time (Android logcat) | `03-05 14:02:11.381` | `<ts>` |
 * | access-log time (the brackets stay) | `[10/Oct/2000:13:55:36 -0700]` | `[<ts>]` |
 * | date with a month name and a year, a time or both, a weekday before it, a zone or a year after the time | `Oct 11 22:14:15` (syslog), `[Sun Dec 04 04:47:44 2005]` (Apache, ctime), `Tue, 13 Feb 2024 10:22:03 GMT`, `Mon Oct 16 12:00:01 UTC 2023` (date(1)), `13-Feb-2024 10:22:03.123` (Tomcat, PHP), `Feb 13, 2024 10:22:03 AM` (Java), `13 Feb 2024` | `<ts>`, `[<ts>]` |
 * | time of day with seconds | `14:02:11.381` | `<ts>` |
 * | `scheme://` URL (trailing `.,:;!?)` stay out) | `https://x.io/a?b=1` | `<url>` |
 * | e-mail address | `bob.smith+x@mail.example.com` | `<email>` |
 * | UUID, any case | `550e8400-e29b-41d4-a716-446655440000` | `<uuid>` |
 * | IPv6 (full, `::`-compressed, zone, IPv4 tail; with at least one digit) | `fe80::1%eth0`, `::1` | `<ip>` |
 * | IPv4 with optional port | `10.0.12.34:5432` | `<ip>` |
 * | path: `/`, `./`, `../`, `~/` or `C:\` with at least one more separator | `/api/v1/orders/42`, `C:\logs\app.log` | `<path>` |
 * | `0x` hex, and bare hex tokens of ≥ 8 chars with a digit and a letter a-f | `0x1d`, `7f3a9c2e1b`, `req_7f3a9c2e1b` | `<hex>`, `req_<hex>` |
 * | digits in a word (letters first) | `user42`, `worker-12`, `http-nio-8080-exec-3`, `python3.11` | `user<num>`, `worker-<num>`, `http-nio-<num>-exec-<num>`, `python<num>` |
 * | number: integer, decimal, negative (also after `_`), exponent; a glued unit stays | `-3`, `0.25`, `blk_-42`, `250ms`, `12MB`, `99%` | `<num>`, `<num>`, `blk_<num>`, `<num>ms`, `<num>MB`, `<num>%` |
 * | whitespace runs, tabs | `a \t  b` | `a b` |
 *
 * Choices:
 * - Digits are masked wherever they are, inside words too (`user42` → `user<num>`,
 *   `ERROR2` → `ERROR<num>`, `h2o` → `h<num>o`): ids glued to names are the commonest
 *   variable part of real logs. The exceptions are a few well-known words, kept whole
 *   (any case): `sha256`, `md5`, `utf-8`, `http2`, `ipv4`, `base64`, `int64`, `amd64`,
 *   `ssh2`, `log4j`… (see `KEPT_WORDS`).
 * - `key=value` in text: the key stays, and so does the value unless a mask applies to it
 *   (`level=error user=alice id=42 took=30s` → `level=error user=alice id=<num> took=<num>s`),
 *   since such values are often meaningful. A quoted value is a quoted value
 *   (`user="alice"` → `user="<str>"`).
 * - JSON and logfmt lines are grouped by their message, not by their keys. A line that
 *   is a JSON object (`{` first, its `}` last; read by `json-record.ts`) or all logfmt
 *   pairs (`logfmt-record.ts`), with a message or an error field, has the template
 *   `[level] message: error`: the message masked as any line is, after its escapes are
 *   decoded (`\n`, `\"`, `\u00e9`); the level as written; the error masked, and left out
 *   when the message holds it already. Every other field is left out, so that lines with
 *   one message group whatever else they hold:
 *   `{"level":"error","ts":…,"caller":"api/handler.go:42","msg":"request failed","error":"dial tcp 10.0.0.5:5432: i/o timeout"}`
 *   → `[error] request failed: dial tcp <ip>: i/o timeout`; Docker's
 *   `{"log":"GET /health 200 3ms\n","stream":"stdout","time":…}` → `GET /health <num> <num>ms`;
 *   `time=… level=INFO msg="request done" method=GET user=alice` → `[INFO] request done`,
 *   as the same record written as JSON. The keys (`record-fields.ts`; as written or in
 *   lower case, a blank or non-text value being none):
 *   - message: the first present of `msg`, `message`, `@message`, `@mt` (Serilog's
 *     template), `@m`, `short_message` (GELF), `textPayload`, `log` (Docker), `event`
 *     (structlog); if the top level has none, the first `msg` or `message` one object
 *     down (`fields.message` of Rust's tracing, `jsonPayload.message`); deeper, none;
 *   - level: `level`, `lvl`, `severity`, `levelname`, `loglevel`, `log_level`,
 *     `log.level` or `{"log":{"level":…}}` (ECS), `@l`; a number too (pino's `50`);
 *   - error: `error`, `err`, `exception`, as text or as an object's `message`/`msg`
 *     (pino, ECS); `error.message`, `err.message`, `error_message`, `errorMessage`…
 *     With no message, the error is the message (`[error] unexpected EOF`).
 *
 *   A message that is itself a JSON or logfmt line (Docker's log of such an app) is read
 *   as one, once. A line cut short (the reader decodes 4096 characters of a line) gives
 *   what it holds before the cut. A JSON or logfmt line with neither message nor error,
 *   pairs after other text (`2024-03-05T14:02:11Z level=info msg="x"`), and JSON-ish text
 *   (single quotes, text before the `{` or after the `}`) are masked as text, `key=value`
 *   as above: a quoted key (after `{` or `,`, before `:`) stays as it is, and the quoted
 *   value of a text key (`msg`, `message`, `error`, `err`, `reason`, `cause`,
 *   `exception`, `description`, `detail(s)`, `level`, `lvl`, `severity`, `logger`,
 *   `caller`, `event`; also as the last part of `error.message`, `err_msg`,
 *   `errorMessage`, but not of a class name such as `KeyError`), after `:` or `=`, is not
 *   replaced but masked inside (a quoted value in it is `"<str>"`):
 *   `{'msg': 'timeout after 250ms', 'user': 'u1'}` → `{'msg': 'timeout after <num>ms', 'user': '<str>'}`;
 *   likewise `msg="…"`.
 * - Access log lines (Common or Combined Log Format, Apache's and nginx's default; read by
 *   `access-log-line.ts`) are grouped by their request and status, as a person reads
 *   them, instead of all becoming `<ip> - - [<ts>] "<str>" <num> <num> "<str>" "<str>"`:
 *   the template is the method, the path masked segment by segment (the path rule would
 *   take it whole), the query's keys with their values `<val>` (an empty one stays
 *   empty), and the status, as written. Address, user, time, size, referrer and user
 *   agent are left out: `10.0.0.2 - alice [05/Mar/2024:14:02:12 +0000] "GET
 *   /api/v1/orders/42?expand=items HTTP/1.1" 200 512 "-" "curl/8.5.0"` →
 *   `GET /api/v<num>/orders/<num>?expand=<val> 200`. A target that is no path
 *   (`example.com:443`, `http://…`) is masked as text; a request that is no method and
 *   target (`"-"`, a TLS handshake's bytes) leaves the line masked as text.
 * - The start of the line (timestamp, level, thread, logger) gets no special treatment;
 *   the masks above apply there as anywhere.
 * - Weekday and month names are masked only as part of a date, which needs a day with a
 *   year or a time (`Sun Dec 04 04:47:44 2005`, `Feb 13, 2024`, `13 Feb 10:22:03`):
 *   `Sun Microsystems`, `in May`, `May 5 users`, `March 2024`, `Sat 12 Jan` stay as they
 *   are (their digits masked). Names in title case (`Feb`, `February`, `Sept`, `Tues`) or
 *   abbreviated in capitals (`FEB`, as Oracle writes them); not in lower case. After the
 *   time, `AM`/`PM`, a zone (an offset, `UTC`, `GMT+0100`, the common abbreviations such as
 *   `CEST`, `PST`, `IST`; not any capitals, which may be a host), a year and JavaScript's
 *   `(Central European Standard Time)` belong to the timestamp. Dates of digits alone
 *   other than those above (HDFS's `081109 203615`, `2/13/2024`) are numbers.
 * - Leading and trailing whitespace (with a trailing `\r`) is trimmed; the result is capped
 *   at `MAX_TEMPLATE` characters, the last of them `…` when cut.
 *
 * Not masked: ids of letters and digits that are no hex (`ch_3MmlLrLk…` only has its
 * digits masked, so such ids still split templates), hex of fewer than 8 characters
 * (`a1b2c3d` → `a<num>b<num>c<num>d`), words without digits (`user=alice`).
 */

import {
  APOSTROPHE,
  AT,
  BACKSLASH,
  COLON,
  COMMA,
  DASH,
  DOT,
  PLUS,
  QUOTE,
  SLASH,
  SPACE,
  TILDE,
  UNDERSCORE,
  isBlank,
  isDigit,
  isLetter,
} from '../char-codes.js';
import type { TemplateTally } from '../contract/chunk-findings.js';
import { type AccessRequest, readAccessLine } from './access-log-line.js';
import { readJsonRecord } from './json-record.js';
import { readLogfmtRecord } from './logfmt-record.js';
import type { RecordMessage } from './record-fields.js';

/** Longest template, `…` included. */
const MAX_TEMPLATE = 300;
/** Longest example line, `…` included. */
const MAX_EXAMPLE = 500;
/** Distinct templates a `TemplateTallies` keeps by default. */
const DEFAULT_MAX_TEMPLATES = 10_000;

const HEX = '[0-9a-fA-F]';
const H4 = `${HEX}{1,4}`;
/** The time after a date: `14:02`, `14:02:11`, `14:02:11.381Z`, `14:02:11,381+02:00`. */
const DATE_TIME = String.raw`\d\d:\d\d(?::\d\d)?(?:[.,]\d+)?(?:[Zz]|[+-]\d\d(?::?\d\d)?)?`;
/** Month names: abbreviated and full in title case (`Sept` too), abbreviated in capitals (`13-FEB-2024`). */
const MONTH_NAMES: readonly string[] = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'].flatMap((name) => {
  const short = name.slice(0, 3);
  return [...new Set([name, short, short.toUpperCase(), ...(short === 'Sep' ? ['Sept'] : [])])];
});
/** Weekday names: abbreviated (`Tues`, `Thur`, `Thurs` too) and full in title case, abbreviated in capitals. */
const WEEKDAY_NAMES: readonly string[] = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'].flatMap((name) => {
  const short = name.slice(0, 3);
  return [name, short, short.toUpperCase(), ...(short === 'Tue' ? ['Tues'] : short === 'Thu' ? ['Thur', 'Thurs'] : [])];
});
/** Alternatives, the longest first. */
const alternatives = (names: readonly string[]) => `(?:${[...names].sort((a, b) => b.length - a.length).join('|')})`;
const MONTH = alternatives(MONTH_NAMES);
/** A weekday before a date, with its comma (`Tue, 13 Feb`). */
const WEEKDAY = `(?:${alternatives(WEEKDAY_NAMES)},? {1,2})?`;
/** A four-digit year; not the start of a longer number, a time or an address. */
const YEAR = String.raw`\d{4}(?![\w:]|\.\d)`;
/** A time after a named date: hours of one or two digits, seconds; a fraction; AM/PM, also after JDK 20's narrow no-break space. */
const NAMED_DATE_TIME = String.raw`\d\d?:\d\d:\d\d(?:[.,]\d+)?(?![\d:])(?:[ \u202f]?[AaPp][Mm](?![A-Za-z]))?`;
/** The same with a year before it: seconds may be left out. */
const NAMED_DATE_TIME_AFTER_YEAR = String.raw`\d\d?:\d\d(?::\d\d(?:[.,]\d+)?)?(?![\d:])(?:[ \u202f]?[AaPp][Mm](?![A-Za-z]))?`;
/** Zones written after a named date's time: an offset, `UTC`/`GMT` with an offset or not, the common abbreviations. */
const ZONE = String.raw`(?:(?:UTC|GMT)(?:[+-]\d\d?(?::?\d\d)?)?|[+-]\d\d:?\d\d|[PMCE][SD]T|AK[SD]T|HST|CES?T|EES?T|WES?T|BST|IST|MSK|[JK]ST|HKT|SGT|A[ECW][SD]T|NZ[SD]T)(?!\w)`;
/** What may follow a named date's time: a zone, a year (`Mon Oct 16 12:00:01 UTC 2023`), a zone after the year (openssl), a zone's name in brackets (JavaScript). */
const NAMED_DATE_TAIL = String.raw`(?: ${ZONE})?(?: ${YEAR})?(?: ${ZONE})?(?: \([A-Za-z][A-Za-z ]{0,60}\))?`;
/** A character of a path segment; `/` and `\` are the separators. */
const PATH_CHAR = String.raw`[^\s"'\x60<>()\[\]{}|,;/\\]`;
const PATH_OR_SLASH = String.raw`[^\s"'\x60<>()\[\]{}|,;\\]`;
const WIN_PATH_CHAR = String.raw`[^\s"'\x60<>|,;/\\]`;
const WIN_PATH_OR_BACKSLASH = String.raw`[^\s"'\x60<>|,;/]`;

/** What a rule's match becomes. */
type Kind = 'quoted' | 'ts' | 'url' | 'email' | 'uuid' | 'ip' | 'path' | 'hex' | 'word' | 'num';

/**
 * The masks, in the order they are tried at one position (the leftmost match in the line
 * winning, and at one position the first rule that matches). `begins`: what the first
 * character of a match may be (d: digit, l: letter, q: quote, p: one of `/ . ~ : - _ +`).
 * Whitespace is collapsed by `mask` itself.
 */
const RULES: readonly { kind: Kind; begins: string; source: string }[] = [
  // "…" with \" escapes (an escaped quote opens nothing); '…', its quotes not glued to a word (`can't`).
  { kind: 'quoted', begins: 'q', source: String.raw`(?<!\\)"(?:[^"\\\n]|\\.)*"|(?<![\w\\])'(?:[^'\\\n]|\\.)*'(?![A-Za-z0-9])` },
  // MAC address (before times: `00:11:22:33:44:55` is none).
  { kind: 'hex', begins: 'dl', source: String.raw`(?<![\w:-])(?:${HEX}{2}:){5}${HEX}{2}(?![\w:])|(?<![\w:-])(?:${HEX}{2}-){5}${HEX}{2}(?![\w-])` },
  // Timestamps: ISO 8601 / log4j / Go (`2024/03/05 14:02:11`), logcat's month-day, access log, dates with names, a time of day.
  {
    kind: 'ts',
    begins: 'dl',
    source: [
      String.raw`\d{4}(?:-\d\d-\d\d|/\d\d/\d\d)(?:[Tt ]${DATE_TIME})?(?!\d)`,
      String.raw`(?<![\w.:/-])[01]\d-[0-3]\d \d\d:\d\d:\d\d(?:\.\d+)?(?![\d:])`,
      String.raw`\d\d?/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d(?: [+-]\d{4})?`,
      // Named dates (a weekday before any of them): with a year, the time optional
      // (`Feb 13, 2024`, `Tue Feb 13 2024 10:22:03`, `13 Feb 2024`, `13-Feb-24 10:22:03`);
      // without a year, a time needed (syslog `Feb 13 10:22:03`, ctime, Redis `13 Feb 10:22:03`).
      String.raw`(?<![A-Za-z0-9])${WEEKDAY}${MONTH} {1,2}\d\d?,? ${YEAR}(?:,? ${NAMED_DATE_TIME_AFTER_YEAR}${NAMED_DATE_TAIL})?`,
      String.raw`(?<![A-Za-z0-9])${WEEKDAY}(?:\d\d? ${MONTH},? ${YEAR}|\d\d?-${MONTH}-(?:\d{4}|\d\d)(?![\w:]|\.\d))(?:[ :]${NAMED_DATE_TIME_AFTER_YEAR}${NAMED_DATE_TAIL})?`,
      String.raw`(?<![A-Za-z0-9])${WEEKDAY}(?:${MONTH} {1,2}\d\d?|\d\d? ${MONTH}) ${NAMED_DATE_TIME}${NAMED_DATE_TAIL}`,
      String.raw`\d\d?:\d\d:\d\d(?:[.,]\d+)?(?![\d:])`,
    ].join('|'),
  },
  { kind: 'url', begins: 'l', source: String.raw`(?<![\w+.-])[A-Za-z][\w+.-]*://[^\s"'\x60<>]*` },
  { kind: 'email', begins: 'dlp', source: String.raw`(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+` },
  // UUID (after `_` too: `job_<uuid>`).
  { kind: 'uuid', begins: 'dl', source: String.raw`(?<![A-Za-z0-9])${HEX}{8}-${HEX}{4}-${HEX}{4}-${HEX}{4}-${HEX}{12}(?!${HEX})` },
  // IPv6: full, or compressed with `::`; at least one digit (so `Bad::Cafe` is none); zone, IPv4 tail.
  {
    kind: 'ip',
    begins: 'dlp',
    source: String.raw`(?<![\w:.])(?=[0-9a-fA-F:]*\d)(?:(?:${H4}:){7}${H4}|(?:${H4}:){1,6}:(?:${H4}(?::${H4}){0,5})?|::${H4}(?::${H4}){0,6})(?:(?<=:\d{1,3})\.\d{1,3}\.\d{1,3}\.\d{1,3})?(?:%[\w.]+)?(?![\w:])`,
  },
  // IPv4 with an optional port; not part of a longer dotted number.
  { kind: 'ip', begins: 'd', source: String.raw`(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?!\w|\.\d)` },
  // Path: `/a/…`, `./a/…`, `../a/…`, `~/a/…`, `C:\a\…`.
  { kind: 'path', begins: 'lp', source: String.raw`(?<![\w.~/\\-])(?:\.{1,2}|~)?/${PATH_CHAR}+/${PATH_OR_SLASH}*|(?<![\w])[A-Za-z]:\\${WIN_PATH_CHAR}+\\${WIN_PATH_OR_BACKSLASH}*` },
  // Hex: `0x…`, or a whole token of ≥ 8 hex chars with a digit and a letter (`_` counts as a separator).
  { kind: 'hex', begins: 'dl', source: String.raw`(?<![A-Za-z0-9])(?:0[xX]${HEX}+|(?=\d*[a-fA-F])(?=[a-fA-F]*\d)${HEX}{8,})(?![A-Za-z0-9])` },
  // A word, letters first, with digits in it (`user42`, `nio-8080`, `utf-8`, `python3.11`); not `req_7f3a9c2e1b`, whose id is a hex token.
  { kind: 'word', begins: 'l', source: String.raw`(?<![A-Za-z0-9_])[A-Za-z]+-?\d[A-Za-z0-9_]*(?:\.\d[A-Za-z0-9_]*)*` },
  // Number; the sign only where no word or number ends just before (`worker-12` keeps its `-`), but after `_` (`blk_-42`).
  { kind: 'num', begins: 'dp', source: String.raw`(?:(?<![A-Za-z0-9.)\]-])-)?\d+(?:\.\d+)*(?:[eE][+-]?\d+)?` },
];

/** A sticky regex of the rules that may begin with `begin`, one capture group each, and the kind of each group. */
function compile(begin: string): { re: RegExp; kinds: Kind[] } {
  const rules = RULES.filter((rule) => rule.begins.includes(begin));
  return { re: new RegExp(rules.map((rule) => `(${rule.source})`).join('|'), 'y'), kinds: rules.map((rule) => rule.kind) };
}

const AT_DIGIT = compile('d');
const AT_LETTER = compile('l');
/** The word rule alone, for letters where no other rule can match (see `onlyWordAt`). */
const WORD_ONLY = { re: new RegExp(`(${RULES.find((rule) => rule.kind === 'word')!.source})`, 'y'), kinds: ['word'] as Kind[] };
const AT_QUOTE = compile('q');
const AT_PUNCTUATION = compile('p');

/** Digits in a word, with any `.digits` after them. */
const WORD_DIGITS_RE = /\d+(?:\.\d+)*/g;

/** Words with digits that are names, not ids: kept whole (compared in lower case). */
const KEPT_WORDS: ReadonlySet<string> = new Set([
  'md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'sha-1', 'sha-256', 'sha-512', 'crc32',
  'utf8', 'utf-8', 'utf16', 'utf-16', 'utf32', 'utf-32', 'base32', 'base64',
  'http2', 'http3', 'h2c', 'ipv4', 'ipv6', 'ssh2', 'oauth2', 'tlsv1', 'x509', 'pkcs8', 'pkcs12',
  'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64',
  'x86', 'x86_64', 'amd64', 'arm64', 'aarch64', 'i386', 'i686', 'win32', 'win64',
  'log4j', 'log4j2', 'slf4j', 'k8s', 's3', 'ec2', 'e2e', 'i18n', 'l10n',
]);

/** Keys whose quoted values are text to group by: masked inside rather than replaced. */
const TEXT_KEYS: ReadonlySet<string> = new Set([
  'msg', 'message', 'error', 'err', 'reason', 'cause', 'exception', 'description', 'detail', 'details',
  'level', 'lvl', 'severity', 'logger', 'caller', 'event',
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
  return text.charCodeAt(after) === 0x3a /* : */;
}

function isKeyChar(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39) || code === 0x5f || code === 0x2e || code === 0x2d;
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
const NAME_STARTS: ReadonlySet<number> = new Set([...DATE_NAMES].map((name) => (name.charCodeAt(0) << 7) | name.charCodeAt(1)));

/** Whether the run of letters [at, end) is one of `names` (weekday or month names, of 3 to 9 letters). */
function isNameAt(text: string, at: number, end: number, names: ReadonlySet<string>): boolean {
  return end - at >= 3 && end - at <= 9 && NAME_STARTS.has((text.charCodeAt(at) << 7) | text.charCodeAt(at + 1)) && names.has(text.slice(at, end));
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
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

/** A character of an e-mail address's local part or of a URL scheme: `[\w.+-]`. */
function isAddressChar(code: number): boolean {
  return isLetter(code) || isDigit(code) || code === UNDERSCORE || code === DOT || code === PLUS || code === DASH;
}

function isAllHex(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (((text.charCodeAt(i) | 0x20) < 0x61 || (text.charCodeAt(i) | 0x20) > 0x66) && !isDigit(text.charCodeAt(i))) return false;
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
  if (after === COLON) return (end - at <= 4 && isAllHex(text, at, end)) || (end - at === 1 && text.charCodeAt(end + 1) === BACKSLASH) || mayBeginAddress(text, at);
  if (after === DASH) return isDigit(text.charCodeAt(end + 1)) || (end - at <= 8 && isAllHex(text, at, end)) || mayBeginAddress(text, at);
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
  return isLetter(code) || code === DOT || code === COLON || code === DASH || code === SLASH || code === AT || code === UNDERSCORE || code === PLUS;
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
function mask(text: string, nested: boolean, limit: number): string {
  const length = text.length;
  let out = '';
  let copied = 0;
  let at = 0;
  while (at < length) {
    if (out.length + (at - copied) > limit) return out + text.slice(copied, at);
    const code = text.charCodeAt(at);
    let rules: { re: RegExp; kinds: Kind[] } | undefined;
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
      if ((mayExtendDigits(after) && !(isLetter(after) && onlyNumberAt(text, at, after))) || (after === SPACE && next - at <= 2 && isMonthAt(text, next + 1))) rules = AT_DIGIT;
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

/** `text` cut to at most `max` characters, the last of them `…`, never between the halves of a surrogate pair. */
function capped(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** The template of one log line: variable parts replaced by placeholders, so that lines differing only in them group together. */
export function messageTemplate(line: string): string {
  const text = line.trim();
  if (text === '') return '';
  return capped(templateOf(text, 0), MAX_TEMPLATE);
}

/** How many records deep a message is read: Docker's `log` holding an app's JSON or logfmt line is one down. */
const MAX_RECORD_DEPTH = 2;

/** The template of trimmed, non-blank text: a JSON or logfmt line's from its message, an access log line's from its request, any other text masked. */
function templateOf(text: string, depth: number): string {
  if (depth < MAX_RECORD_DEPTH) {
    const record = text.charCodeAt(0) === 0x7b /* { */ ? readJsonRecord(text) : readLogfmtRecord(text);
    if (record !== undefined) return recordTemplate(record, depth);
    const request = readAccessLine(text);
    if (request !== undefined) return accessTemplate(request);
  }
  return mask(text, false, MAX_TEMPLATE);
}

/** `GET /orders/<num>?q=<val> 200`: the method, the path masked segment by segment, the query's keys, the status. */
function accessTemplate(request: AccessRequest): string {
  const target = request.target;
  if (target.charCodeAt(0) !== 0x2f /* / */) return `${request.method} ${mask(target, false, MAX_TEMPLATE)} ${request.status}`;
  const query = target.indexOf('?');
  const path = query === -1 ? target : target.slice(0, query);
  let out = '';
  // Each segment alone, so that the path rule, which would take the whole path, does not apply.
  for (let start = 0; start < path.length; ) {
    let end = path.indexOf('/', start + 1);
    if (end === -1) end = path.length;
    out += `/${mask(path.slice(start + 1, end), false, MAX_TEMPLATE)}`;
    if (out.length > MAX_TEMPLATE) break;
    start = end;
  }
  if (query !== -1) {
    out += '?';
    for (let start = query + 1; start <= target.length && out.length <= MAX_TEMPLATE; ) {
      let end = target.indexOf('&', start);
      if (end === -1) end = target.length;
      const equals = target.indexOf('=', start);
      // A key's value is whatever the user sent: masked whole, an empty one left empty.
      out += equals === -1 || equals >= end ? mask(target.slice(start, end), false, MAX_TEMPLATE) : equals === end - 1 ? target.slice(start, end) : `${target.slice(start, equals)}=<val>`;
      if (end < target.length) out += '&';
      start = end + 1;
    }
  }
  return `${request.method} ${out} ${request.status}`;
}

/** `[level] message: error`, the message and the error masked; the error left out when the message holds it. */
function recordTemplate(record: RecordMessage, depth: number): string {
  const message = templateOf(record.message.trim(), depth + 1);
  const template = record.level === undefined ? message : `[${record.level.trim()}] ${message}`;
  if (record.error === undefined) return template;
  const error = mask(record.error.trim(), false, MAX_TEMPLATE);
  return message.includes(error) ? template : `${template}: ${error}`;
}

/** A line as an example: without its line end (`\n`, `\r\n` or `\r`), capped at `MAX_EXAMPLE` characters. */
function exampleOf(line: string): string {
  let end = line.length;
  if (line.charCodeAt(end - 1) === 0x0a) end--;
  if (line.charCodeAt(end - 1) === 0x0d) end--;
  return capped(end === line.length ? line : line.slice(0, end), MAX_EXAMPLE);
}

/**
 * Collects templates of matching lines, in line order. Bounded: at most `maxTemplates`
 * distinct templates are kept exactly; lines of further new templates are counted in
 * `overflow` (count of lines not attributed) so that a caller can say so.
 */
export class TemplateTallies {
  readonly #maxTemplates: number;
  readonly #tallies = new Map<string, TemplateTally>();
  #overflow = 0;

  constructor(maxTemplates: number = DEFAULT_MAX_TEMPLATES) {
    if (!(maxTemplates >= 0) || !(Number.isInteger(maxTemplates) || maxTemplates === Number.POSITIVE_INFINITY)) {
      throw new RangeError(`maxTemplates must be an integer ≥ 0, not ${maxTemplates}`);
    }
    this.#maxTemplates = maxTemplates;
  }

  /** Counts one line. `example` is the first line seen for a template, without its line end and capped at `MAX_EXAMPLE` characters. */
  add(line: string, lineNumber: number): void {
    const template = messageTemplate(line);
    const seen = this.#tallies.get(template);
    if (seen) {
      seen.count++;
      seen.lastLine = lineNumber;
    } else if (this.#tallies.size < this.#maxTemplates) {
      this.#tallies.set(template, { count: 1, example: exampleOf(line), firstLine: lineNumber, lastLine: lineNumber });
    } else {
      this.#overflow++;
    }
  }

  /** Lines of templates beyond the bound, not attributed to any template. */
  get overflow(): number {
    return this.#overflow;
  }

  /** The templates and their tallies (copies), in the order the templates first appeared. */
  entries(): [string, TemplateTally][] {
    return Array.from(this.#tallies, ([template, tally]): [string, TemplateTally] => [template, { ...tally }]);
  }
}

/**
 * Merges tallies from several parts given in line order (earlier part first): counts add,
 * example and firstLine from the earliest, lastLine from the latest. `from` is the later
 * part; tallies taken over are copied, so `into` never shares an object with `from`.
 */
export function mergeTallies(into: Map<string, TemplateTally>, from: Iterable<[string, TemplateTally]>): void {
  for (const [template, tally] of from) {
    const seen = into.get(template);
    if (seen) {
      seen.count += tally.count;
      seen.lastLine = tally.lastLine;
    } else {
      into.set(template, { ...tally });
    }
  }
}

/** Line numbers in order, an unknown one (NaN) after every known one. */
function compareLines(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a - b;
}

/** The top `n` by count, ties broken by firstLine (earlier first), then template text (by UTF-16 code units, not locale). */
export function topTemplates(tallies: Map<string, TemplateTally>, n: number): [string, TemplateTally][] {
  if (!(n > 0)) return [];
  return [...tallies.entries()]
    .sort(([aTemplate, a], [bTemplate, b]) => b.count - a.count || compareLines(a.firstLine, b.firstLine) || (aTemplate < bTemplate ? -1 : aTemplate > bTemplate ? 1 : 0))
    .slice(0, n);
}
