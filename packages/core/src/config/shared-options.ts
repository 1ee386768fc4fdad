import { InvalidOptionError } from '../errors.js';

/** The address a process serves HTTP on unless told otherwise: this machine only. */
export const LOOPBACK_HOST = '127.0.0.1';

/**
 * The rule for a key prefix, whichever command or component takes it: a non-empty word
 * without spaces. (On a Redis Cluster, `effectivePrefix` adds its own rule for braces.)
 */
export function checkPrefix(prefix: string, name: string): string {
  if (!/^\S+$/.test(prefix)) {
    throw new InvalidOptionError(`${name} must be a non-empty word without spaces (got "${prefix}")`);
  }
  return prefix;
}
