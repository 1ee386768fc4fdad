import { UsageError, errorMessage } from '../errors.js';
import { schemaValidator } from './schema-validator.js';

/**
 * `--extract`: each regex compiles (JavaScript syntax) and names at least one group,
 * which are the fields it gives.
 */
export function checkExtract(regexes: readonly string[]): void {
  for (const source of regexes) {
    let regex: RegExp;
    try {
      regex = new RegExp(source);
    } catch (err) {
      throw new UsageError(`--extract "${source}": invalid regular expression: ${errorMessage(err)}`, { cause: err });
    }
    if (!hasNamedGroup(regex))
      throw new UsageError(`--extract "${source}": no named group; name the fields as (?<status>\\d+)`);
  }
}

function hasNamedGroup(regex: RegExp): boolean {
  // The groups of a match of the empty alternative beside it: a named group is listed in `groups` even when it takes no part.
  const probe = new RegExp(`${regex.source}|`, regex.flags);
  return probe.exec('')?.groups !== undefined;
}

/** The names of a regex's groups, in their order. */
export function groupNames(regex: RegExp): string[] {
  return Object.keys(new RegExp(`${regex.source}|`, regex.flags).exec('')?.groups ?? {});
}

/** `--schema`: the schema compiles (ajv); else a UsageError that says what is wrong. */
export function checkSchema(schema: unknown): void {
  try {
    schemaValidator(schema);
  } catch (err) {
    throw new UsageError(`not a valid JSON Schema: ${errorMessage(err)}`, { cause: err });
  }
}
