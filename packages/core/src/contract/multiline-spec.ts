/**
 * `--multiline`: how lines group into events (a Java or Python stack trace is one event
 * with its message line). Either a line matching `pattern` continues the event before it
 * (`starts: false`, the default form `--multiline '<regex>'`), or a line matching it
 * starts an event and every other line continues one (`starts: true`, the form
 * `--multiline start:'<regex>'`). The regex is JavaScript's, run on each line decoded as
 * UTF-8, as `-E` patterns are.
 */
export interface MultilineSpec {
  pattern: string;
  starts: boolean;
}

const START_PREFIX = 'start:';

/** The spec `--multiline <text>` gives (the regex is checked where it is compiled, matching/event-starts.ts). */
export function multilineSpecOf(text: string): MultilineSpec {
  return text.startsWith(START_PREFIX)
    ? { pattern: text.slice(START_PREFIX.length), starts: true }
    : { pattern: text, starts: false };
}
