/**
 * A word as a POSIX shell reads it back, for messages that show what to type: bare when
 * it holds only characters no shell treats specially, else in single quotes (a `'`
 * inside written `'\''`). Backslashes and the rest stay as typed.
 */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
