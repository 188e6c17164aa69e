import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as binds } from '../../apps/cli/src/commands/binds.command';
import { RunningGateway, startGateway } from '../../apps/gateway/src/bootstrap';
import { JsonLogger } from '../../apps/gateway/src/logging/json-logger';
import { SmsService } from '../../apps/gateway/src/sms/sms.service';
import { OmaCpHandset } from '../../apps/simulator/src/handsets/oma-cp-handset';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import {
  deleteKeysWithPrefix,
  testRedisClient,
  testRedisEnv,
  uniquePrefix,
} from '../support/redis';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ADMIN = `dmb_binds_${randomBytes(8).toString('hex')}`;
const PASSWORD = 'pW7x!q2z';

async function capture(fn: () => Promise<number>) {
  let out = '';
  let err = '';
  const o = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((c: any) => ((out += String(c)), true));
  const e = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((c: any) => ((err += String(c)), true));
  try {
    return { code: await fn(), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

async function until<T>(fn: () => Promise<T> | T, ok: (v: T) => boolean, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  let v = await fn();
  while (!ok(v)) {
    if (Date.now() > end)
      throw new Error(`condition not met within ${ms} ms: ${JSON.stringify(v)}`);
    await sleep(50);
    v = await fn();
  }
  return v;
}

/**
 * SMSC binds managed over the REST API while two gateways run on one Redis (and one SMSC): a
 * bind added through one gateway is owned by exactly one of them within seconds and carries a
 * CP job made through the other; pause stops sending, resume sends; a change of settings rebinds
 * with the stored (sealed) password; status and counters move; the password is never in a
 * response or a log line; connection loss, reconnect and throttling are logged once each.
 */
describe('/v1/smsc-binds: binds as a live resource', () => {
  const prefix = uniquePrefix('binds');
  const logs: string[] = [];
  let smsc: SimulatedSmsc;
  let a: RunningGateway;
  let b: RunningGateway;
  const handset = new OmaCpHandset({ msisdn: '491705550001', imsi: '262019876500001' });
  const env: Record<string, string> = {
    API_PORT: '0',
    DEVICE_HTTP_PORT: '0',
    HOST: '127.0.0.1',
    ...testRedisEnv(),
    REDIS_PREFIX: prefix,
    DMB_MASTER_KEY: randomBytes(32).toString('hex'),
    DMB_ADMIN_API_KEY: ADMIN,
    SMPP_LEASE_TTL_MS: '1000',
    SMPP_BINDS_POLL_MS: '200',
    SMPP_STATUS_MS: '200',
    SMPP_JOB_BACKOFF_MS: '50',
    CP_RECEIPT_POLL_MS: '100',
    CP_RECEIPT_WINDOW_MS: '3000',
    WORKER_STALLED_INTERVAL_MS: '500',
    WORKER_LOCK_MS: '1000',
  };

  const start = (name: string) =>
    startGateway({
      env: { ...env, VAR_DIR: mkdtempSync(join(tmpdir(), `dmb-binds-${name}-`)) },
      logger: new JsonLogger('info', (line) => logs.push(line)),
    });

  async function call(gw: RunningGateway, method: string, path: string, body?: unknown) {
    const res = await fetch(`${gw.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    // the password never appears in any answer, whatever the route
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(encodeURIComponent(PASSWORD));
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  const owners = () =>
    [a, b].filter((g) => g.app.get(SmsService).transport.owned('live')?.isBound()).length;

  beforeAll(async () => {
    smsc = new SimulatedSmsc({ accounts: { gwlive: PASSWORD } });
    await smsc.start();
    smsc.addHandset(handset);
    a = await start('a');
    b = await start('b');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await smsc.stop();
    const r = testRedisClient();
    await deleteKeysWithPrefix(r, prefix);
    await r.quit();
    expect(logs.join('\n')).not.toContain(PASSWORD);
  });

  it('refuses bad binds by name: unknown URL parameters and body fields, empty system_id', async () => {
    const base = smsc.url('gwlive', PASSWORD);
    const r1 = await call(a, 'POST', '/v1/smsc-binds', { id: 'x', url: `${base}?windw=10` });
    expect(r1.status).toBe(400);
    expect(r1.body.detail).toContain('"windw"');
    const { host, port } = smsc.address;
    const r2 = await call(a, 'POST', '/v1/smsc-binds', {
      id: 'x',
      url: `smpp://:${PASSWORD}@${host}:${port}`,
    });
    expect(r2).toMatchObject({ status: 400 });
    expect(r2.body.detail).toMatch(/empty system_id/);
    const r3 = await call(a, 'POST', '/v1/smsc-binds', { id: 'x', url: base, windw: 10 });
    expect(r3).toMatchObject({ status: 400, body: { code: 'unknown-fields', fields: ['windw'] } });
    const r4 = await call(a, 'GET', '/v1/smsc-binds?limt=3');
    expect(r4).toMatchObject({ status: 400, body: { code: 'unknown-query-parameters' } });
    expect(r4.body.detail).toContain('"limt"');
    const r5 = await call(a, 'POST', '/v1/smsc-binds', { url: base });
    expect(r5.status).toBe(400);
    expect((await call(b, 'GET', '/v1/smsc-binds')).body).toEqual({ items: [] });
  });

  it('a bind added over the API carries a CP job made through the other gateway, no restart', async () => {
    const made = await call(a, 'POST', '/v1/smsc-binds', {
      id: 'live',
      url: `${smsc.url('gwlive', PASSWORD)}?window=5&rate=50`,
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      id: 'live',
      systemId: 'gwlive',
      window: 5,
      rate: 50,
      paused: false,
      origin: 'api',
    });
    expect(made.body.url).toBe(
      `smpp://gwlive:********@${smsc.address.host}:${smsc.address.port}?id=live&window=5&rate=50`,
    );
    expect((await call(a, 'POST', '/v1/smsc-binds', { id: 'live', url: smsc.url() })).status).toBe(
      409,
    );

    // exactly one of the two processes binds, within seconds
    await until(owners, (n) => n === 1, 5000);
    await sleep(500);
    expect(owners()).toBe(1);
    expect(smsc.boundCount).toBe(1);

    // the other process knows the bind too: devices may name it there, not an unknown one
    const dev = await call(b, 'POST', '/v1/devices', {
      id: 'cp-live',
      protocol: 'omacp',
      addressing: { msisdn: '+491705550001', imsi: '262019876500001', bind: 'live' },
    });
    expect(dev.status).toBe(201);
    const bad = await call(b, 'POST', '/v1/devices', {
      protocol: 'omacp',
      addressing: { msisdn: '+491705550002', bind: 'nope' },
    });
    expect(bad).toMatchObject({ status: 400, body: { code: 'unknown-bind' } });

    const job = await call(b, 'POST', '/v1/jobs?wait=10', {
      deviceId: 'cp-live',
      operations: [{ op: 'set', path: 'network.apn', value: 'live.example' }],
    });
    expect(job.body).toMatchObject({ state: 'succeeded' });
    const [doc] = await handset.waitForDocuments(1);
    expect(JSON.stringify(doc.document)).toContain('live.example');
    expect(smsc.received.every((r) => r.systemId === 'gwlive')).toBe(true);

    // live status from either process: bound, owner, window, rate, counters
    const st = await until(
      () => call(a, 'GET', '/v1/smsc-binds/live'),
      (r) => r.body.status.counters.receipts >= 1,
    );
    const sent = smsc.submitCount;
    expect(st.body.status).toMatchObject({
      state: 'bound',
      bound: true,
      owner: expect.stringMatching(/:\d+$/),
      window: { size: 5 },
      rate: { limit: 50, guardMs: expect.any(Number) },
      counters: { submitted: sent, acknowledged: sent, throttled: 0, receipts: sent },
    });
  });

  it('pause: nothing is submitted and the connection is closed; resume: the job goes out', async () => {
    const p = await call(b, 'POST', '/v1/smsc-binds/live/pause');
    expect(p).toMatchObject({ status: 200, body: { paused: true, status: { state: 'paused' } } });
    await until(owners, (n) => n === 0, 5000);
    const before = smsc.submitCount;
    const job = await call(a, 'POST', '/v1/jobs', {
      deviceId: 'cp-live',
      operations: [{ op: 'set', path: 'network.apn', value: 'after.resume' }],
    });
    expect(job.status).toBe(202);
    await sleep(2000);
    expect(smsc.submitCount).toBe(before);
    expect(handset.documents).toHaveLength(1);
    const listed = await call(a, 'GET', '/v1/smsc-binds');
    expect(listed.body.items[0]).toMatchObject({ id: 'live', paused: true });
    expect(listed.body.items[0].status.backlog.waiting).toBeGreaterThanOrEqual(1);

    const r = await call(a, 'POST', '/v1/smsc-binds/live/resume');
    expect(r).toMatchObject({ status: 200, body: { paused: false } });
    const docs = await handset.waitForDocuments(2);
    expect(JSON.stringify(docs[1].document)).toContain('after.resume');
    expect(smsc.submitCount).toBeGreaterThan(before);
  });

  it('pause stops a running backlog at once; resume sends the rest, each push once', async () => {
    const start = smsc.submitCount;
    const pushes = Array.from({ length: 200 }, (_, i) => ({
      pushId: `bulk-${i}`,
      jobId: 'bulk',
      destination: `4917099${String(i).padStart(5, '0')}`,
      datagram: Buffer.from('0106030100' + '00'.repeat(20), 'hex'),
    }));
    await a.app.get(SmsService).enqueue(pushes, 'live');
    await until(
      () => smsc.submitCount - start,
      (n) => n >= 20,
    );
    await call(b, 'POST', '/v1/smsc-binds/live/pause');
    await until(owners, (n) => n === 0, 5000);
    const atPause = smsc.submitCount - start;
    await sleep(1500);
    expect(smsc.submitCount - start).toBe(atPause);
    expect(atPause).toBeLessThan(150); // 50/s: the rest waits
    await call(a, 'POST', '/v1/smsc-binds/live/resume');
    const bulk = () => smsc.received.filter((r) => r.destination.startsWith('4917099'));
    await until(
      () => new Set(bulk().map((r) => r.destination)).size,
      (n) => n === 200,
      15_000,
    );
    // the SMSC answered everything written before the pause: nothing was sent twice
    expect(bulk()).toHaveLength(200);
    const st = await a.app.get(SmsService).status('bulk-199');
    expect(st?.state === 'submitted' || st?.state === 'delivered').toBe(true);
  }, 30_000);

  it('a change of settings rebinds with the stored password; a wrong one is refused, shown and logged', async () => {
    const changed = await call(a, 'PATCH', '/v1/smsc-binds/live', {
      url: `smpp://gwlive@${smsc.address.host}:${smsc.address.port}?id=live&window=7&rate=50`,
    });
    expect(changed).toMatchObject({ status: 200, body: { window: 7 } });
    expect(changed.body.url).toContain('gwlive:********@');
    const st = await until(
      () => call(b, 'GET', '/v1/smsc-binds/live'),
      (x) => x.body.status.bound && x.body.status.window.size === 7,
    );
    expect(st.body.status.state).toBe('bound');

    const unknown = await call(a, 'PATCH', '/v1/smsc-binds/live', { paused: false, colour: 1 });
    expect(unknown).toMatchObject({ status: 400, body: { fields: ['colour'] } });

    const refusedBefore = logs.filter((l) => l.includes('refused')).length;
    await call(a, 'PATCH', '/v1/smsc-binds/live', { password: 'wrong-pw' });
    const bad = await until(
      () => call(b, 'GET', '/v1/smsc-binds/live'),
      (x) => /refused/.test(x.body.status.lastError?.message ?? ''),
    );
    expect(bad.body.status.bound).toBe(false);
    expect(bad.body.status.lastError.message).toMatch(/ESME_RINVPASWD|refused/);
    expect(Date.parse(bad.body.status.lastError.at)).toBeGreaterThan(Date.now() - 10_000);
    expect(logs.filter((l) => l.includes('refused')).length).toBeGreaterThan(refusedBefore);
    expect(logs.join('\n')).not.toContain('wrong-pw');

    await call(a, 'PATCH', '/v1/smsc-binds/live', { password: PASSWORD });
    await until(owners, (n) => n === 1, 8000);
  });

  it('logs a connection loss and the reconnect once each, throttling start and end once', async () => {
    const mark = logs.length;
    smsc.dropAll();
    await until(
      () => logs.slice(mark).filter((l) => l.includes('reconnected')).length,
      (n) => n === 1,
      8000,
    );
    const since = logs.slice(mark);
    expect(since.filter((l) => l.includes('SMSC connection lost')).length).toBe(1);
    const lost = JSON.parse(since.find((l) => l.includes('SMSC connection lost'))!);
    expect(lost).toMatchObject({ level: 'warn' });

    const mark2 = logs.length;
    smsc.throttleFor(600);
    const job = await call(a, 'POST', '/v1/jobs?wait=10', {
      deviceId: 'cp-live',
      operations: [{ op: 'set', path: 'network.apn', value: 'through.throttle' }],
    });
    expect(job.body.state).toBe('succeeded');
    const t = logs.slice(mark2);
    expect(t.filter((l) => l.includes('the SMSC throttles')).length).toBe(1);
    expect(t.filter((l) => l.includes('throttling ended')).length).toBe(1);
    const st = await until(
      () => call(a, 'GET', '/v1/smsc-binds/live'),
      (x) => x.body.status.counters.throttled >= 1 && x.body.status.counters.reconnects >= 1,
    );
    expect(st.body.status.throttledSince).toBeNull();
  });

  it('DELETE removes the bind in every process', async () => {
    expect((await call(a, 'DELETE', '/v1/smsc-binds/live?forse=1')).status).toBe(400);
    expect((await call(a, 'DELETE', '/v1/smsc-binds/live')).status).toBe(204);
    await until(owners, (n) => n === 0, 5000);
    expect((await call(b, 'GET', '/v1/smsc-binds/live')).status).toBe(404);
    await until(
      () => call(b, 'GET', '/v1/smsc-binds'),
      (x) => x.body.items.length === 0,
    );
    expect((await call(a, 'DELETE', '/v1/smsc-binds/live')).status).toBe(404);
  });

  it('dm-bridge binds add|list|show|pause|resume|remove', async () => {
    const common = ['--url', a.apiUrl, '--key', ADMIN];
    const url = `${smsc.url('gwlive', PASSWORD)}?window=3`;
    const bad = await capture(() => binds(['add', 'cli1', '--smsc', `${url}&windw=1`, ...common]));
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('"windw"');
    const added = await capture(() => binds(['add', 'cli1', '--smsc', url, '--paused', ...common]));
    expect(added.code).toBe(0);
    expect(added.out).toMatch(/^cli1\tpaused\tgwlive@127\.0\.0\.1:\d+\twindow 0\/3/);
    const resumed = await capture(() => binds(['resume', 'cli1', ...common]));
    expect(resumed.code).toBe(0);
    const listed = await until(
      () => capture(() => binds(['list', ...common])),
      (r) => /^cli1\tbound\t/m.test(r.out),
    );
    expect(listed.out).toMatch(/owner \S+:\d+/);
    const shown = await capture(() => binds(['show', 'cli1', '--json', ...common]));
    expect(JSON.parse(shown.out)).toMatchObject({ id: 'cli1', status: { bound: true } });
    expect((await capture(() => binds(['pause', 'cli1', ...common]))).out).toMatch(/\tpaused\t/);
    expect((await capture(() => binds(['remove', 'cli1', ...common]))).code).toBe(0);
    const none = await capture(() => binds(['show', 'cli1', ...common]));
    expect(none).toMatchObject({ code: 1 });
    expect(none.err).toContain('404');
    for (const r of [bad, added, resumed, listed, shown]) {
      expect(r.out + r.err).not.toContain(PASSWORD);
    }
  });
});
