/** The two plain-text table formats for scripts. */
export type TableFormat = 'csv' | 'tsv';

/**
 * Rows as CSV or TSV, each record ending in `\n`.
 *
 * CSV follows RFC 4180's quoting: a field holding a comma, a double quote, CR or LF is
 * put in double quotes, with its double quotes doubled; other fields are left bare.
 * Records end in LF rather than RFC 4180's CRLF: every CSV reader takes LF (Python's
 * csv, pandas, Go's encoding/csv, csvkit), and line tools (cut, awk, sort) would
 * otherwise see a CR at the end of the last field.
 *
 * TSV cannot quote, so a field's tab, LF, CR and backslash are written `\t`, `\n`, `\r`
 * and `\\` (PostgreSQL's text COPY format, and what `mlr --tsv` reads): a record is
 * always one line, and splitting it on tabs gives its fields.
 *
 * A null field (a key's missing value) is told from an empty one as PostgreSQL's COPY
 * tells them: in CSV, null is an empty field and the empty text is `""`; in TSV, null is
 * `\N` and the empty text an empty field.
 */
export function delimitedText(rows: readonly (readonly (string | null)[])[], format: TableFormat): string {
  const record = format === 'csv' ? csvRecord : tsvRecord;
  return rows.map((row) => `${record(row)}\n`).join('');
}

function csvRecord(fields: readonly (string | null)[]): string {
  return fields
    .map((field) =>
      field === null ? '' : field === '' || /[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field,
    )
    .join(',');
}

const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function tsvRecord(fields: readonly (string | null)[]): string {
  return fields
    .map((field) => (field === null ? '\\N' : field.replace(/[\\\t\n\r]/g, (char) => TSV_ESCAPES[char]!)))
    .join('\t');
}
