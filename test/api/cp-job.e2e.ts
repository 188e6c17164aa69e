import { OmaCpHandset } from '../../apps/simulator/src/handsets/oma-cp-handset';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import { ApiFixture, dropPrefix, startApi, until } from './api-fixture';

/**
 * An OMA CP job from the REST API to the handset: core compiles the operations into a
 * provisioning document, the SMS side signs and sends it over SMPP to the simulated SMSC, the
 * simulated handset checks the NETWPIN MAC and stores it; receipts settle the job.
 */
describe('REST API: an OMA CP job end to end over SMPP', () => {
  let f: ApiFixture;
  let smsc: SimulatedSmsc;
  const handset = new OmaCpHandset({ msisdn: '491701234599', imsi: '262019876543210' });
  const slowHandset = new OmaCpHandset({ msisdn: '491701234598', imsi: '262019876543211' });

  beforeAll(async () => {
    smsc = new SimulatedSmsc({ accounts: { gw: 'pw' } });
    await smsc.start();
    smsc.addHandset(handset);
    smsc.addHandset(slowHandset);
    f = await startApi({
      SMPP_BINDS: `${smsc.url('gw', 'pw')}?id=sim`,
      SMPP_JOB_BACKOFF_MS: '50',
      CP_RECEIPT_POLL_MS: '100',
      CP_RECEIPT_WINDOW_MS: '3000',
    });
  });
  afterAll(async () => {
    await f.close();
    await smsc.stop();
    await dropPrefix(f.prefix);
  });

  it('pushes a signed document built from catalog names and ends succeeded on the receipts', async () => {
    await f.call('POST', '/v1/devices', {
      id: 'cp-handset',
      protocol: 'omacp',
      addressing: { msisdn: '+49 170 1234599', imsi: '262019876543210', pinPolicy: 'netwpin' },
    });
    const res = await f.call('POST', '/v1/jobs?wait=10', {
      deviceId: 'cp-handset',
      operations: [
        { op: 'set', path: 'network.apn', value: 'internet.example' },
        { op: 'set', path: 'network.apn.password', value: 'apn-secret' },
        { op: 'set', path: 'dm.server.url', value: 'https://dm.example.net/dm' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      state: 'succeeded',
      results: [{ status: 'ok', code: 'delivered' }, { status: 'ok' }, { status: 'ok' }],
    });
    const [doc] = await handset.waitForDocuments(1);
    expect(handset.rejected).toEqual([]);
    expect(JSON.stringify(doc.document)).toContain('internet.example');
    expect(JSON.stringify(doc.document)).toContain('"value":"w7"');
    expect(JSON.stringify(res.body)).not.toContain('apn-secret');
  });

  it('ends unconfirmed when the push is accepted but no receipt comes within the window', async () => {
    smsc.setReceiptDelay(4000);
    await f.call('POST', '/v1/devices', {
      id: 'cp-slow',
      protocol: 'omacp',
      addressing: { msisdn: '+491701234598', imsi: '262019876543211' },
    });
    const res = await f.call('POST', '/v1/jobs', {
      deviceId: 'cp-slow',
      operations: [{ op: 'set', path: 'network.apn', value: 'slow' }],
    });
    const done = await until(
      () => f.call('GET', `/v1/jobs/${res.body.id}`),
      (r) => !['queued', 'waking', 'awaiting-contact'].includes(r.body.state),
      8000,
    );
    expect(done.body).toMatchObject({
      state: 'unconfirmed',
      faults: [expect.objectContaining({ code: 'no-receipt' })],
    });
    expect(await slowHandset.waitForDocuments(1)).toHaveLength(1);
    smsc.setReceiptDelay(0);
  });

  it('previews exactly what would be sent: document, WBXML, WSP and SMS segments, secrets masked', async () => {
    const body = {
      deviceId: 'cp-handset',
      operations: [
        { op: 'set', path: 'network.apn', value: 'internet.example' },
        { op: 'set', path: 'network.apn.password', value: 'apn-secret-2' },
      ],
    };
    const masked = await f.call('POST', '/v1/jobs/preview', body);
    expect(masked.status).toBe(200);
    const kinds = masked.body.parts.map((p: any) => p.kind);
    expect(kinds).toEqual(['xml', 'wbxml-hex', 'wsp-hex', 'sms-segment-hex']);
    expect(JSON.stringify(masked.body)).not.toContain('apn-secret-2');
    expect(JSON.stringify(masked.body)).not.toContain(Buffer.from('apn-secret-2').toString('hex'));
    expect(masked.body.parts[0].content).toContain('NAP-ADDRESS');
    expect(masked.body.parts[3].content).toMatch(/^[0-9a-f*]+$/);
    const revealed = await f.call('POST', '/v1/jobs/preview?reveal=true', body);
    expect(revealed.body.parts[0].content).toContain('apn-secret-2');
    expect(revealed.body.parts[1].content).toContain(Buffer.from('apn-secret-2').toString('hex'));
  });

  it('previews a document that needs several SMS, and says when it signs with placeholders', async () => {
    const made = await f.call('POST', '/v1/devices', {
      id: 'cp-nopin',
      protocol: 'omacp',
      addressing: { msisdn: '+491709876501', pinPolicy: 'userpin' },
    });
    expect(made.status).toBe(201);
    const operations = Array.from({ length: 12 }, (_, i) => ({
      op: 'set',
      path: 'network.apn',
      value: `apn-${i}-${'x'.repeat(40)}.example`,
    }));
    const res = await f.call('POST', '/v1/jobs/preview', { deviceId: 'cp-nopin', operations });
    expect(res.status).toBe(200);
    const segments = res.body.parts.filter((p: any) => p.kind === 'sms-segment-hex');
    expect(segments.length).toBeGreaterThan(1);
    expect(segments[0].title).toMatch(/^SMS 1\/\d+ TP-UD .*concatenation reference 0 here/);
    expect(res.body.parts[0].title).toContain('placeholder PIN 0000: the device has none');
  });
});
