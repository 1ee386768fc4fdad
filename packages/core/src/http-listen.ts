import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP server listening: where, and how to stop it. */
export interface Listening {
  /** e.g. `http://127.0.0.1:9464` (the port chosen, when 0 was asked for). */
  readonly url: string;
  /** Stops listening and drops open connections (keep-alive ones included). */
  close(): Promise<void>;
}

/** Starts `server` on `host:port`; rejects if it cannot (the port taken, say). */
export async function listenHttp(server: Server, port: number, host: string): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
