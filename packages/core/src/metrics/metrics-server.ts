import { type Server, createServer } from 'node:http';
import type { Registry } from 'prom-client';
import { errorMessage } from '../errors.js';
import { type Listening, listenHttp } from '../http-listen.js';

export interface MetricsServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Resolves when the component is healthy (Redis reachable, say); rejects with why not. */
  health: () => Promise<void>;
}

/** A running `/metrics` + `/healthz` endpoint. */
export type MetricsServer = Listening;

/**
 * Serves a registry in Prometheus text format at `/metrics`, and `/healthz`: 200 `ok`
 * when healthy, 503 with the reason when not. Nothing else; both are read-only.
 */
export function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
        (err: unknown) =>
          response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${errorMessage(err)}\n`),
      );
    } else if (path === '/healthz') {
      options.health().then(
        () => response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n'),
        (err: unknown) =>
          response.writeHead(503, { 'content-type': 'text/plain' }).end(`unhealthy: ${errorMessage(err)}\n`),
      );
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
    }
  });
  return listenHttp(server, options.port, options.host);
}
