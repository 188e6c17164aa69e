import type { DmOperation } from '@dm-bridge/omadm';
import { DmHandset } from '../../apps/simulator/src/dm-handset/dm-handset';
import { startDmGateway, type DmGateway } from './support/gateway';

/** Session state lives in Redis only: two gateway processes take turns serving one session. */
describe('OMA DM: any gateway process serves any message', () => {
  let a: DmGateway;
  let b: DmGateway;
  beforeAll(async () => {
    a = await startDmGateway();
    b = await startDmGateway({}, a);
  });
  afterAll(async () => {
    await b?.gw.close();
    await b?.redis.redis.quit(); // the prefix's keys are a's to clean up
    await a?.close();
  });

  it('alternates messages between two gateways, results are complete and in order', async () => {
    const dev = 'IMEI:two-gateways';
    await a.store.saveAccount({
      deviceId: dev,
      clientAuth: 'md5',
      clientName: 'd',
      clientPassword: 'p',
      clientNonce: '',
      serverAuth: 'none',
      serverName: 'gw',
      serverPassword: 'x',
      serverNonce: '',
    });
    const ops: DmOperation[] = Array.from({ length: 12 }, (_, i) => ({
      id: `r${i}`,
      command: {
        kind: 'Replace',
        items: [
          {
            target: { locURI: './Vendor/dmbridge/sip/Registrar' },
            meta: { format: 'chr' },
            data: `h${i}.${'x'.repeat(80)}.example`,
          },
        ],
      },
    }));
    await a.source.enqueue(dev, ...ops);
    const h = new DmHandset({
      devId: dev,
      serverUrl: a.dmUrl,
      serverId: 'gw',
      serverPassword: 'x',
      clientName: 'd',
      clientPassword: 'p',
      maxMsgSize: 1200,
    });
    let n = 0;
    const s = await h.runSession({
      transform: (m) => ({ ...m, url: (n++ % 2 ? b.dmUrl : a.dmUrl) + new URL(m.url).search }),
    });
    expect(s.ended).toBe('completed');
    expect(n).toBeGreaterThan(3);
    expect((await b.source.results(dev)).map((r) => `${r.operationId}:${r.status}`)).toEqual(
      ops.map((o) => `${o.id}:200`),
    );
  });
});
