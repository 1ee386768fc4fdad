/**
 * `--schema`: a JSON Schema compiled with ajv, once per thread and schema (ajv compiles a
 * schema into a function, which costs far more than validating a record with it).
 * Draft-07 by default; a schema whose `$schema` names draft 2019-09 or 2020-12 is read as
 * that draft. Formats (`date-time`, `email`, …) are ajv-formats'.
 */
import { createRequire } from 'node:module';
import type { Ajv, AnySchema, ErrorObject, ValidateFunction } from 'ajv';

/**
 * ajv and its formats are loaded at the first schema, not with the module: they are
 * some 300 KB of code that every counting thread and every CLI start would otherwise
 * parse, for runs that rarely have a schema (`require` keeps them out of the bundles).
 * They are core's dependencies, so they are resolved from core's own directory, found
 * through the package's name: from a bundle, the file running is the bundle, next to
 * which another ajv may be found (ESLint's ajv 6, in this repository's node_modules).
 * The repository's root depends on ajv 8 itself so that npm puts it at the top, where
 * `npm pack` bundles it with core (a workspace's own node_modules is left out).
 */
interface AjvModules {
  Ajv: new (options: object) => Ajv;
  Ajv2019: new (options: object) => Ajv;
  Ajv2020: new (options: object) => Ajv;
  addFormats: (ajv: Ajv) => void;
}
let ajvModules: AjvModules | undefined;

function loadAjv(): AjvModules {
  if (ajvModules === undefined) {
    const load = createRequire(import.meta.resolve('@logcluster/core'));
    ajvModules = {
      Ajv: (load('ajv') as { Ajv: AjvModules['Ajv'] }).Ajv,
      Ajv2019: (load('ajv/dist/2019') as { Ajv2019: AjvModules['Ajv2019'] }).Ajv2019,
      Ajv2020: (load('ajv/dist/2020') as { Ajv2020: AjvModules['Ajv2020'] }).Ajv2020,
      // ajv-formats is CommonJS whose default export is the plugin.
      addFormats: (load('ajv-formats') as { default: AjvModules['addFormats'] }).default,
    };
  }
  return ajvModules;
}

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
  const { Ajv, Ajv2019, Ajv2020, addFormats } = loadAjv();
  const ajv =
    typeof draft === 'string' && draft.includes('2020-12')
      ? new Ajv2020(options)
      : typeof draft === 'string' && draft.includes('2019-09')
        ? new Ajv2019(options)
        : new Ajv(options);
  addFormats(ajv);
  return ajv.compile(schema as AnySchema);
}

function describe(errors: ErrorObject[] | null | undefined): string {
  const [first] = errors ?? [];
  if (!first) return 'schema: / does not satisfy the schema';
  return `schema: ${first.instancePath === '' ? '/' : first.instancePath} ${first.message ?? 'does not satisfy the schema'}`;
}
