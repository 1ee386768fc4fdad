/** `--where` and the join's `--left-where`/`--right-where`: one comparison of a line's field. */

/** A comparison of `--where`: `f=v`, `f!=v`, `f~regex`, `f>n`, `f>=n`, `f<n`, `f<=n`, `f?`. */
export type WhereOp = '=' | '!=' | '~' | '>' | '>=' | '<' | '<=' | '?';

export interface WhereClause {
  field: string;
  op: WhereOp;
  /** The text after the operator ('' for `?`); for the numeric operators, a finite number's text. */
  value: string;
}
