import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildDmNotificationPush } from '@dm-bridge/wap-push';
import { startGateway, RunningGateway } from '../../apps/gateway/src/bootstrap';
import { SmsService, UnknownBindError } from '../../apps/gateway/src/sms/sms.service';
import { OmaCpHandset } from '../../apps/simulator/src/handsets/oma-cp-handset';
import { OmaDmHandsetFront } from '../../apps/simulator/src/handsets/oma-dm-handset';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import { createTestRedis, testRedisEnv, TestRedis } from '../support/redis';

const VECTORS = resolve(__dirname, '../../../shared/vectors');
const CP_WBXML = readFileSync(resolve(VECTORS, 'cp_bootstrap.nostrtbl.wbxml'));

async function until<T>(
  f: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 8_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Whole path over real TCP and real Redis: gateway SmsService -> `sms-<bind>` BullMQ queue ->
 * bind owner (lease) -> SMPP -> simulator SMSC -> simulated handsets; receipts back into Redis.
 */
describe('gateway SMS transport end to end', () => {
  let smsc: SimulatedSmsc;
  let smsc2: SimulatedSmsc;
  let gw: RunningGateway;
  let sms: SmsService;
  let t: TestRedis;
  const cp = new OmaCpHandset({ msisdn: '491701234567', imsi: '262019876543210' });
  const cpPin = new OmaCpHandset({ msisdn: '491700000002', pin: '1234' });
  const dm = new OmaDmHandsetFront({
    msisdn: '491700000003',
    serverId: 'gw.example',
    serverPassword: 'secret',
  });

  beforeAll(async () => {
    smsc = new SimulatedSmsc({
      accounts: { gw: 'pw' },
      messageIdBase: 'hex',
      receiptTextIdBase: 'decimal',
      receiptTlvs: false,
    });
    await smsc.start();
    for (const h of [cp, cpPin, dm]) smsc.addHandset(h);
    smsc2 = new SimulatedSmsc();
    await smsc2.start();
    t = createTestRedis('sms');
    gw = await startGateway({
      env: {
        API_PORT: '0',
        DEVICE_HTTP_PORT: '0',
        HOST: '127.0.0.1',
        ...testRedisEnv(),
        REDIS_PREFIX: t.prefix,
        SMPP_BINDS: [
          `${smsc.url('gw', 'pw')}?id=sim&window=20&source=OPERATOR&submit_id=hex&receipt_id=decimal`,
          `${smsc2.url('other', 'x')}?id=second&mode=transmitter&rate=50`,
        ].join(' '),
        SMPP_LEASE_TTL_MS: '2000',
        SMPP_JOB_BACKOFF_MS: '50',
      },
      logger: false,
    });
    sms = gw.app.get(SmsService);
  });

  afterAll(async () => {
    await gw?.close();
    await smsc.stop();
    await smsc2.stop();
    await t?.cleanup();
  });

  it('/readyz reports the bind as owned here and bound', async () => {
    const body = await until(async () => {
      const res = await fetch(`${gw.apiUrl}/readyz`);
      const json = (await res.json()) as any;
      return json.checks?.smpp?.ok ? json : undefined;
    });
    expect(body.checks.smpp.detail[0]).toMatchObject({
      id: 'sim',
      owner: 'this',
      connection: { state: 'bound' },
    });
    // The password is nowhere in the health output.
    expect(JSON.stringify(body)).not.toContain('"pw"');
  });

  it('CP NETWPIN push: the handset checks the MAC with its IMSI and stores the exact document; receipts settle it', async () => {
    await sms.enqueueCpPush({
      pushId: 'cp-1',
      jobId: 'job-1',
      to: cp.msisdn,
      wbxml: CP_WBXML,
      sec: 'NETWPIN',
      imsi: '262019876543210',
    });
    const [doc] = await cp.waitForDocuments(1);
    expect(cp.rejected).toEqual([]);
    expect(doc.wbxml.equals(CP_WBXML)).toBe(true);
    // vectors/README.txt §B: NETWPIN MAC over cp_bootstrap.nostrtbl.wbxml
    expect(doc.mac).toBe('042362E201285017C2F66E59F5DF390D7DFBD8D3');
    expect(doc.segments).toBe(4);
    expect(doc.document).toBeDefined();
    const status = await until(async () => {
      const s = await sms.status('cp-1');
      return s?.state === 'delivered' ? s : undefined;
    });
    expect(status).toMatchObject({ jobId: 'job-1', total: 4, acked: 4, delivered: 4, failed: 0 });
    // submit_sm_resp ids are hex, receipt text ids decimal: correlated anyway.
    expect(Object.keys(status.messageIds)).toHaveLength(4);
  });

  it('USERPIN push with a wrong PIN is refused by the handset (MAC mismatch)', async () => {
    await sms.enqueueCpPush({
      pushId: 'cp-2',
      jobId: 'job-2',
      to: cpPin.msisdn,
      wbxml: CP_WBXML,
      sec: 'USERPIN',
      pin: '9999',
    });
    await until(() => (cpPin.rejected.length ? true : undefined));
    expect(cpPin.documents).toHaveLength(0);
    expect(cpPin.rejected[0].reason).toMatch(/MAC/);
    await sms.enqueueCpPush({
      pushId: 'cp-3',
      jobId: 'job-3',
      to: cpPin.msisdn,
      wbxml: CP_WBXML,
      sec: 'USERPIN',
      pin: '1234',
    });
    const [doc] = await cpPin.waitForDocuments(1);
    expect(doc.mac).toBe('25E446D94AD2A3BCC7D5C89DF62CCB6859339D05');
  });

  it('DM notification: the handset front checks the package #0 digest and gets the trigger', async () => {
    const push = buildDmNotificationPush({
      serverId: 'gw.example',
      serverPassword: 'secret',
      sessionId: 0x1234,
    });
    await sms.enqueue([
      { pushId: 'dm-1', jobId: 'job-4', destination: dm.msisdn, datagram: push.wsp },
    ]);
    const [n] = await dm.waitForNotifications(1);
    expect(n.sessionIdHex).toBe('1234');
    expect(n.serverId).toBe('gw.example');
    await until(async () => ((await sms.status('dm-1'))?.state === 'delivered' ? true : undefined));
  });

  it('multipart receipts: one segment UNDELIV fails the whole push; the outcome reaches the stream', async () => {
    smsc.setReceiptStat('491709999999', 'UNDELIV', 2);
    await sms.enqueueCpPush({
      pushId: 'cp-4',
      jobId: 'job-5',
      to: '491709999999',
      wbxml: CP_WBXML,
      sec: 'USERPIN',
      pin: '1234',
    });
    const s = await until(async () => {
      const st = await sms.status('cp-4');
      return st?.state === 'failed' && st.delivered === 3 ? st : undefined;
    });
    expect(s).toMatchObject({
      failed: 1,
      code: 'delivery-UNDELIV',
      error: 'SMSC delivery receipt UNDELIV for segment 2 of 4',
    });
    const entries = await t.redis.xrange(`${t.prefix}smpp:outcomes`, '-', '+');
    const flat = entries.map(([, f]) =>
      Object.fromEntries(
        f.reduce<string[][]>((a, v, i) => (i % 2 ? a : [...a, [v, f[i + 1]]]), []),
      ),
    );
    expect(flat).toEqual(
      expect.arrayContaining([
        { pushId: 'cp-1', jobId: 'job-1', state: 'delivered', code: '', error: '' },
        {
          pushId: 'cp-4',
          jobId: 'job-5',
          state: 'failed',
          code: 'delivery-UNDELIV',
          error: 'SMSC delivery receipt UNDELIV for segment 2 of 4',
        },
      ]),
    );
  });

  it('several SMSC connections: a push for the second bind goes out there (transmitter, no receipts)', async () => {
    const h = new OmaCpHandset({ msisdn: '491705555555', pin: '1234' });
    smsc2.addHandset(h);
    await sms.enqueueCpPush({
      pushId: 'cp-2nd',
      jobId: 'job-2nd',
      to: h.msisdn,
      wbxml: CP_WBXML,
      sec: 'USERPIN',
      pin: '1234',
      bindId: 'second',
    });
    await h.waitForDocuments(1);
    const s = await until(async () => {
      const st = await sms.status('cp-2nd');
      return st?.state === 'submitted' ? st : undefined;
    });
    expect(s).toMatchObject({ bindId: 'second', acked: 4, delivered: 0 });
    await expect(sms.enqueue([], 'nope')).rejects.toThrow(/no SMPP bind named "nope"/);
    await expect(sms.enqueue([], 'nope')).rejects.toBeInstanceOf(UnknownBindError);
    await expect(
      sms.enqueueCpPush({
        pushId: 'cp-nobind',
        jobId: 'job-nobind',
        to: h.msisdn,
        wbxml: CP_WBXML,
        sec: 'USERPIN',
        pin: '1234',
        bindId: 'nope',
      }),
    ).rejects.toMatchObject({ name: 'UnknownBindError', code: 'unknown-bind', bindId: 'nope' });
    expect(await sms.status('cp-nobind')).toBeUndefined();
  });

  it('a permanent SMPP error fails the push with the status named', async () => {
    smsc.failDestination('491708888888', 0x0b);
    await sms.enqueueCpPush({
      pushId: 'cp-5',
      jobId: 'job-6',
      to: '491708888888',
      wbxml: CP_WBXML,
      sec: 'USERPIN',
      pin: '1234',
    });
    const s = await until(async () => {
      const st = await sms.status('cp-5');
      return st?.state === 'failed' ? st : undefined;
    });
    expect(s).toMatchObject({
      state: 'failed',
      code: 'smsc-ESME_RINVDSTADR',
      error:
        'SMSC refused submit_sm with ESME_RINVDSTADR (0x0000000b): invalid destination address',
    });
    const entries = await t.redis.xrange(`${t.prefix}smpp:outcomes`, '-', '+');
    expect(entries.map(([, f]) => f).find((f) => f.includes('cp-5'))).toEqual([
      'pushId',
      'cp-5',
      'jobId',
      'job-6',
      'state',
      'failed',
      'code',
      'smsc-ESME_RINVDSTADR',
      'error',
      'SMSC refused submit_sm with ESME_RINVDSTADR (0x0000000b): invalid destination address',
    ]);
  });

  it('connection dropped with the window full: every push still arrives once per segment acknowledged', async () => {
    const handsets = Array.from(
      { length: 10 },
      (_, i) => new OmaCpHandset({ msisdn: `49171000000${i}`, pin: '1234' }),
    );
    for (const h of handsets) smsc.addHandset(h);
    smsc.stallThenDrop(7, 20);
    for (const [i, h] of handsets.entries()) {
      await sms.enqueueCpPush({
        pushId: `drop-${i}`,
        jobId: 'job-drop',
        to: h.msisdn,
        wbxml: CP_WBXML,
        sec: 'USERPIN',
        pin: '1234',
      });
    }
    for (const h of handsets) await h.waitForDocuments(1, 10_000);
    expect(sms.transport.owned('sim')!.health().counters.resubmitted).toBeGreaterThan(0);
    await until(async () => {
      const text = await (await fetch(`${gw.apiUrl}/metrics`)).text();
      return /dmb_smpp_resubmits_total\{bind="sim"\} [1-9]/.test(text) ? text : undefined;
    });
    for (const h of handsets) expect(h.rejected).toEqual([]);
    for (let i = 0; i < 10; i++) {
      await until(async () =>
        (await sms.status(`drop-${i}`))?.state === 'delivered' ? true : undefined,
      );
    }
  });
});
