import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

export interface Credentials {
  user: string;
  password: string;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * HTTP Basic authentication for every route it guards: 401 with a challenge unless the
 * request carries these credentials. Compared in constant time (as digests, so that
 * lengths do not leak either).
 */
export function basicAuth(credentials: Credentials, realm = 'logcluster'): RequestHandler {
  const expected = digest(`${credentials.user}:${credentials.password}`);
  return (request, response, next) => {
    const header = request.headers.authorization ?? '';
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    const given = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : null;
    if (given !== null && timingSafeEqual(digest(given), expected)) {
      next();
      return;
    }
    response
      .status(401)
      .set('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`)
      .type('text/plain')
      .send('authentication required\n');
  };
}

/** Whether a listen address only reaches this machine. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || bare === '::ffff:127.0.0.1';
}
