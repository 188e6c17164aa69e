import { OpenStagePhone } from '../../apps/simulator/src/phone/openstage-phone';
import { WorkpointRuntime } from '../../apps/gateway/src/workpoint/workpoint.module';
import { ApiFixture, dropPrefix, startApi, until } from './api-fixture';

/**
 * The whole Workpoint path with every real part: a phone never seen before starts up over HTTPS
 * and is registered in core (plug & play), a REST job wakes it with contact-me, the phone calls
 * back (reason solicited), the engine writes and reads its items, and the results land on the job.
 */
describe('REST API: a Workpoint job end to end (plug & play, contact-me, HTTPS interaction)', () => {
  let f: ApiFixture;
  let phone: OpenStagePhone;

  beforeAll(async () => {
    f = await startApi({ WORKPOINT_CONTACT_GAP_MS: '0', WORKPOINT_CONTACT_BACKOFF_MS: '50' });
    const port = f.gw.app.get(WorkpointRuntime).defaultListener!.port;
    phone = await new OpenStagePhone({
      gatewayUrl: `https://127.0.0.1:${port}/DeploymentService/LoginService`,
      mac: '00:1A:E8:12:34:56',
      rebootDelayMs: 10,
    }).start();
  });
  afterAll(async () => {
    await phone.stop();
    await f.close();
    await dropPrefix(f.prefix);
  });

  it('registers an unknown phone at start-up with its contact-me address and inventory', async () => {
    await phone.startUp();
    const res = await until(
      () => f.call('GET', '/v1/devices/wp-001ae8123456'),
      (r) => r.status === 200,
    );
    const contact = new URL(phone.items.get('contact-me-uri')!);
    expect(res.body).toMatchObject({
      id: 'wp-001ae8123456',
      protocol: 'workpoint',
      profile: 'openstage',
      addressing: { mac: '00:1a:e8:12:34:56', ip: '127.0.0.1', port: Number(contact.port) },
    });
  });

  it('runs a job through contact-me and a solicited interaction; results land on the job', async () => {
    const res = await f.call('POST', '/v1/jobs?wait=15', {
      deviceId: 'wp-001ae8123456',
      operations: [
        { op: 'set', path: 'sip.registrar', value: 'sip2.example.net' },
        { op: 'get', path: 'workpoint:software-version' },
      ],
    });
    const job = await f.call('GET', `/v1/jobs/${res.body.id}`);
    expect({ status: res.status, job: job.body }).toMatchObject({
      status: 200,
      job: { state: 'succeeded' },
    });
    expect(res.body.results).toEqual([
      expect.objectContaining({ status: 'ok' }),
      expect.objectContaining({ status: 'ok', value: phone.items.get('software-version') }),
    ]);
    expect(phone.items.get('registrar-addr')).toBe('sip2.example.net');
  });
});
