import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { errorMessage } from '../errors.js';

export interface MetricsServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Resolves when the component is healthy (Redis reachable, say); rejects with why not. */
  health: () => Promise<void>;
}

/** A running `/metrics` + `/healthz` endpoint. */
export interface MetricsServer {
  /** Where it listens, e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves a registry in Prometheus text format at `/metrics`, and `/healthz`: 200 `ok`
 * when healthy, 503 with the reason when not. Nothing else; both are read-only.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
        (err: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${errorMessage(err)}\n`),
      );
    } else if (path === '/healthz') {
      options.health().then(
        () => response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n'),
        (err: unknown) => response.writeHead(503, { 'content-type': 'text/plain' }).end(`unhealthy: ${errorMessage(err)}\n`),
      );
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
