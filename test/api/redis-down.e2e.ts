import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway } from '../../apps/gateway/src/bootstrap';

describe('start-up without Redis', () => {
  it('fails with one clear error that names Redis and its URL', async () => {
    const url = 'redis://:s3cretpw@127.0.0.1:1';
    const started = Date.now();
    const err = await startGateway({
      env: {
        API_PORT: '0',
        DEVICE_HTTP_PORT: '0',
        HOST: '127.0.0.1',
        REDIS_URL: url,
        VAR_DIR: mkdtempSync(join(tmpdir(), 'dmb-noredis-')),
        DMB_MASTER_KEY: randomBytes(32).toString('hex'),
      },
      logger: false,
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toBeDefined();
    expect(err!.message).toMatch(/Redis/);
    expect(err!.message).toContain('redis://:***@127.0.0.1:1');
    expect(err!.message).not.toContain('s3cretpw');
    expect(err!.message.split('\n')).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(20000);
  }, 30000);
});
