/**
 * `--schema`: a JSON Schema compiled with ajv, once per thread and schema (ajv compiles a
 * schema into a function, which costs far more than validating a record with it).
 * Draft-07 by default; a schema whose `$schema` names draft 2019-09 or 2020-12 is read as
 * that draft. Formats (`date-time`, `email`, …) are ajv-formats'.
 */
import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/** A record's check: undefined when it satisfies the schema, else why not (`/status must be integer`). */
export type RecordValidator = (record: unknown) => string | undefined;

const MAX_CACHED = 8;
const validators = new Map<string, RecordValidator>();

/** The schema's validator; throws ajv's error when the schema does not compile. */
export function schemaValidator(schema: unknown): RecordValidator {
  const key = JSON.stringify(schema);
  let validator = validators.get(key);
  if (validator === undefined) {
    const validate = compileSchema(schema);
    validator = (record) => (validate(record) ? undefined : describe(validate.errors));
    if (validators.size >= MAX_CACHED) validators.clear();
    validators.set(key, validator);
  }
  return validator;
}

function compileSchema(schema: unknown): ValidateFunction {
  if (typeof schema !== 'object' && typeof schema !== 'boolean')
    throw new Error('a JSON Schema is an object (or true/false)');
  const draft = schema !== null && typeof schema === 'object' ? (schema as { $schema?: unknown }).$schema : undefined;
  const options = { allErrors: false, strict: false, logger: false as const };
  const ajv =
    typeof draft === 'string' && draft.includes('2020-12')
      ? new Ajv2020(options)
      : typeof draft === 'string' && draft.includes('2019-09')
        ? new Ajv2019(options)
        : new Ajv(options);
  // ajv-formats is CommonJS whose default export is the plugin (typed as a namespace under NodeNext).
  const addFormats = addFormatsModule as unknown as (ajv: Ajv) => void;
  addFormats(ajv);
  return ajv.compile(schema as AnySchema);
}

function describe(errors: ErrorObject[] | null | undefined): string {
  const [first] = errors ?? [];
  if (!first) return 'schema: / does not satisfy the schema';
  return `schema: ${first.instancePath === '' ? '/' : first.instancePath} ${first.message ?? 'does not satisfy the schema'}`;
}
