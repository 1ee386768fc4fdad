import { createServer } from 'node:http';
import {
  CHUNK_QUEUE,
  DEFAULT_REDIS_URL,
  DeadLetterQueue,
  RedisKeys,
  RunStore,
  UsageError,
  closeRedis,
  connectWithPrefix,
  listenHttp,
  openChunkQueue,
  redactRedisUrl,
  releaseAll,
} from '@logcluster/core';
import type { CommandIo } from '../command-io.js';
import { type Credentials, isLoopback } from '../dashboard/basic-auth.js';
import { serveMetrics } from '../dashboard/serve-metrics.js';
import { serviceLog } from '../service-log.js';
import { DASHBOARD_PASSWORD_FILE_ENV, readSecretFile } from '../secret-files.js';

export interface ServeFlags {
  redis?: string;
  prefix: string;
  host: string;
  port: number;
}

export const DASHBOARD_USER_ENV = 'LOGCLUSTER_DASHBOARD_USER';
export const DASHBOARD_PASSWORD_ENV = 'LOGCLUSTER_DASHBOARD_PASSWORD';

/** The credentials from the environment (the password maybe from a file): both, or neither. */
export function dashboardCredentials(env: NodeJS.ProcessEnv): Credentials | null {
  const user = env[DASHBOARD_USER_ENV];
  const file = env[DASHBOARD_PASSWORD_FILE_ENV];
  if (file && env[DASHBOARD_PASSWORD_ENV])
    throw new UsageError(`set ${DASHBOARD_PASSWORD_ENV} or ${DASHBOARD_PASSWORD_FILE_ENV}, not both`);
  if (file && !user) throw new UsageError(`${DASHBOARD_PASSWORD_FILE_ENV} is set: set ${DASHBOARD_USER_ENV} too`);
  const password = file ? readSecretFile(file, DASHBOARD_PASSWORD_FILE_ENV) : env[DASHBOARD_PASSWORD_ENV];
  if (!user && !password) return null;
  if (!user || !password)
    throw new UsageError(
      `set both ${DASHBOARD_USER_ENV} and ${DASHBOARD_PASSWORD_ENV}, or neither (then the dashboard serves on a loopback address only)`,
    );
  if (user.includes(':'))
    throw new UsageError(`${DASHBOARD_USER_ENV} must not contain ":" (HTTP Basic separates user and password with it)`);
  return { user, password };
}

/** Runs the dashboard until SIGTERM/SIGINT. */
export async function serveCommand(
  flags: ServeFlags,
  io: CommandIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const credentials = dashboardCredentials(env);
  if (!credentials && !isLoopback(flags.host)) {
    throw new UsageError(
      `refusing to serve the dashboard on ${flags.host} without credentials: set ${DASHBOARD_USER_ENV} and ${DASHBOARD_PASSWORD_ENV}, or use a loopback --host such as 127.0.0.1`,
    );
  }
  const redisUrl = flags.redis ?? DEFAULT_REDIS_URL;
  const log = serviceLog('dashboard', io);
  const { redis, prefix } = await connectWithPrefix(redisUrl, flags.prefix, { connectionName: 'logcluster-dashboard' });
  const chunkQueue = openChunkQueue(redis, prefix);
  const deadLetters = new DeadLetterQueue(redis, prefix);
  const closeAll = () =>
    releaseAll([() => chunkQueue.close(), () => deadLetters.close(), () => closeRedis(redis)], 'closing the dashboard');
  try {
    const store = new RunStore(redis, new RedisKeys(prefix));
    const registry = serveMetrics(
      [
        { name: CHUNK_QUEUE, queue: chunkQueue },
        { name: 'dead-letter', queue: deadLetters.queue },
      ],
      store,
      deadLetters,
    );
    const { BOARD_PATH, dashboardApp } = await import('../dashboard/dashboard-app.js');
    const server = createServer(await dashboardApp({ redis, chunkQueue, deadLetters, store, registry, credentials }));
    const listening = await listenHttp(server, flags.port, flags.host);
    const base = listening.url;
    log.info(
      { url: `${base}${BOARD_PATH}`, auth: credentials !== null, redis: redactRedisUrl(redisUrl), prefix },
      `dashboard at ${base}${BOARD_PATH} (metrics ${base}/metrics, health ${base}/healthz), ` +
        `${credentials ? 'Basic auth on' : 'no credentials: loopback only'}, redis ${redactRedisUrl(redisUrl)}, prefix ${prefix}`,
    );
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await listening.close();
    log.info('dashboard stopped');
    return 0;
  } finally {
    await closeAll();
  }
}
