import { isConnectionError, RedisErrorReporter } from './redis-errors';

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
}

describe('RedisErrorReporter', () => {
  function reporter() {
    const lines: Array<[string, Record<string, unknown>]> = [];
    const r = new RedisErrorReporter({
      warn: (m: unknown) => void lines.push(['warn', m as Record<string, unknown>]),
      log: (m: unknown) => void lines.push(['info', m as Record<string, unknown>]),
    });
    return { r, msgs: () => lines.map(([level, m]) => `${level}: ${m.msg as string}`) };
  }

  it('reports an outage once, and once when it is over', () => {
    const { r, msgs } = reporter();
    for (let i = 0; i < 40; i++) r.error(i % 2 ? 'wakeup' : 'redis', refused());
    r.ready('redis');
    r.ready('wakeup');
    r.error('redis', refused());
    expect(msgs()).toEqual([
      'warn: Redis connection lost: retrying (further errors are not logged until it is back)',
      'info: Redis connection restored',
      'warn: Redis connection lost: retrying (further errors are not logged until it is back)',
    ]);
  });

  it('during shutdown says once that the process closes without Redis', () => {
    const { r, msgs } = reporter();
    r.error('redis', refused());
    r.beginShutdown();
    for (let i = 0; i < 10; i++) r.error('contact-me', refused());
    expect(msgs()).toEqual([
      'warn: Redis connection lost: retrying (further errors are not logged until it is back)',
      'warn: Redis unavailable during shutdown: closing without it',
    ]);
  });

  it('tells connection errors from others', () => {
    expect(isConnectionError(refused())).toBe(true);
    expect(isConnectionError(new Error('Connection is closed.'))).toBe(true);
    expect(isConnectionError(new Error('ERR unknown command'))).toBe(false);
  });
});
