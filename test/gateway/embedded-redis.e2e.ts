import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisAnswers, resolveRedis } from '../../apps/gateway/src/redis/embedded-redis';
import { TEST_REDIS_CLUSTER_NODES } from '../support/redis';

// Not on the cluster run: it is about the private single redis-server the gateway starts itself.
const describeSingle = TEST_REDIS_CLUSTER_NODES ? describe.skip : describe;

// A port nothing listens on stands in for "no Redis on 6379" (the machine's Redis keeps running).
const NOBODY = 1;

describeSingle('embedded Redis default', () => {
  it('starts a private redis-server, lets a second user join, and stops with the last user', async () => {
    const varDir = mkdtempSync(join(tmpdir(), 'dmb-var-'));
    const first = await resolveRedis(undefined, varDir, () => undefined, NOBODY);
    expect(first.embedded).toBe(true);
    const port = Number(readFileSync(join(varDir, 'redis', 'port'), 'utf8'));
    expect(first.url).toBe(`redis://127.0.0.1:${port}`);
    expect(await redisAnswers('127.0.0.1', port)).toBe(true);

    // A second process on the same machine joins the same server (same pid here, so a fake user file).
    const second = await resolveRedis(undefined, varDir, () => undefined, NOBODY);
    expect(second.url).toBe(first.url);

    await first.release();
    // the user file is per pid: after the release of this pid nobody is left, so Redis stops
    await second.release();
    for (let i = 0; i < 40 && (await redisAnswers('127.0.0.1', port)); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await redisAnswers('127.0.0.1', port)).toBe(false);
    expect(existsSync(join(varDir, 'redis', 'port'))).toBe(false);
    expect(existsSync(join(varDir, 'redis', 'appendonlydir'))).toBe(true);
  });

  it('keeps Redis running while another live process still uses it', async () => {
    const varDir = mkdtempSync(join(tmpdir(), 'dmb-var-'));
    const mine = await resolveRedis(undefined, varDir, () => undefined, NOBODY);
    const port = Number(readFileSync(join(varDir, 'redis', 'port'), 'utf8'));
    // pid 1 is always alive: it plays the other gateway process
    writeFileSync(join(varDir, 'redis', 'users', '1'), '');
    await mine.release();
    expect(await redisAnswers('127.0.0.1', port)).toBe(true);
    rmSync(join(varDir, 'redis', 'users', '1'));
    const again = await resolveRedis(undefined, varDir, () => undefined, NOBODY);
    expect(again.url).toBe(`redis://127.0.0.1:${port}`);
    await again.release();
  });

  it('uses the configured URL untouched', async () => {
    const r = await resolveRedis('redis://example:1234', '/nonexistent');
    expect(r).toMatchObject({ url: 'redis://example:1234', embedded: false });
  });
});
