/**
 * An integer with its thousands grouped, `12,345`, as people read counts. Not
 * `toLocaleString`: its first call loads ICU's number formatting, some 20 ms, which every
 * command would pay at start for help texts that hold a number.
 */
export function groupedDigits(n: number): string {
  const text = String(n);
  return /^-?\d+$/.test(text) ? text.replace(/\B(?=(\d{3})+$)/g, ',') : text;
}
