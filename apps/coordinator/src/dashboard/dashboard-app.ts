import {
  CHUNK_QUEUE,
  DEAD_LETTER_QUEUE,
  type DeadLetterQueue,
  type RedisClient,
  type RunStore,
  checkRedis,
  errorMessage,
} from '@logcluster/core';
import type { Queue } from 'bullmq';
import type { Express, Router } from 'express';
import type { Registry } from 'prom-client';
import { type Credentials, basicAuth } from './basic-auth.js';

export const BOARD_PATH = '/admin/queues';

export interface DashboardParts {
  redis: RedisClient;
  chunkQueue: Queue;
  deadLetters: DeadLetterQueue;
  store: RunStore;
  registry: Registry;
  /** Without them, nothing asks for credentials (the server then listens on loopback only). */
  credentials: Credentials | null;
}

/**
 * The dashboard: Bull Board at `/admin/queues` with the chunk queue and the dead-letter
 * queue, `/metrics`, and `/healthz`. Everything but `/healthz` is behind Basic auth when
 * credentials are given. Bull Board is read-only: a chunk is retried or replayed with
 * `logcluster dlq replay`, which keeps its run's accounting; a retry from the board
 * would not.
 */
export async function dashboardApp(parts: DashboardParts): Promise<Express> {
  // Loaded here, not at the top: the CLI is one bundle, and every other command would
  // otherwise pay for loading Express and Bull Board when it starts.
  const [{ default: express }, { createBullBoard }, { BullMQAdapter }, { ExpressAdapter }] = await Promise.all([
    import('express'),
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/express'),
  ]);
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (_request, response) => {
    checkRedis(parts.redis).then(
      () => response.type('text/plain').send('ok\n'),
      (err: unknown) =>
        response
          .status(503)
          .type('text/plain')
          .send(`unhealthy: ${errorMessage(err)}\n`),
    );
  });
  if (parts.credentials) app.use(basicAuth(parts.credentials));

  app.get('/metrics', (_request, response) => {
    parts.registry.metrics().then(
      (text) => response.type(parts.registry.contentType).send(text),
      (err: unknown) =>
        response
          .status(500)
          .type('text/plain')
          .send(`metrics failed: ${errorMessage(err)}\n`),
    );
  });

  const board = new ExpressAdapter();
  board.setBasePath(BOARD_PATH);
  createBullBoard({
    queues: [
      new BullMQAdapter(parts.chunkQueue, {
        readOnlyMode: true,
        displayName: 'Chunks to count',
        description: `BullMQ queue "${CHUNK_QUEUE}": one job per chunk (or several small ones) of a run, counted by the workers. Failed jobs show the error of their last attempt.`,
      }),
      new BullMQAdapter(parts.deadLetters.queue, {
        readOnlyMode: true,
        displayName: 'Dead-lettered chunks',
        description: `BullMQ queue "${DEAD_LETTER_QUEUE}": chunks that failed for good, waiting for \`logcluster dlq replay\` or \`purge\`. Each job's data holds the error (message, code, stack), the run, the line and byte range, the attempts and the worker.`,
      }),
    ],
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'logcluster' } },
  });
  app.use(BOARD_PATH, board.getRouter() as Router);
  app.get('/', (_request, response) => response.redirect(BOARD_PATH));
  return app;
}
