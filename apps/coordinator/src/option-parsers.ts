/** Option-value parsers for commander: each turns a value into what the command takes, or a usage error (exit 2). */
import { LogclusterError, parseDuration, parsePositiveInt, parseSize } from '@logcluster/core';
import { InvalidArgumentError } from 'commander';

/** Wraps a parser so that its `UsageError` reaches commander, which exits 2 with it. */
export function commanderParser<T, P = T>(parse: (text: string, previous?: P) => T): (text: string, previous?: P) => T {
  return (text, previous) => {
    try {
      return parse(text, previous);
    } catch (err) {
      if (err instanceof LogclusterError) throw new InvalidArgumentError(err.message);
      throw err;
    }
  };
}

export const sizeArg = (name: string) => commanderParser((text) => parseSize(text, name));
export const intArg = (name: string, min = 1) => commanderParser((text) => parsePositiveInt(text, name, { min }));
/** A duration option; `unitRequired` refuses a bare number instead of reading it as ms (see `parseDuration`). */
export const durationArg = (name: string, options: { unitRequired?: boolean } = {}) =>
  commanderParser((text) => parseDuration(text, name, options));

/** A repeatable option's values, in the order given. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
