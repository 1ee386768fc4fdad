import { describe, expect, it } from 'vitest';
import { Releasers } from '../src/releasers.js';

describe('Releasers.around', () => {
  it('runs every clean-up step in reverse order after the body, and returns its result', async () => {
    const order: string[] = [];
    const releasers = new Releasers();
    const result = await releasers.around(
      () => {
        releasers.add(() => Promise.resolve(order.push('first acquired')));
        releasers.add(() => Promise.resolve(order.push('second acquired')));
        order.push('body');
        return Promise.resolve(42);
      },
      () => order.push('warned'),
    );
    expect(result).toBe(42);
    expect(order).toEqual(['body', 'second acquired', 'first acquired']);
  });

  it("a failing body's error wins; a clean-up failure after it is only warned about, and later steps still run", async () => {
    const warned: unknown[] = [];
    const ran: string[] = [];
    const releasers = new Releasers();
    releasers.add(() => Promise.resolve(ran.push('outer')));
    releasers.add(() => Promise.reject(new Error('Connection is closed.')));
    const outcome = releasers.around(
      () => Promise.reject(new Error('gzip data is truncated')),
      (err) => warned.push(err),
    );
    await expect(outcome).rejects.toThrow('gzip data is truncated');
    expect(warned).toHaveLength(1);
    expect(String(warned[0])).toContain('Connection is closed.');
    expect(ran).toEqual(['outer']);
  });

  it('when only the clean-up fails, its error is thrown', async () => {
    const warned: unknown[] = [];
    const releasers = new Releasers();
    releasers.add(() => Promise.reject(new Error('redis-server did not stop')));
    await expect(
      releasers.around(
        () => Promise.resolve(0),
        (err) => warned.push(err),
      ),
    ).rejects.toThrow('redis-server did not stop');
    expect(warned).toEqual([]);
  });
});
