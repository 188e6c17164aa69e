import { createHmac } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { WorkersService } from '../../apps/gateway/src/orchestration/workers.service';
import { ApiFixture, dropPrefix, startApi, until } from './api-fixture';
import { PHONE_FLEET_ENV, PhoneFleet } from './phone-fleet';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

interface Receiver {
  server: Server;
  url: string;
  got: Received[];
  calls: () => number;
  failFirst: number;
}

const receivers: Receiver[] = [];

function receiver(failFirst: number): Promise<Receiver> {
  const got: Received[] = [];
  let calls = 0;
  const r = { failFirst } as Receiver;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      calls++;
      if (calls <= r.failFirst) {
        res.writeHead(500).end();
        return;
      }
      got.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  receivers.push(r);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(
        Object.assign(r, {
          server,
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
          got,
          calls: () => calls,
        }),
      ),
    ),
  );
}

describe('REST API: webhooks and a worker killed mid-campaign', () => {
  let f: ApiFixture;
  let fleet: PhoneFleet;
  beforeAll(async () => {
    f = await startApi({ WEBHOOK_ATTEMPTS: '3', CAMPAIGN_FANOUT_BATCH: '5', ...PHONE_FLEET_ENV });
    // simulated OpenStage phones: jobs go through contact-me and the Workpoint engine
    fleet = new PhoneFleet(f);
    await fleet.add(['w-1']);
  });
  afterAll(async () => {
    for (const r of receivers) r.server.close();
    await fleet.stop();
    await f.close();
    await dropPrefix(f.prefix);
  });

  it('delivers signed webhooks, retrying failed deliveries with back-off', async () => {
    const r = await receiver(2);
    const secret = 'whsec-0123456789abcdef';
    const sub = await f.call('POST', '/v1/webhooks', { url: r.url, secret, events: ['job.state'] });
    expect(sub.status).toBe(201);
    expect(sub.body.secret).toBe('********');
    const job = await f.call('POST', '/v1/jobs?wait=5', {
      deviceId: 'w-1',
      operations: [{ op: 'reboot' }],
    });
    expect(job.body.state).toBe('succeeded');
    const got = await until(
      async () => r.got.filter((g) => JSON.parse(g.body).data.jobId === job.body.id),
      (g) => g.length === 5,
    );
    for (const g of got) {
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(g.headers['x-dmb-signature']))!;
      expect(createHmac('sha256', secret).update(`${t}.${g.body}`).digest('hex')).toBe(v1);
      expect(g.headers['x-dmb-event']).toBe('job.state');
    }
    expect(new Set(got.map((g) => JSON.parse(g.body).data.state))).toEqual(
      new Set(['queued', 'waking', 'awaiting-contact', 'in-session', 'succeeded']),
    );
    expect(r.calls()).toBe(7);
    await f.call('DELETE', `/v1/webhooks/${sub.body.id}`);
    r.server.close();
  });

  it('puts a delivery that fails every retry on the dead-letter list, and replays it', async () => {
    const r = await receiver(1e9);
    const sub = await f.call('POST', '/v1/webhooks', {
      url: r.url,
      secret: 'whsec-dead-letter-test',
      events: ['campaign.state'],
    });
    const c = await f.call('POST', '/v1/campaigns', {
      selection: { deviceIds: ['w-1'] },
      operations: [{ op: 'reboot' }],
    });
    const dead = await until(
      () => f.call('GET', '/v1/webhook-dead-letters'),
      (d) => d.body.items.filter((x: any) => x.event.data.campaignId === c.body.id).length === 2,
    );
    const letter = dead.body.items.find((x: any) => x.event.data.campaignId === c.body.id);
    expect(letter).toMatchObject({ webhookId: sub.body.id, attempts: 3, error: 'HTTP 500' });
    r.failFirst = 0;
    expect((await f.call('POST', `/v1/webhook-dead-letters/${letter.id}/replay`)).status).toBe(202);
    await until(
      async () => r.got.length,
      (n) => n >= 1,
    );
    expect(JSON.parse(r.got[0].body).data).toMatchObject({
      campaignId: c.body.id,
      state: letter.event.data.state,
    });
    expect(
      (await f.call('GET', '/v1/webhook-dead-letters')).body.items.some(
        (x: any) => x.id === letter.id,
      ),
    ).toBe(false);
    await f.call('DELETE', `/v1/webhooks/${sub.body.id}`);
    r.server.close();
  });

  it('loses nothing when its worker is killed mid-campaign: every job finishes exactly once', async () => {
    await fleet.add(
      Array.from({ length: 60 }, (_, i) => `k-${i}`),
      { tags: ['kill'] },
    );
    const c = await f.call('POST', '/v1/campaigns', {
      selection: { tag: 'kill' },
      operations: [{ op: 'get', path: 'firmware.version' }],
      ratePerSecond: 30,
    });
    await until(
      () => f.call('GET', `/v1/campaigns/${c.body.id}`),
      (r) => r.body.progress.done >= 10,
    );
    const workers = f.gw.app.get(WorkersService);
    await workers.stop(true); // as a crash: active jobs are abandoned, their locks lapse
    const mid = (await f.call('GET', `/v1/campaigns/${c.body.id}`)).body.progress.done;
    expect(mid).toBeLessThan(60);
    await new Promise((r) => setTimeout(r, 300));
    workers.start();
    const done = await until(
      () => f.call('GET', `/v1/campaigns/${c.body.id}`),
      (r) => r.body.state === 'completed',
      20000,
    );
    expect(done.body.progress).toMatchObject({ jobs: 60, done: 60, byState: { succeeded: 60 } });
    const jobs = await f.call('GET', `/v1/jobs?campaignId=${c.body.id}&limit=100`);
    expect(jobs.body.items).toHaveLength(60);
    expect(new Set(jobs.body.items.map((j: any) => j.deviceId)).size).toBe(60);
    expect(
      jobs.body.items.every((j: any) => j.state === 'succeeded' && j.results.length === 1),
    ).toBe(true);
  });
});
