/**
 * Secrets read from files, as Docker and compose secrets hand them over (a file under
 * /run/secrets), so that they are on no command line: a password in `--redis` shows in
 * `ps` to every user of the host, and one in the environment to whoever may inspect the
 * container.
 *
 *   REDIS_PASSWORD_FILE                the Redis password, put into the `--redis` URL (or
 *                                      into redis://127.0.0.1:6379, the default of every
 *                                      command but analyze, whose private Redis needs none)
 *   LOGCLUSTER_DASHBOARD_PASSWORD_FILE the dashboard's password (serve)
 *
 * A file holds the secret alone; one line break at its end is not part of it (`echo` and
 * editors add one). Given both ways (in the URL and by file, or in the variable and by
 * file), the command refuses: which one counts would be a guess.
 */
import { readFileSync } from 'node:fs';
import { UsageError, errorMessage, withRedisPassword } from '@logcluster/core';

export const REDIS_PASSWORD_FILE_ENV = 'REDIS_PASSWORD_FILE';
export const DASHBOARD_PASSWORD_FILE_ENV = 'LOGCLUSTER_DASHBOARD_PASSWORD_FILE';

/** The secret in the file that the variable `variable` names: its text, without one line break at the end. */
export function readSecretFile(path: string, variable: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : errorMessage(err);
    throw new UsageError(`${variable}=${path}: cannot read it: ${why}`);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new UsageError(`${variable}=${path}: the file is empty`);
  return secret;
}

/**
 * The Redis URL a command connects with: `given` (`--redis` / `REDIS_URL`), or the
 * command's `fallback` (undefined: it starts a Redis of its own), with the password of
 * REDIS_PASSWORD_FILE when that is set.
 */
export function redisUrlWithSecret(
  given: string | undefined,
  fallback: string | undefined,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const file = env[REDIS_PASSWORD_FILE_ENV];
  if (!file) return given;
  const url = given ?? fallback;
  if (url === undefined) return given;
  return withRedisPassword(url, readSecretFile(file, REDIS_PASSWORD_FILE_ENV), REDIS_PASSWORD_FILE_ENV);
}
