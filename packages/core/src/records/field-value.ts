/**
 * A field's value as the records layer sees it: its text (strings as they are, numbers
 * and booleans as JSON writes them), undefined when missing (JSON `null` too), or one of
 * two markers for an object or an array, which have no text.
 */
export type FieldValue = string | undefined | Composite;

export interface Composite {
  readonly composite: 'an object' | 'an array';
}

export const OBJECT_VALUE: Composite = Object.freeze({ composite: 'an object' });
export const ARRAY_VALUE: Composite = Object.freeze({ composite: 'an array' });

export function isComposite(value: FieldValue): value is Composite {
  return typeof value === 'object';
}

/** A value of `JSON.parse` as a field's value. */
export function jsonValue(value: unknown): FieldValue {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? ARRAY_VALUE : OBJECT_VALUE;
}

/**
 * A field of a parsed JSON object by its dotted path: a key with the dots in it at the
 * top level wins (even holding null), else the path one object down at a time.
 */
export function jsonField(record: Record<string, unknown>, field: string): FieldValue {
  if (Object.hasOwn(record, field)) return jsonValue(record[field]);
  if (!field.includes('.')) return undefined;
  let at: unknown = record;
  for (const key of field.split('.')) {
    if (at === null || typeof at !== 'object' || Array.isArray(at) || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return jsonValue(at);
}
