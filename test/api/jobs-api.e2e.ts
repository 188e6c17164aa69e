import { ApiFixture, dropPrefix, startApi, until } from './api-fixture';
import { PHONE_FLEET_ENV, PhoneFleet } from './phone-fleet';

/**
 * Jobs over the production path: simulated OpenStage phones woken by contact-me and served by the
 * Workpoint engine (the OMA DM path end to end is test/api/dm-job.e2e.ts).
 */
describe('REST API: jobs through wake-up, session and results', () => {
  let f: ApiFixture;
  let fleet: PhoneFleet;
  let version: string;

  beforeAll(async () => {
    f = await startApi({ SESSION_LOCK_TTL_MS: '400', ...PHONE_FLEET_ENV });
    fleet = new PhoneFleet(f);
    await fleet.add(['ph-1', 'phone-1']);
    await fleet.add(['ph-silent', 'ph-crash'], { silent: true });
    version = fleet.get('ph-1').items.get('software-version')!;
    const cp = { id: 'cp-1', protocol: 'omacp', addressing: { msisdn: '+491700000003' } };
    expect((await f.call('POST', '/v1/devices', cp)).status).toBe(201);
  });
  afterAll(async () => {
    await fleet.stop();
    await f.close();
    await dropPrefix(f.prefix);
  });

  const attempts = async (id: string) =>
    (await f.call('GET', `/v1/jobs/${id}`)).body.attempts.length as number;

  it('answers GET /v1/jobs/:id ahead of Express exactly as the controller does', async () => {
    const created = await f.call('POST', '/v1/jobs', {
      deviceId: 'ph-silent',
      operations: [{ op: 'get', path: 'firmware.version' }],
    });
    const id = created.body.id;
    expect((await f.call('POST', `/v1/jobs/${id}/cancel`)).status).toBe(200);
    // a trailing slash sends the request down Nest's own route: the reference
    const fast = await f.call('GET', `/v1/jobs/${id}`);
    const routed = await f.call('GET', `/v1/jobs/${id}/`);
    expect(fast.status).toBe(200);
    expect(fast.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(fast.body).toMatchObject({ id, state: 'cancelled' });
    expect(fast.body).toEqual(routed.body);
    for (const [path, key] of [
      [`/v1/jobs/${id}`, null],
      [`/v1/jobs/${id}`, 'dmb_wrong'],
      ['/v1/jobs/j-no-such-job', undefined],
    ] as const) {
      const a = await f.call('GET', path, undefined, { key });
      const b = await f.call('GET', `${path}/`, undefined, { key });
      expect(a.status).toBe(b.status);
      expect(a.headers.get('content-type')).toBe(b.headers.get('content-type'));
      expect({ ...a.body, instance: 0 }).toEqual({ ...b.body, instance: 0 });
    }
  });

  it('?wait returns 200 with per-operation results when the job finishes in time', async () => {
    const res = await f.call('POST', '/v1/jobs?wait=10', {
      deviceId: 'ph-1',
      operations: [
        { op: 'get', path: 'firmware.version' },
        { op: 'set', path: 'sip.password', value: 'never-shown-pw' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      state: 'succeeded',
      results: [{ status: 'ok', value: version }, { status: 'ok' }],
      attempts: [{ n: 1, kind: 'wake', outcome: 'sent' }],
    });
    expect(fleet.get('ph-1').items.get('sip-pwd')).toBe('never-shown-pw');
    expect(res.body.operations[1].value).toBe('********');
    expect(JSON.stringify(res.body)).not.toContain('never-shown-pw');
    expect(res.headers.get('location')).toBe(`/v1/jobs/${res.body.id}`);
  });

  it('a Workpoint job goes the same way; without wait the answer is 202', async () => {
    const res = await f.call('POST', '/v1/jobs', {
      deviceId: 'phone-1',
      operations: [{ op: 'set', path: 'sip.server', value: 'pbx.example.net' }],
    });
    expect(res.status).toBe(202);
    expect(res.body.state).toBe('queued');
    const done = await until(
      () => f.call('GET', `/v1/jobs/${res.body.id}`),
      (r) => r.body.state === 'succeeded',
    );
    expect(done.body.operations[0].target).toEqual({
      protocol: 'workpoint',
      path: 'reg-addr',
      parameter: 'sip.server',
    });
  });

  it('a device that never answers is woken with back-off until the deadline, then expires with its faults', async () => {
    const res = await f.call('POST', '/v1/jobs?wait=1', {
      deviceId: 'ph-silent',
      operations: [{ op: 'reboot' }],
      deadlineSeconds: 2,
    });
    expect(res.status).toBe(202);
    const expired = await until(
      () => f.call('GET', `/v1/jobs/${res.body.id}`),
      (r) => r.body.state === 'expired',
      8000,
    );
    const wakes = expired.body.attempts.filter((a: any) => a.outcome === 'sent');
    expect(wakes.length).toBeGreaterThanOrEqual(3);
    const gaps = wakes
      .slice(1)
      .map((a: any, i: number) => Date.parse(a.at) - Date.parse(wakes[i].at));
    expect(gaps[gaps.length - 1]).toBeGreaterThan(gaps[0]);
    expect(expired.body.faults).toEqual([expect.objectContaining({ code: 'no-contact' })]);
  });

  it('cancels a job while it is waiting for the device, and not twice into another state', async () => {
    const res = await f.call('POST', '/v1/jobs', {
      deviceId: 'ph-silent',
      operations: [{ op: 'get', path: 'firmware.version' }],
    });
    await until(
      () => f.call('GET', `/v1/jobs/${res.body.id}`),
      (r) => ['waking', 'awaiting-contact'].includes(r.body.state),
    );
    const cancelled = await f.call('POST', `/v1/jobs/${res.body.id}/cancel`);
    expect(cancelled).toMatchObject({ status: 200, body: { state: 'cancelled' } });
    const before = await attempts(res.body.id);
    await new Promise((r) => setTimeout(r, 700));
    expect(await attempts(res.body.id)).toBe(before);
    expect((await f.call('GET', `/v1/jobs/${res.body.id}`)).body.state).toBe('cancelled');
  });

  it('creates a job once per idempotency key', async () => {
    const body = { deviceId: 'ph-silent', operations: [{ op: 'get', path: 'firmware.version' }] };
    const headers = { 'idempotency-key': 'order-42' };
    const a = await f.call('POST', '/v1/jobs', body, { headers });
    const b = await f.call('POST', '/v1/jobs', body, { headers });
    expect(b.body.id).toBe(a.body.id);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    const other = await f.call(
      'POST',
      '/v1/jobs',
      { ...body, operations: [{ op: 'reboot' }] },
      { headers },
    );
    expect(other).toMatchObject({
      status: 409,
      body: { code: 'idempotency-key-reused', jobId: a.body.id },
    });
    const list = await f.call('GET', '/v1/jobs?deviceId=ph-silent&limit=100');
    expect(list.body.items.filter((j: any) => j.id === a.body.id)).toHaveLength(1);
  });

  it('refuses bad jobs with problem details: unknown device, wrong types, CP read', async () => {
    expect(
      (await f.call('POST', '/v1/jobs', { deviceId: 'nope', operations: [{ op: 'reboot' }] })).body,
    ).toMatchObject({ status: 404, code: 'device-not-found' });
    expect(
      (await f.call('POST', '/v1/jobs', { deviceId: 'ph-1', operations: 'reboot' })).body,
    ).toMatchObject({ status: 400, code: 'invalid-operations' });
    expect(
      (
        await f.call('POST', '/v1/jobs', {
          deviceId: 'ph-1',
          operations: [{ op: 'set', path: 'sip.registrar.port', value: 'abc' }],
        })
      ).body,
    ).toMatchObject({ status: 400, code: 'invalid-value' });
    const cp = await f.call('POST', '/v1/jobs', {
      deviceId: 'cp-1',
      operations: [{ op: 'get', path: 'network.apn' }],
    });
    expect(cp.body).toMatchObject({ status: 400, code: 'cp-read-refused', index: 0 });
    expect(cp.body.detail).toMatch(/cannot read/);
    expect(
      (
        await f.call('POST', '/v1/jobs?wait=abc', {
          deviceId: 'ph-1',
          operations: [{ op: 'reboot' }],
        })
      ).body,
    ).toMatchObject({ code: 'invalid-wait' });
    expect((await f.call('GET', '/v1/jobs/j-missing')).body).toMatchObject({
      status: 404,
      code: 'job-not-found',
    });
  });

  it('previews a job with secrets masked unless an admin asks to reveal them', async () => {
    const body = {
      deviceId: 'ph-1',
      operations: [{ op: 'set', path: 'sip.password', value: 'preview-secret' }],
    };
    const masked = await f.call('POST', '/v1/jobs/preview', body);
    expect(masked.status).toBe(200);
    expect(JSON.stringify(masked.body)).not.toContain('preview-secret');
    const write = (await f.call('POST', '/v1/api-keys', { name: 'ops', scope: 'write' })).body.key;
    expect(
      (await f.call('POST', '/v1/jobs/preview?reveal=true', body, { key: write })).status,
    ).toBe(403);
    const revealed = await f.call('POST', '/v1/jobs/preview?reveal=true', body);
    expect(revealed.body.operations[0].value).toBe('preview-secret');
  });

  it('streams job state changes over SSE', async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${f.gw.apiUrl}/v1/events?types=job.state`, {
      headers: { authorization: `Bearer ${(await import('./api-fixture')).ADMIN_KEY}` },
      signal: ctrl.signal,
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const job = await f.call('POST', '/v1/jobs', {
      deviceId: 'ph-1',
      operations: [{ op: 'reboot' }],
    });
    let text = '';
    const dec = new TextDecoder();
    while (!text.includes(`"state":"succeeded"`)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value);
    }
    ctrl.abort();
    const states = [...text.matchAll(/data: (.*)\n/g)]
      .map((m) => JSON.parse(m[1]))
      .filter((e) => e.data.jobId === job.body.id)
      .map((e) => e.data.state);
    expect(states).toEqual(['queued', 'waking', 'awaiting-contact', 'in-session', 'succeeded']);
  });

  it('recovers a job whose session died without a result: back to waiting, woken again, served', async () => {
    const phone = fleet.get('ph-crash');
    phone.ignoreContactMe = false;
    // the phone takes the job in a session, then drops out: no result, its lease lapses
    phone.cutAfterAction = 'ReadItems';
    const cut = phone.nextInteraction((l) => l.reason === 'solicited');
    const res = await f.call('POST', '/v1/jobs', {
      deviceId: 'ph-crash',
      operations: [{ op: 'get', path: 'firmware.version' }],
    });
    expect((await cut).error).toBe('session cut after ReadItems');
    const done = await until(
      () => f.call('GET', `/v1/jobs/${res.body.id}`),
      (r) => r.body.state === 'succeeded',
      8000,
    );
    expect(done.body.faults).toEqual([expect.objectContaining({ code: 'session-lost' })]);
    expect(done.body.results).toEqual([{ status: 'ok', value: version }]);
    expect(done.body.attempts.filter((a: any) => a.outcome === 'sent').length).toBe(2);
  });

  it('counts transitions, wake-ups and job latencies in /metrics', async () => {
    const m = (await f.call('GET', '/metrics', undefined, { key: null })).body as string;
    expect(m).toMatch(/^dmb_job_transitions_total\{state="succeeded"\} [1-9]/m);
    expect(m).toMatch(/^dmb_wakeups_total\{outcome="sent",protocol="workpoint"\} [1-9]/m);
    expect(m).toMatch(/^dmb_job_duration_seconds_count\{state="succeeded"\} [1-9]/m);
    expect(m).toMatch(/^dmb_jobs\{state="expired"\} 1$/m);
  });
});
