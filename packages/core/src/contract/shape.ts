/*
 * A small checker for the shapes of data read back from Redis (job data, dead-letter
 * entries): enough to name what is wrong and where, without a validation library in
 * every process's start-up.
 */

/** Appends what is wrong with `value` (at `path`) to `problems`. */
export type Shape = (value: unknown, path: string, problems: string[]) => void;

const at = (path: string) => path || '(root)';

export const integer =
  ({ min = Number.MIN_SAFE_INTEGER }: { min?: number } = {}): Shape =>
  (value, path, problems) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) problems.push(`${at(path)}: expected an integer`);
    else if (value < min) problems.push(`${at(path)}: must be at least ${min}`);
  };

export const count = integer({ min: 0 });

export const string =
  ({ pattern, refine }: { pattern?: RegExp; refine?: [(text: string) => boolean, string] } = {}): Shape =>
  (value, path, problems) => {
    if (typeof value !== 'string') problems.push(`${at(path)}: expected a string`);
    else if (pattern && !pattern.test(value)) problems.push(`${at(path)}: does not match ${String(pattern)}`);
    else if (refine && !refine[0](value)) problems.push(`${at(path)}: ${refine[1]}`);
  };

export const boolean: Shape = (value, path, problems) => {
  if (typeof value !== 'boolean') problems.push(`${at(path)}: expected a boolean`);
};

export const literal =
  (expected: string | number): Shape =>
  (value, path, problems) => {
    if (value !== expected) problems.push(`${at(path)}: expected ${JSON.stringify(expected)}`);
  };

export const anything: Shape = () => {};

export const nullable =
  (shape: Shape): Shape =>
  (value, path, problems) => {
    if (value !== null) shape(value, path, problems);
  };

export const optional =
  (shape: Shape): Shape =>
  (value, path, problems) => {
    if (value !== undefined) shape(value, path, problems);
  };

export const array =
  (item: Shape, { min = 0, max = Infinity }: { min?: number; max?: number } = {}): Shape =>
  (value, path, problems) => {
    if (!Array.isArray(value)) return void problems.push(`${at(path)}: expected an array`);
    if (value.length < min) problems.push(`${at(path)}: needs at least ${min} item${min === 1 ? '' : 's'}`);
    if (value.length > max) problems.push(`${at(path)}: holds more than ${max} items`);
    value.forEach((element, i) => item(element, `${path}${path ? '.' : ''}${i}`, problems));
  };

/** An object with exactly these fields (unknown fields are refused). */
export const object =
  (fields: Record<string, Shape>): Shape =>
  (value, path, problems) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return void problems.push(`${at(path)}: expected an object`);
    const prefix = path ? `${path}.` : '';
    for (const [name, shape] of Object.entries(fields))
      shape((value as Record<string, unknown>)[name], `${prefix}${name}`, problems);
    for (const name of Object.keys(value)) if (!(name in fields)) problems.push(`${prefix}${name}: unexpected field`);
  };

/** The problems with `value`, empty if it has the shape. */
export function problemsWith(value: unknown, shape: Shape, path = ''): string[] {
  const problems: string[] = [];
  shape(value, path, problems);
  return problems;
}
