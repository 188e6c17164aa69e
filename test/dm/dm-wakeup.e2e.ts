import { buildDmNotificationPush } from '@dm-bridge/wap-push';
import { OmaDmHandsetFront } from '../../apps/simulator/src/handsets/oma-dm-handset';
import { DmHandset, dmClientTrigger } from '../../apps/simulator/src/dm-handset/dm-handset';
import { startDmGateway, type DmGateway } from './support/gateway';

/**
 * Package #0 in a WAP push over SMS reaches the handset's SMS side, which checks the digest and
 * triggers the DM client: a server-initiated session (Alert 1200) with the notification's id.
 */
describe('OMA DM wake-up: SMS package #0 -> DM session over HTTP', () => {
  let g: DmGateway;
  beforeAll(async () => {
    g = await startDmGateway();
  });
  afterAll(async () => {
    await g?.close();
  });

  it('runs the session the notification asked for, with the server nonce the handset issued', async () => {
    const dev = 'IMEI:490154203237518';
    const serverNonce = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
    await g.store.saveAccount({
      deviceId: dev,
      clientAuth: 'md5',
      clientName: 'device1',
      clientPassword: 'devpass',
      clientNonce: '',
      serverAuth: 'md5',
      serverName: 'gw.example',
      serverPassword: 'secret',
      serverNonce: serverNonce.toString('base64'),
    });
    await g.source.enqueue(dev, {
      id: 'reboot',
      command: { kind: 'Exec', items: [{ target: { locURI: './Vendor/dmbridge/Reboot' } }] },
    });
    await g.store.recordNotification(dev, '1234', 60_000);
    const handset = new DmHandset({
      devId: dev,
      serverUrl: g.dmUrl,
      serverId: 'gw.example',
      serverPassword: 'secret',
      clientName: 'device1',
      clientPassword: 'devpass',
      serverAuth: 'md5',
      nonces: { server: serverNonce.toString('base64') },
    });
    const front = new OmaDmHandsetFront({
      msisdn: '491701234567',
      serverId: 'gw.example',
      serverPassword: 'secret',
      nonce: serverNonce,
      onTrigger: dmClientTrigger(handset),
    });
    const push = buildDmNotificationPush({
      sessionId: 0x1234,
      serverId: 'gw.example',
      serverPassword: 'secret',
      nonce: serverNonce,
      uiMode: 'background',
    });
    for (const seg of push.segments) front.receiveSms(Buffer.from(seg.userData), 'OPERATOR');
    expect(front.rejected).toEqual([]);
    const s = await handset.lastSession!;
    expect(s).toMatchObject({
      initiator: 'server',
      sessionId: '1234',
      ended: 'completed',
      serverAuthenticated: true,
    });
    expect(await g.source.results(dev)).toEqual([{ operationId: 'reboot', status: 200 }]);
    expect((await g.source.events(dev))[0]).toMatchObject({
      type: 'session-started',
      initiator: 'server',
      notificationMatched: true,
    });
  });
});
