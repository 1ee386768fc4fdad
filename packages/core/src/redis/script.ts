import { createHash } from 'node:crypto';
import type { RedisClient } from './connection.js';
import { redisErrorCode } from './redis-errors.js';

/** A Lua script run by its SHA, loaded on first use and again after a Redis restart. */
export class LuaScript {
  private readonly sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: RedisClient, keys: readonly string[], args: readonly (string | number | Buffer)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (redisErrorCode(err) !== 'NOSCRIPT') throw err;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
