export { buildProgram, main } from './cli.js';
export type { CommandIo } from './command-io.js';
export { EmbeddedRedis } from './embedded-redis.js';
