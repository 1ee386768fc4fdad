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
