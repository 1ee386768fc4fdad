/*
 * The masks of message templates (message-template.ts says what each one masks) as
 * regexes, grouped by the class of character a match may begin with, so that `mask`
 * asks only the rules that can match where it stands.
 */

const HEX = '[0-9a-fA-F]';
const H4 = `${HEX}{1,4}`;
/** The time after a date: `14:02`, `14:02:11`, `14:02:11.381Z`, `14:02:11,381+02:00`. */
const DATE_TIME = String.raw`\d\d:\d\d(?::\d\d)?(?:[.,]\d+)?(?:[Zz]|[+-]\d\d(?::?\d\d)?)?`;
/** Month names: abbreviated and full in title case (`Sept` too), abbreviated in capitals (`13-FEB-2024`). */
export const MONTH_NAMES: readonly string[] = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
].flatMap((name) => {
  const short = name.slice(0, 3);
  return [...new Set([name, short, short.toUpperCase(), ...(short === 'Sep' ? ['Sept'] : [])])];
});
/** Weekday names: abbreviated (`Tues`, `Thur`, `Thurs` too) and full in title case, abbreviated in capitals. */
export const WEEKDAY_NAMES: readonly string[] = [
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Sunday',
].flatMap((name) => {
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
export type Kind = 'quoted' | 'ts' | 'url' | 'email' | 'uuid' | 'ip' | 'path' | 'hex' | 'word' | 'num';

/**
 * The masks, in the order they are tried at one position (the leftmost match in the line
 * winning, and at one position the first rule that matches). `begins`: what the first
 * character of a match may be (d: digit, l: letter, q: quote, p: one of `/ . ~ : - _ +`).
 * Whitespace is collapsed by `mask` itself.
 */
const RULES: readonly { kind: Kind; begins: string; source: string }[] = [
  // "…" with \" escapes (an escaped quote opens nothing); '…', its quotes not glued to a word (`can't`).
  {
    kind: 'quoted',
    begins: 'q',
    source: String.raw`(?<!\\)"(?:[^"\\\n]|\\.)*"|(?<![\w\\])'(?:[^'\\\n]|\\.)*'(?![A-Za-z0-9])`,
  },
  // MAC address (before times: `00:11:22:33:44:55` is none).
  {
    kind: 'hex',
    begins: 'dl',
    source: String.raw`(?<![\w:-])(?:${HEX}{2}:){5}${HEX}{2}(?![\w:])|(?<![\w:-])(?:${HEX}{2}-){5}${HEX}{2}(?![\w-])`,
  },
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
  {
    kind: 'uuid',
    begins: 'dl',
    source: String.raw`(?<![A-Za-z0-9])${HEX}{8}-${HEX}{4}-${HEX}{4}-${HEX}{4}-${HEX}{12}(?!${HEX})`,
  },
  // IPv6: full, or compressed with `::`; at least one digit (so `Bad::Cafe` is none); zone, IPv4 tail.
  {
    kind: 'ip',
    begins: 'dlp',
    source: String.raw`(?<![\w:.])(?=[0-9a-fA-F:]*\d)(?:(?:${H4}:){7}${H4}|(?:${H4}:){1,6}:(?:${H4}(?::${H4}){0,5})?|::${H4}(?::${H4}){0,6})(?:(?<=:\d{1,3})\.\d{1,3}\.\d{1,3}\.\d{1,3})?(?:%[\w.]+)?(?![\w:])`,
  },
  // IPv4 with an optional port; not part of a longer dotted number.
  { kind: 'ip', begins: 'd', source: String.raw`(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?!\w|\.\d)` },
  // Path: `/a/…`, `./a/…`, `../a/…`, `~/a/…`, `C:\a\…`.
  {
    kind: 'path',
    begins: 'lp',
    source: String.raw`(?<![\w.~/\\-])(?:\.{1,2}|~)?/${PATH_CHAR}+/${PATH_OR_SLASH}*|(?<![\w])[A-Za-z]:\\${WIN_PATH_CHAR}+\\${WIN_PATH_OR_BACKSLASH}*`,
  },
  // Hex: `0x…`, or a whole token of ≥ 8 hex chars with a digit and a letter (`_` counts as a separator).
  {
    kind: 'hex',
    begins: 'dl',
    source: String.raw`(?<![A-Za-z0-9])(?:0[xX]${HEX}+|(?=\d*[a-fA-F])(?=[a-fA-F]*\d)${HEX}{8,})(?![A-Za-z0-9])`,
  },
  // A word, letters first, with digits in it (`user42`, `nio-8080`, `utf-8`, `python3.11`); not `req_7f3a9c2e1b`, whose id is a hex token.
  { kind: 'word', begins: 'l', source: String.raw`(?<![A-Za-z0-9_])[A-Za-z]+-?\d[A-Za-z0-9_]*(?:\.\d[A-Za-z0-9_]*)*` },
  // Number; the sign only where no word or number ends just before (`worker-12` keeps its `-`), but after `_` (`blk_-42`).
  { kind: 'num', begins: 'dp', source: String.raw`(?:(?<![A-Za-z0-9.)\]-])-)?\d+(?:\.\d+)*(?:[eE][+-]?\d+)?` },
];

/** A sticky regex of rules, one capture group each, and the kind of each group. */
export interface RuleSet {
  re: RegExp;
  kinds: Kind[];
}

/** The rules that may begin with `begin`, as one regex. */
function compile(begin: string): RuleSet {
  const rules = RULES.filter((rule) => rule.begins.includes(begin));
  return {
    re: new RegExp(rules.map((rule) => `(${rule.source})`).join('|'), 'y'),
    kinds: rules.map((rule) => rule.kind),
  };
}

export const AT_DIGIT = compile('d');
export const AT_LETTER = compile('l');
/** The word rule alone, for letters where no other rule can match (see `onlyWordAt` in mask.ts). */
export const WORD_ONLY: RuleSet = {
  re: new RegExp(`(${RULES.find((rule) => rule.kind === 'word')!.source})`, 'y'),
  kinds: ['word'],
};
export const AT_QUOTE = compile('q');
export const AT_PUNCTUATION = compile('p');
