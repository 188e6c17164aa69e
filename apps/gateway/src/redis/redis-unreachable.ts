import { redisAnswers } from './embedded-redis';

/** The URL without its password, fit for a log line. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable REDIS_URL)';
  }
}

/** Start-up failed because the configured Redis does not answer: the operator's one-line error. */
export class RedisUnreachableError extends Error {
  constructor(url: string) {
    super(
      `cannot reach Redis at ${redactRedisUrl(url)} (REDIS_URL): start it, or fix REDIS_URL, then start again`,
    );
    this.name = 'RedisUnreachableError';
  }
}

/** After a failed start: was it because a plain redis:// URL does not answer a PING? */
export async function redisUnreachable(url: string): Promise<boolean> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'redis:') return false;
  return !(await redisAnswers(u.hostname || '127.0.0.1', Number(u.port || 6379), 1000));
}
