import { pino, type Logger } from 'pino';
import type { CommandIo } from './command-io.js';

/** `LOGCLUSTER_LOG_FORMAT`: `json` or `pretty`; by default pretty on a terminal, JSON otherwise. */
export const LOG_FORMAT_ENV = 'LOGCLUSTER_LOG_FORMAT';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every line has, shown in the pretty form's own places or not at all. */
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service']);

/**
 * The structured log of a long-running service (`worker`, `serve`): one JSON object per
 * line on stderr (pino), with `service` and the fields each event carries; on a terminal,
 * one readable line per event instead.
 */
export function serviceLog(
  service: 'worker' | 'dashboard',
  io: CommandIo,
  bindings: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = process.env,
): Logger {
  const format = env[LOG_FORMAT_ENV] ?? (io.stderr.isTTY ? 'pretty' : 'json');
  const destination =
    format === 'pretty'
      ? { write: (line: string) => io.stderr.write(pretty(line)) }
      : { write: (line: string) => io.stderr.write(line) };
  return pino({ base: { service, ...bindings }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/** `2026-11-26T22:40:01.123Z INFO  worker started  threads=2 …` */
function pretty(line: string): string {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = LEVELS[event.level as number] ?? String(event.level);
  const fields = Object.entries(event)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return `${String(event.time)} ${level.padEnd(5)} ${typeof event.msg === 'string' ? event.msg : ''}${fields.length ? `  ${fields.join(' ')}` : ''}\n`;
}
