import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import { ADMIN_KEY, ApiFixture, dropPrefix, startApi, until } from './api-fixture';
import { HandsetFleet } from './handset-fleet';
import { PHONE_FLEET_ENV, PhoneFleet } from './phone-fleet';

/**
 * Campaigns over devices on the production path: simulated OpenStage phones (contact-me, the
 * Workpoint engine) and simulated OMA DM handsets (SMS wake-up through the simulated SMSC, the
 * DM engine).
 */
// real devices answer in their own time; the machine may be shared
jest.setTimeout(60_000);

describe('REST API: campaigns over a mixed fleet', () => {
  let f: ApiFixture;
  let smsc: SimulatedSmsc;
  let phones: PhoneFleet;
  let handsets: HandsetFleet;

  beforeAll(async () => {
    smsc = new SimulatedSmsc({ accounts: { gw: 'pw' } });
    await smsc.start();
    f = await startApi({
      ...PHONE_FLEET_ENV,
      SMPP_BINDS: `${smsc.url('gw', 'pw')}?id=sim`,
      SMPP_JOB_BACKOFF_MS: '50',
    });
    phones = new PhoneFleet(f);
    handsets = new HandsetFleet(f, smsc);
  });
  afterAll(async () => {
    await phones.stop();
    await f.close();
    await smsc.stop();
    await dropPrefix(f.prefix);
  });

  /** Half phones (even ids), half handsets (odd ids). */
  async function importFleet(n: number, tag: string, base: number) {
    const ids = Array.from({ length: n }, (_, i) => `${tag}-${i % 2 ? 'dm' : 'wp'}-${i}`);
    await phones.add(
      ids.filter((_, i) => i % 2 === 0),
      { tags: [tag] },
    );
    const dm = ids.filter((_, i) => i % 2 === 1);
    await handsets.add(
      dm,
      dm.map((_, i) => `49175${String(base + i).padStart(7, '0')}`),
      { tags: [tag] },
    );
  }

  it('fans out, pauses, resumes and completes with progress counts, per protocol and over SSE', async () => {
    await importFleet(40, 'mixed', 0);
    // campaign.progress events over SSE, read in the background until the campaign completes
    const ctrl = new AbortController();
    const stream = await fetch(`${f.gw.apiUrl}/v1/events?types=campaign.progress`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      signal: ctrl.signal,
    });
    const progressEvents: any[] = [];
    const reading = (async () => {
      const reader = stream.body!.getReader();
      const dec = new TextDecoder();
      let text = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        text += dec.decode(value);
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const data = /^data: (.*)$/m.exec(text.slice(0, end));
          if (data) progressEvents.push(JSON.parse(data[1]));
          text = text.slice(end + 2);
        }
      }
    })();
    const created = await f.call('POST', '/v1/campaigns', {
      name: 'registrar move',
      selection: { tag: 'mixed' },
      operations: [{ op: 'set', path: 'sip.registrar', value: 'sip.example.net' }],
      ratePerSecond: 5,
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    await until(
      () => f.call('GET', `/v1/campaigns/${id}`),
      (r) => r.body.progress.done >= 2,
    );
    expect((await f.call('POST', `/v1/campaigns/${id}/pause`)).body.state).toBe('paused');
    // Devices woken before the pause still call in and finish; then nothing moves.
    const doneNow = async () => (await f.call('GET', `/v1/campaigns/${id}`)).body.progress.done;
    let frozen = await doneNow();
    for (let quiet = 0; quiet < 2;) {
      await new Promise((r) => setTimeout(r, 700));
      const d = await doneNow();
      quiet = d === frozen ? quiet + 1 : 0;
      frozen = d;
    }
    expect(frozen).toBeLessThan(40);
    // while paused: every job counted once under its protocol, live states included
    const paused = (await f.call('GET', `/v1/campaigns/${id}`)).body.progress;
    for (const protocol of ['workpoint', 'omadm']) {
      const p = paused.byProtocol[protocol];
      expect(p.jobs).toBe(20);
      expect(Object.values(p.byState).reduce((a: number, b: any) => a + b, 0)).toBe(20);
    }
    expect(paused.byProtocol.workpoint.done + paused.byProtocol.omadm.done).toBe(frozen);
    expect((await f.call('POST', `/v1/campaigns/${id}/resume`)).body.state).toBe('running');
    const done = await until(
      () => f.call('GET', `/v1/campaigns/${id}`),
      (r) => r.body.state === 'completed',
      15000,
    );
    expect(done.body.progress).toMatchObject({
      jobs: 40,
      skipped: 0,
      done: 40,
      fanOutComplete: true,
      byState: { succeeded: 40 },
      byProtocol: {
        workpoint: { jobs: 20, done: 20, byState: { succeeded: 20 } },
        omadm: { jobs: 20, done: 20, byState: { succeeded: 20 } },
      },
    });
    // the stream told the same, live: progress per protocol, the last event at 40 done
    await until(
      async () => progressEvents.at(-1)?.data.progress.done,
      (n) => n === 40,
      5000,
    );
    ctrl.abort();
    await reading;
    const ours = progressEvents.filter(
      (e) => e.type === 'campaign.progress' && e.data.campaignId === id,
    );
    expect(ours.length).toBeGreaterThan(2);
    expect(ours.at(-1).data.progress.byProtocol).toEqual(done.body.progress.byProtocol);
    // a live state was seen on the way (a job between queued and its final state)
    expect(
      ours.some((e) =>
        Object.values(e.data.progress.byProtocol).some((p: any) =>
          ['waking', 'awaiting-contact', 'in-session'].some((s) => p.byState[s] > 0),
        ),
      ),
    ).toBe(true);
    const jobs = await f.call('GET', `/v1/jobs?campaignId=${id}&limit=100`);
    const targets = new Set(
      jobs.body.items.map((j: any) => `${j.protocol}:${j.operations[0].target.path}`),
    );
    expect(targets).toEqual(new Set(['omadm:./Vendor/SIP/Registrar', 'workpoint:registrar-addr']));
    // applied on the devices themselves
    expect(phones.get('mixed-wp-0').items.get('registrar-addr')).toBe('sip.example.net');
    expect(handsets.handsets.get('mixed-dm-1')!.tree.get('./Vendor/SIP/Registrar')!.value).toBe(
      'sip.example.net',
    );
  });

  it('stops by itself when the failure ratio passes the threshold', async () => {
    // phones that decline every action (DM failures are the DM suites' matter)
    await phones.add(
      Array.from({ length: 30 }, (_, i) => `flaky-wp-${i}`),
      { tags: ['flaky'], failing: true },
    );
    const created = await f.call('POST', '/v1/campaigns', {
      selection: { tag: 'flaky' },
      operations: [{ op: 'reboot' }],
      ratePerSecond: 20,
      failureThreshold: { ratio: 0.5, minSample: 5 },
    });
    const stopped = await until(
      () => f.call('GET', `/v1/campaigns/${created.body.id}`),
      (r) => r.body.state === 'stopped',
      20000,
    );
    expect(stopped.body.stopReason).toMatch(/failure ratio 1.00 exceeded 0.5/);
    // jobs already in a session when it stopped finish there (real phones answer in their time)
    const after = (
      await until(
        () => f.call('GET', `/v1/campaigns/${created.body.id}`),
        (r) =>
          (r.body.progress.byState.cancelled ?? 0) + (r.body.progress.byState.failed ?? 0) ===
          r.body.progress.jobs,
        15000,
      )
    ).body.progress;
    expect(after.byState.failed).toBeLessThan(30);
    expect((after.byState.cancelled ?? 0) + after.byState.failed).toBe(after.jobs);
  });

  it('skips devices whose protocol cannot run the operations, and refuses bad campaigns', async () => {
    await f.call('POST', '/v1/devices', {
      id: 'cp-only',
      protocol: 'omacp',
      addressing: { msisdn: '+491799999999' },
      tags: ['cp'],
    });
    const c = await f.call('POST', '/v1/campaigns', {
      selection: { deviceIds: ['cp-only', 'missing'] },
      operations: [{ op: 'get', path: 'network.apn' }],
    });
    const done = await until(
      () => f.call('GET', `/v1/campaigns/${c.body.id}`),
      (r) => r.body.progress.fanOutComplete,
    );
    expect(done.body.progress).toMatchObject({ jobs: 0, skipped: 2 });
    expect(
      (await f.call('POST', '/v1/campaigns', { selection: {}, operations: [{ op: 'reboot' }] }))
        .body,
    ).toMatchObject({ status: 400, code: 'invalid-selection' });
    expect((await f.call('POST', `/v1/campaigns/${c.body.id}/resume`)).body).toMatchObject({
      status: 409,
      code: 'invalid-transition',
    });
  });
});
