import { InvalidOptionError } from '../errors.js';

/**
 * How a caller calls some of a component's options, for messages: the CLI names its
 * flags (`--chunk-size`); any option left out is `options.<key>`.
 */
export type OptionNames<K extends string> = Partial<Record<K, string>>;

/** A function that names an option as its caller calls it. */
export function optionNamer<K extends string>(names: OptionNames<K>): (key: K) => string {
  return (key) => names[key] ?? `options.${key}`;
}

/** Throws unless each of `keys` is a safe integer of at least `min`. */
export function checkIntegers<T extends Record<K, number>, K extends string & keyof T>(
  options: T,
  keys: readonly K[],
  name: (key: K) => string,
  min = 1,
): void {
  for (const key of keys) {
    const value = options[key];
    if (!Number.isSafeInteger(value) || value < min) {
      throw new InvalidOptionError(`${name(key)} must be ${min === 1 ? 'a positive integer' : `an integer ≥ ${min}`}`);
    }
  }
}
