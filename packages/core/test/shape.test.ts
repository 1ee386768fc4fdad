import { describe, expect, it } from 'vitest';
import {
  array,
  count,
  integer,
  literal,
  nullable,
  object,
  optional,
  problemsWith,
  string,
} from '../src/contract/shape.js';

describe('shapes', () => {
  const shape = object({
    v: literal(1),
    n: count,
    first: integer({ min: 1 }),
    name: string({ pattern: /^r-/ }),
    tags: array(string(), { min: 1 }),
    note: optional(string()),
    parent: nullable(count),
  });

  it('accepts data of the shape', () => {
    expect(problemsWith({ v: 1, n: 0, first: 1, name: 'r-1', tags: ['a'], parent: null }, shape)).toEqual([]);
  });

  it('names every field at fault, nested ones by path', () => {
    expect(problemsWith({ v: 2, n: -1, first: 0.5, name: 'x', tags: [], extra: true, parent: 'no' }, shape)).toEqual([
      'v: expected 1',
      'n: must be at least 0',
      'first: expected an integer',
      'name: does not match /^r-/',
      'tags: needs at least 1 item',
      'parent: expected an integer',
      'extra: unexpected field',
    ]);
    expect(problemsWith({ tags: [1] }, object({ tags: array(string()) }))).toEqual(['tags.0: expected a string']);
    expect(problemsWith('junk', shape)).toEqual(['(root): expected an object']);
  });
});
