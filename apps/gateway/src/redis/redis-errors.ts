import { Logger } from '@nestjs/common';

/**
 * One place that reports Redis connection trouble for the whole process. Every ioredis client
 * and every BullMQ queue/worker emits an 'error' per reconnect attempt; unlistened, ioredis prints
 * "[ioredis] Unhandled error event" with a stack for each. Here an outage is one line when it
 * starts and one when the connection is back; during shutdown it is one line saying the process
 * closes without Redis.
 */
export class RedisErrorReporter {
  private down = false;
  private shuttingDown = false;
  private reportedDuringShutdown = false;
  private lastCause = '';

  constructor(private readonly logger: Pick<Logger, 'warn' | 'log'> = new Logger('Redis')) {}

  /** Any Redis-backed component's error event. */
  error(source: string, err: Error): void {
    const cause = describe(err);
    this.lastCause = cause;
    if (this.shuttingDown) {
      this.down = true;
      this.reportShutdownOutage(source);
      return;
    }
    if (this.down) return;
    this.down = true;
    this.logger.warn({
      msg: 'Redis connection lost: retrying (further errors are not logged until it is back)',
      source,
      error: cause,
    });
  }

  /** An error of a Redis-backed component that is not about the connection. */
  other(source: string, err: Error): void {
    this.logger.warn({ msg: 'Redis client error', source, error: describe(err) });
  }

  /** A client became ready again. */
  ready(source: string): void {
    if (!this.down) return;
    this.down = false;
    if (!this.shuttingDown) this.logger.log({ msg: 'Redis connection restored', source });
  }

  beginShutdown(): void {
    this.shuttingDown = true;
    if (this.down) this.reportShutdownOutage('redis');
  }

  /** A new process lifetime (tests start several gateways in one process). */
  reset(): void {
    this.down = this.shuttingDown = this.reportedDuringShutdown = false;
  }

  private reportShutdownOutage(source: string): void {
    if (this.reportedDuringShutdown) return;
    this.reportedDuringShutdown = true;
    this.logger.warn({
      msg: 'Redis unavailable during shutdown: closing without it',
      source,
      error: this.lastCause,
    });
  }

  get unavailable(): boolean {
    return this.down;
  }
}

function describe(err: Error): string {
  const code = (err as { code?: string }).code;
  return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
}

/** The process's reporter (Redis trouble is a process-wide condition). */
export const redisErrors = new RedisErrorReporter();

interface ErrorSource {
  on(event: 'error', fn: (err: Error) => void): unknown;
  on(event: 'ready', fn: () => void): unknown;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** Errors that say "no connection to Redis" (rather than a bug or a bad command). */
export function isConnectionError(err: Error): boolean {
  const code = (err as { code?: string }).code;
  if (code && CONNECTION_CODES.has(code)) return true;
  return /Connection is closed|max retries per request|connect ETIMEDOUT|Stream isn't writeable|ECONNREFUSED|ECONNRESET/i.test(
    err.message,
  );
}

/** Routes a client's (or BullMQ queue's) error events to the reporter. */
export function watchRedis<T>(client: T, source: string, reporter = redisErrors): T {
  const c = client as unknown as ErrorSource;
  c.on('error', (err: Error) =>
    isConnectionError(err) ? reporter.error(source, err) : reporter.other(source, err),
  );
  c.on('ready', () => reporter.ready(source));
  return client;
}
