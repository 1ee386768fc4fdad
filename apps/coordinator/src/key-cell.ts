/** A `--by` key's value as a cell of a table for people: `(null)` for a missing field, `""` for an empty one, control characters escaped. */
export function keyCell(value: string | null): string {
  if (value === null) return '(null)';
  if (value === '') return '""';
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f]/.test(value) ? JSON.stringify(value) : value;
}
