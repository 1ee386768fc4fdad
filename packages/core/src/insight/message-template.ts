/**
 * Message templates for the top messages (`--top`): a log line with its variable parts
 * masked, so that lines differing only in them group together. Pure, synchronous and
 * deterministic. The masks are the `RULES` of mask-rules.ts, which `mask` (mask.ts) applies
 * as one global regex of them all would apply them: scanning left to right, the leftmost
 * match wins and, of matches at the same position, that of the first rule.
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

import type { TemplateTally } from '../contract/chunk-findings.js';
import { type AccessRequest, readAccessLine } from './access-log-line.js';
import { readJsonRecord } from './json-record.js';
import { readLogfmtRecord } from './logfmt-record.js';
import { mask } from './mask.js';
import type { RecordMessage } from './record-fields.js';

/** Longest template, `…` included. */
const MAX_TEMPLATE = 300;
/** Longest example line, `…` included. */
const MAX_EXAMPLE = 500;
/** Distinct templates a `TemplateTallies` keeps by default. */
const DEFAULT_MAX_TEMPLATES = 10_000;

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
  if (target.charCodeAt(0) !== 0x2f /* / */)
    return `${request.method} ${mask(target, false, MAX_TEMPLATE)} ${request.status}`;
  const query = target.indexOf('?');
  const path = query === -1 ? target : target.slice(0, query);
  let out = '';
  // Each segment alone, so that the path rule, which would take the whole path, does not apply.
  for (let start = 0; start < path.length;) {
    let end = path.indexOf('/', start + 1);
    if (end === -1) end = path.length;
    out += `/${mask(path.slice(start + 1, end), false, MAX_TEMPLATE)}`;
    if (out.length > MAX_TEMPLATE) break;
    start = end;
  }
  if (query !== -1) {
    out += '?';
    for (let start = query + 1; start <= target.length && out.length <= MAX_TEMPLATE;) {
      let end = target.indexOf('&', start);
      if (end === -1) end = target.length;
      const equals = target.indexOf('=', start);
      // A key's value is whatever the user sent: masked whole, an empty one left empty.
      out +=
        equals === -1 || equals >= end
          ? mask(target.slice(start, end), false, MAX_TEMPLATE)
          : equals === end - 1
            ? target.slice(start, end)
            : `${target.slice(start, equals)}=<val>`;
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
    .sort(
      ([aTemplate, a], [bTemplate, b]) =>
        b.count - a.count ||
        compareLines(a.firstLine, b.firstLine) ||
        (aTemplate < bTemplate ? -1 : aTemplate > bTemplate ? 1 : 0),
    )
    .slice(0, n);
}
