import { startDmGateway, type DmGateway } from './support/gateway';
import { provisionedHandset } from './support/provisioned-handset';
import { addDmDevice, startCoreDm, type CoreDmFixture } from './support/core-dm';

/**
 * Server authentication per direction (issue 11): the server answers a device's Chal in the type
 * it asks for when that is at least as strong as configured, and a device that keeps refusing
 * the server ends the session with `server-auth-rejected`, never "completed".
 */
describe('OMA DM server credentials: the device Chal is honoured, refusals are faults', () => {
  describe('queue source', () => {
    let g: DmGateway;
    beforeAll(async () => {
      g = await startDmGateway();
    });
    afterAll(async () => {
      await g?.close();
    });

    it.each(['xml', 'wbxml'] as const)(
      'server configured for basic, the device demands md5: md5 Cred follows and the session completes (%s)',
      async (encoding) => {
        const dev = `IMEI:3590000000000${encoding === 'xml' ? 1 : 2}`;
        const h = await provisionedHandset(g, dev, {
          encoding,
          clientAuth: 'basic',
          accountAuth: 'basic',
          serverAuth: 'md5',
        });
        // the account says basic for the server; the handset insists on md5
        await g.store.saveAccount({ ...(await g.store.account(dev))!, serverAuth: 'basic' });
        await g.source.enqueue(dev, {
          id: 'get',
          command: { kind: 'Get', items: [{ target: { locURI: './DevInfo/Mod' } }] },
        });
        const s = await h.runSession();
        expect(s).toMatchObject({ ended: 'completed', serverAuthenticated: true });
        expect(await g.source.results(dev)).toMatchObject([{ operationId: 'get', status: 200 }]);
        const events = await g.source.events(dev);
        expect(events.filter((e) => e.type === 'server-auth-rejected')).toEqual([
          { type: 'server-auth-rejected', deviceId: dev, status: 401, chalType: 'syncml:auth-md5' },
        ]);
      },
    );

    it('a device that refuses every server Cred ends the session server-auth-rejected, not completed', async () => {
      const dev = 'IMEI:359000000000003';
      const h = await provisionedHandset(g, dev, {
        encoding: 'xml',
        serverAuth: 'md5',
        serverPassword: 'not-the-server-password',
      });
      await g.store.saveAccount({ ...(await g.store.account(dev))!, serverAuth: 'md5' });
      await g.source.enqueue(dev, {
        id: 'get',
        command: { kind: 'Get', items: [{ target: { locURI: './DevInfo/Mod' } }] },
      });
      const s = await h.runSession();
      expect(s.ended).not.toBe('completed');
      const ended = (await g.source.events(dev)).find((e) => e.type === 'session-ended');
      expect(ended).toMatchObject({
        reason: 'server-auth-rejected',
        detail: expect.stringContaining('device asks for syncml:auth-md5'),
      });
      expect(await g.source.results(dev)).toEqual([]);
      // the operation is waiting again
      expect((await g.source.pending(dev)).map((o) => o.id)).toEqual(['get']);
    });
  });

  describe('core source', () => {
    let fx: CoreDmFixture;
    beforeAll(async () => {
      fx = await startCoreDm({
        WAKE_BACKOFF_BASE_MS: '200',
        WAKE_BACKOFF_MAX_MS: '300',
        SESSION_LOCK_TTL_MS: '1000',
      });
    });
    afterAll(async () => {
      await fx?.close();
    });

    it('the job carries server-auth-rejected with the Chal type and fails after three refusing sessions', async () => {
      // the handset's SMS side knows the server password (package #0 passes), its DM client not
      const d = await addDmDevice(fx, 21, { encoding: 'xml', serverPassword: 'stale-password' });
      const res = await fx.f.call('POST', '/v1/jobs?wait=20', {
        deviceId: d.id,
        operations: [{ op: 'get', path: 'omadm:./DevInfo/Mod' }],
      });
      expect(res.body.state).toBe('failed');
      const job = (await fx.f.call('GET', `/v1/jobs/${res.body.id}`)).body;
      const refusals = job.faults.filter(
        (f: { code: string }) => f.code === 'server-auth-rejected',
      );
      expect(refusals.length).toBeGreaterThanOrEqual(3);
      expect(refusals[0].message).toMatch(
        /refused the server's credentials 3 times .*syncml:auth-md5/,
      );
      expect(job.results).toEqual([
        { status: 'failed', code: 'server-auth-rejected', message: refusals[0].message },
      ]);
      expect(d.handset.sessions.length).toBeGreaterThanOrEqual(3);
    });
  });
});
