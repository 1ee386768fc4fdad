import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from './connection.js';
import { redisErrorCode } from './redis-errors.js';

/**
 * A Lua script run by its SHA, and sent whole (EVAL, which also caches it) the first time
 * a Redis does not know it: on first use, and after a Redis restart. What ioredis's
 * `defineCommand` does, for any connection it is given rather than one it was defined on.
 * Its text is read from `file` on first use, not when the module loads: a command that
 * runs no script reads none.
 */
export class LuaScript {
  private loaded: { source: string; sha: string } | undefined;

  constructor(
    readonly name: string,
    private readonly file: () => URL,
  ) {}

  /** The script's text, as Redis runs it. */
  get source(): string {
    return this.load().source;
  }

  async run(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly (string | number | Buffer)[],
  ): Promise<unknown> {
    const { source, sha } = this.load();
    // One array, not spread into the call: a chunk's distinct values can be more
    // arguments than a JavaScript call takes.
    const all = [...keys, ...args].map((arg) => (typeof arg === 'number' ? String(arg) : arg));
    try {
      return await redis.evalsha(sha, keys.length, all);
    } catch (err) {
      if (redisErrorCode(err) !== 'NOSCRIPT') throw err;
      return redis.eval(source, keys.length, all);
    }
  }

  private load(): { source: string; sha: string } {
    if (!this.loaded) {
      const source = readFileSync(this.file(), 'utf8');
      this.loaded = { source, sha: createHash('sha1').update(source).digest('hex') };
    }
    return this.loaded;
  }
}
