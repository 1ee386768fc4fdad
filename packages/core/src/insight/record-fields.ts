/**
 * The fields of a structured log record that its message template is built from (see
 * `message-template.ts`): which keys hold the message, the level and an error, and which
 * one counts when a record has several. The readers of each syntax (`json-record.ts`)
 * offer what they find here as they go.
 *
 * Keys are compared as written, then in lower case (`MESSAGE`, `Message`, `Level`).
 */

/** Keys of the message, the preferred first: the line's own message before what a shipper or a formatter adds (`log`, `event`). */
const MESSAGE_KEYS = [
  'msg',
  'message',
  '@message',
  '@mt',
  '@m',
  'short_message',
  'textpayload',
  'log',
  'event',
] as const;
/** Keys of the level (`log.level`: ECS, flat; `{"log":{"level":…}}` is offered as the same key). */
const LEVEL_KEYS = ['level', 'lvl', 'severity', 'levelname', 'loglevel', 'log_level', 'log.level', '@l'] as const;
/** Keys of an error's text, as a string (`"error":"EOF"`) or flattened (`"error.message"`). */
const ERROR_KEYS = [
  'error',
  'err',
  'exception',
  'error.message',
  'err.message',
  'error_message',
  'errormessage',
  'error_msg',
  'err_msg',
] as const;
/** Keys whose object value is an error, its text under `message` or `msg` (`{"err":{"message":…}}`, pino, bunyan, ECS). */
const ERROR_OBJECT_KEYS: ReadonlySet<string> = new Set(['error', 'err', 'exception']);

/** A key that is none of these. */
export const OTHER = -1;
/** A level key. */
export const LEVEL = -2;
/** An error key. */
export const ERROR = -3;

/** Message keys map to their rank (0 the preferred), the others to `LEVEL` or `ERROR`. */
const KINDS: ReadonlyMap<string, number> = new Map<string, number>([
  ...MESSAGE_KEYS.map((key, rank): [string, number] => [key, rank]),
  ...LEVEL_KEYS.map((key): [string, number] => [key, LEVEL]),
  ...ERROR_KEYS.map((key): [string, number] => [key, ERROR]),
]);
const LONGEST_KEY = Math.max(...[...KINDS.keys()].map((key) => key.length));

/** What `key` holds: a message key's rank (≥ 0), `LEVEL`, `ERROR` or `OTHER`. */
export function fieldKind(key: string): number {
  if (key.length > LONGEST_KEY) return OTHER;
  return KINDS.get(key) ?? KINDS.get(key.toLowerCase()) ?? OTHER;
}

/** Whether `key`'s object value is an error whose text is its `message` or `msg`. */
export function isErrorObjectKey(key: string): boolean {
  return ERROR_OBJECT_KEYS.has(key) || (key.length <= LONGEST_KEY && ERROR_OBJECT_KEYS.has(key.toLowerCase()));
}

/** Whether `key`'s object value holds the level (`{"log":{"level":"warn"}}`, ECS). */
export function isLevelObjectKey(key: string): boolean {
  return key === 'log';
}

/** The message of a record, and its level and error text when it has them; all decoded, none masked. */
export interface RecordMessage {
  message: string;
  level: string | undefined;
  error: string | undefined;
}

/**
 * What a reader has found in one record so far. The message is the top level's message
 * key of the best rank, else the first message found one object down; a blank value is
 * none. The level and the error are the first found.
 */
export class RecordFields {
  #message: string | undefined;
  #rank = Number.POSITIVE_INFINITY;
  #nestedMessage: string | undefined;
  #level: string | undefined;
  #error: string | undefined;

  /** A message under a key of `rank`, at the top level (`nested` false) or one object down. */
  offerMessage(value: string, rank: number, nested: boolean): void {
    if (isBlank(value)) return;
    if (!nested) {
      if (rank < this.#rank) {
        this.#message = value;
        this.#rank = rank;
      }
    } else {
      this.#nestedMessage ??= value;
    }
  }

  offerLevel(value: string): void {
    if (!isBlank(value)) this.#level ??= value;
  }

  offerError(value: string): void {
    if (!isBlank(value)) this.#error ??= value;
  }

  /** The record's message, level and error; the error as the message if there is no other; undefined if neither. */
  result(): RecordMessage | undefined {
    const message = this.#message ?? this.#nestedMessage;
    if (message !== undefined) return { message, level: this.#level, error: this.#error };
    if (this.#error !== undefined) return { message: this.#error, level: this.#level, error: undefined };
    return undefined;
  }
}

function isBlank(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return false;
  }
  return true;
}
