import { type Socket, connect as netConnect } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { RedisAuthError, RedisUnavailableError, errorMessage } from '../errors.js';
import { redisErrorCode } from '../redis/redis-errors.js';
import { type RespReply, RespReader } from './resp-reader.js';

/** Where one Redis is and how to log in: what `redisTargetFromUrl` gives for a single Redis. */
export interface RespEndpoint {
  /** A unix socket; or `host` and `port`. */
  path?: string;
  host?: string;
  port?: number;
  tls?: ConnectionOptions;
  username?: string;
  password?: string;
  db?: number;
  /** Shown in `CLIENT LIST`. */
  connectionName: string;
}

/** An error reply from Redis; named like ioredis's, so that `redisErrorCode` reads it. */
export class RespReplyError extends Error {
  override name = 'ReplyError';
}

/** A command's pieces, written end to end (Buffers as they are, never joined), and where a bulk reply goes. */
interface Command {
  pieces: readonly (string | Uint8Array)[];
  /** A login command: it belongs to one connection and is never sent again. */
  login?: true;
  target: Uint8Array | undefined;
  resolve: (reply: RespReply) => void;
  reject: (err: Error) => void;
}

const CONNECT_TIMEOUT_MS = 10_000;
/** Same back-off as the ioredis connections (`connectRedis`). */
const retryDelay = (attempt: number) => Math.min(100 * attempt, 2_000);

/**
 * A plain RESP2 connection to one Redis, for large values: a command's Buffers go to the
 * socket as they are (corked, so one `writev`), and a bulk reply is read straight into
 * the buffer its command names (see `RespReader`). Like the ioredis connections it
 * reconnects for ever once it has been up, logging in again (AUTH, SELECT, CLIENT
 * SETNAME), and sends again the commands whose replies a lost connection took with it:
 * use it only for commands that may run twice (SET, GET, DEL).
 */
export class RespConnection {
  private socket: Socket | undefined;
  private reader: RespReader | undefined;
  /** Written, waiting for their replies, in order. */
  private readonly sent: Command[] = [];
  /** Waiting for the connection (to be up, or logged in again). */
  private queued: Command[] = [];
  private ready = false;
  /** Up once: from then on, a lost connection is reconnected here (before, `open` retries). */
  private everUp = false;
  private closed = false;
  private corked = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastError: unknown;

  private constructor(private readonly endpoint: RespEndpoint) {}

  /**
   * Connects and logs in, or rejects (`RedisUnavailableError`, `RedisAuthError`) if that
   * does not succeed within `timeoutMs`; from then on it reconnects by itself.
   */
  static async open(endpoint: RespEndpoint, timeoutMs: number): Promise<RespConnection> {
    const connection = new RespConnection(endpoint);
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await connection.connectOnce(Math.max(1, Math.min(CONNECT_TIMEOUT_MS, deadline - Date.now())));
        connection.everUp = true;
        return connection;
      } catch (err) {
        if (err instanceof RespReplyError && ['WRONGPASS', 'NOAUTH'].includes(redisErrorCode(err) ?? '')) {
          connection.closed = true;
          throw new RedisAuthError(`Redis refused the credentials: ${err.message}`, { cause: err });
        }
        if (Date.now() + retryDelay(attempt) >= deadline) {
          connection.closed = true;
          throw new RedisUnavailableError(`cannot reach Redis within ${timeoutMs / 1000} s: ${errorMessage(err)}`, {
            cause: err,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, retryDelay(attempt)));
      }
    }
  }

  /** Sends a command; a bulk reply of exactly `target`'s length is written into `target`. */
  send(pieces: readonly (string | Uint8Array)[], target?: Uint8Array): Promise<RespReply> {
    return new Promise<RespReply>((resolve, reject) => {
      if (this.closed) return reject(new Error('Connection is closed.'));
      const command: Command = { pieces, target, resolve, reject };
      if (this.ready) this.write(command);
      else this.queued.push(command);
    });
  }

  /** Rejects what is outstanding and closes the socket. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    const outstanding = [...this.sent.splice(0), ...this.queued.splice(0)];
    for (const command of outstanding) command.reject(new Error('Connection is closed.'));
    this.socket?.destroy();
  }

  private write(command: Command): void {
    const socket = this.socket!;
    this.sent.push(command);
    if (!this.corked) {
      // Everything sent in this tick leaves in one writev.
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    for (const piece of command.pieces) socket.write(piece);
  }

  /** One connection attempt, logged in when it resolves; the commands queued meanwhile are then written. */
  private connectOnce(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const { endpoint } = this;
      const reader = new RespReader(
        (ahead) => this.sent[ahead]?.target,
        (reply) => this.onReply(reply),
      );
      const onread = {
        buffer: () => reader.readBuffer(),
        callback: (length: number, buffer: Uint8Array) => {
          this.parse(() => reader.received(buffer, length));
          return true;
        },
      };
      let socket: Socket;
      if (endpoint.tls) {
        // TLS hands over decrypted data in buffers of its own: each is copied once, into place.
        socket = tlsConnect({ ...endpoint.tls, host: endpoint.host, port: endpoint.port });
        socket.on('data', (data: Buffer) => this.parse(() => reader.feed(data)));
      } else if (endpoint.path !== undefined) socket = netConnect({ path: endpoint.path, onread });
      else socket = netConnect({ host: endpoint.host ?? '127.0.0.1', port: endpoint.port ?? 6379, onread });
      this.socket = socket;
      this.reader = reader;
      let settled = false;
      const timer = setTimeout(
        () => socket.destroy(new Error(`connection timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      socket.on('error', (err) => (this.lastError = err));
      socket.once('close', () => {
        clearTimeout(timer);
        this.onClose(socket);
        if (!settled) {
          settled = true;
          reject(this.lastError instanceof Error ? this.lastError : new Error('Connection is closed.'));
        }
      });
      socket.once(endpoint.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        if (endpoint.host !== undefined) {
          socket.setNoDelay(true);
          socket.setKeepAlive(true);
        }
        this.login(socket).then(
          () => {
            settled = true;
            this.attempt = 0;
            this.ready = true;
            const queued = this.queued;
            this.queued = [];
            for (const command of queued) this.write(command);
            resolve();
          },
          (err: unknown) => {
            this.lastError = err;
            if (!settled) {
              settled = true;
              reject(err instanceof Error ? err : new Error(errorMessage(err)));
            }
            socket.destroy();
          },
        );
      });
    });
  }

  /** AUTH, SELECT and CLIENT SETNAME, ahead of anything queued. */
  private async login(socket: Socket): Promise<void> {
    const { username, password, db, connectionName } = this.endpoint;
    const commands: string[][] = [];
    if (password !== undefined)
      commands.push(username !== undefined ? ['AUTH', username, password] : ['AUTH', password]);
    if (db !== undefined && db !== 0) commands.push(['SELECT', String(db)]);
    commands.push(['CLIENT', 'SETNAME', connectionName]);
    const replies = commands.map(
      (args) =>
        new Promise<RespReply>((resolve, reject) => {
          const encoded = encodeCommand(args);
          this.sent.push({ pieces: [encoded], login: true, target: undefined, resolve, reject });
          socket.write(encoded);
        }),
    );
    for (const reply of await Promise.all(replies)) if (reply.type === 'error') throw new RespReplyError(reply.text);
  }

  private parse(step: () => void): void {
    try {
      step();
    } catch (err) {
      // Not RESP as we know it: drop the connection; its commands are sent again on a new one.
      this.lastError = err;
      this.socket?.destroy();
    }
  }

  private onReply(reply: RespReply): void {
    const command = this.sent.shift();
    if (command === undefined) throw new Error('a reply to no command');
    command.resolve(reply);
  }

  /** The connection went away: commands waiting for a reply are sent again once reconnected. */
  private onClose(socket: Socket): void {
    if (socket !== this.socket) return;
    this.ready = false;
    this.reader?.reset();
    const unanswered = this.sent.splice(0);
    for (const command of unanswered) if (command.login) command.reject(new Error('Connection is closed.'));
    this.queued = [...unanswered.filter((command) => !command.login), ...this.queued];
    if (this.closed || !this.everUp) return;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.attempt++;
    this.retryTimer = setTimeout(() => {
      if (this.closed) return;
      this.connectOnce(CONNECT_TIMEOUT_MS).catch(() => {
        // Its 'close' schedules the next attempt.
      });
    }, retryDelay(this.attempt));
  }
}

/** A command as RESP: an array of bulk strings. */
export function encodeCommand(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}
