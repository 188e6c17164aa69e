import {
  parseSmscUrl,
  ReceiptEvent,
  SmppBind,
  SmppSubmitError,
  type BindConfig,
} from '@dm-bridge/smpp';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';

const VECTORS = resolve(__dirname, '../../../shared/vectors');
const segmentUd = (n: number) =>
  Buffer.from(
    readFileSync(resolve(VECTORS, `cp_netwpin_sms_ud_seg${n}of4.hex`), 'utf8').trim(),
    'hex',
  );

/** End-to-end over loopback TCP: the bind manager's connection against the simulator SMSC. */
describe('SmppBind -> SimulatedSmsc', () => {
  let smsc: SimulatedSmsc;
  let bind: SmppBind | undefined;

  const open = async (overrides: Partial<BindConfig> = {}): Promise<SmppBind> => {
    const b = new SmppBind(
      {
        ...parseSmscUrl(smsc.url('esme', 'secret'), 'b1'),
        reconnectInitialMs: 20,
        reconnectMaxMs: 200,
        ...overrides,
      },
      { retryInitialMs: 10, retryMaxMs: 50 },
    );
    b.start();
    await b.waitBound(5_000);
    bind = b;
    return b;
  };
  const sms = (n: number, to = '491701234567') => ({
    destination: to,
    userData: Buffer.from([0x06, 0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0, n & 0xff, n >> 8]),
    udhi: true,
  });

  beforeEach(async () => {
    smsc = new SimulatedSmsc({ accounts: { esme: 'secret' } });
    await smsc.start();
  });
  afterEach(async () => {
    await bind?.close(500);
    bind = undefined;
    await smsc.stop();
  });

  it('binds, submits with UDHI + 8-bit DCS and gets the message ids back', async () => {
    const b = await open();
    const results = await Promise.all([1, 2, 3].map((n) => b.submit(sms(n))));
    expect(results.map((r) => r.messageId)).toEqual(['10000', '10001', '10002']);
    expect(
      smsc.received.map((r) => [r.esmClass, r.dataCoding, r.userData.toString('hex')]),
    ).toEqual([
      [0x40, 0x04, '0605040b8423f00100'],
      [0x40, 0x04, '0605040b8423f00200'],
      [0x40, 0x04, '0605040b8423f00300'],
    ]);
  });

  it.each(['short_message', 'message_payload', 'sar'] as const)(
    'payload route %s: the SMSC gets the exact TP-UD of the vector segments',
    async (payloadMode) => {
      const b = await open({ payloadMode });
      await Promise.all(
        [1, 2, 3, 4].map((n) =>
          b.submit({ destination: '491701234567', userData: segmentUd(n), udhi: true }),
        ),
      );
      expect(smsc.received.map((r) => r.route)).toEqual(Array(4).fill(payloadMode));
      expect(smsc.received.map((r) => r.userData.toString('hex'))).toEqual(
        [1, 2, 3, 4].map((n) => segmentUd(n).toString('hex')),
      );
    },
  );

  it('refuses a wrong password and keeps retrying without crashing', async () => {
    const b = new SmppBind({
      ...parseSmscUrl(smsc.url('esme', 'wrong'), 'b1'),
      reconnectInitialMs: 20,
    });
    b.start();
    bind = b;
    for (let i = 0; i < 200 && !b.health().lastError; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(b.health().lastError).toMatch(/ESME_RINVPASWD/);
    expect(JSON.stringify(b.health())).not.toContain('wrong');
    await expect(b.waitBound(50)).rejects.toThrow(/not bound/);
  });

  it('ESME_RTHROTTLED: backs off and retries until accepted', async () => {
    const b = await open();
    smsc.throttleNext(3);
    const r = await b.submit(sms(1));
    expect(r.attempts).toBe(4);
    expect(b.health().counters.throttled).toBe(3);
  });

  it('ESME_RMSGQFUL and temporary ESME_RSYSERR are retried', async () => {
    const b = await open();
    smsc.throttleNext(1, 0x14);
    await expect(b.submit(sms(1))).resolves.toMatchObject({ attempts: 2 });
    smsc.failNext(2, 0x08);
    await expect(b.submit(sms(2))).resolves.toMatchObject({ attempts: 3 });
    expect(b.health().counters.temporaryErrors).toBe(2);
  });

  it('a permanent error fails that submit with the SMPP status named, others go through', async () => {
    const b = await open();
    smsc.failDestination('49999', 0x0b);
    const bad = b.submit(sms(1, '49999'));
    const good = b.submit(sms(2));
    await expect(bad).rejects.toThrow(SmppSubmitError);
    await expect(bad).rejects.toMatchObject({ statusName: 'ESME_RINVDSTADR', status: 0x0b });
    await expect(good).resolves.toMatchObject({ attempts: 1 });
  });

  it('generic_nack: the submit is sent again and nothing is lost', async () => {
    const b = await open();
    smsc.genericNackNext(2);
    const rs = await Promise.all([1, 2, 3].map((n) => b.submit(sms(n))));
    expect(rs.every((r) => r.messageId)).toBe(true);
    expect(b.health().counters.genericNacks).toBe(2);
  });

  it('connection dropped with the window full: resubmits the unacknowledged ones only', async () => {
    const b = await open({ window: 10 });
    smsc.stallThenDrop(5, 10);
    const all = Array.from({ length: 30 }, (_, i) => b.submit(sms(i)));
    const rs = await Promise.all(all);
    expect(rs).toHaveLength(30);
    expect(b.health().counters.resubmitted).toBe(10);
    expect(b.health().counters.reconnects).toBe(1);
    // Count how often the SMSC saw each message: acknowledged ones exactly once.
    const seen = new Map<string, number>();
    for (const r of smsc.received) {
      const k = r.userData.toString('hex');
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
    for (let i = 0; i < 30; i++) {
      const k = Buffer.from(sms(i).userData).toString('hex');
      expect(seen.get(k)).toBe(i >= 5 && i < 15 ? 2 : 1);
    }
  });

  it('window: never more than `window` submits unacknowledged', async () => {
    const b = await open({ window: 3 });
    smsc.stallThenDrop(0, 1000);
    const ps = Array.from({ length: 10 }, (_, i) => b.submit(sms(i)).catch(() => undefined));
    await new Promise((r) => setTimeout(r, 100));
    expect(smsc.submitCount).toBe(3);
    expect(b.health()).toMatchObject({ inFlight: 3, queued: 7 });
    await b.close(50);
    await Promise.all(ps);
  });

  it('delivery receipts: text form with decimal id normalised against a hex submit_sm_resp id', async () => {
    await smsc.stop();
    smsc = new SimulatedSmsc({
      messageIdBase: 'hex',
      receiptTextIdBase: 'decimal',
      receiptTlvs: false,
    });
    await smsc.start();
    const b = await open({ submitIdBase: 'hex', receiptIdBase: 'decimal' });
    const receipts: ReceiptEvent[] = [];
    b.on('receipt', (r: ReceiptEvent) => receipts.push(r));
    const r = await b.submit(sms(1));
    expect(r.messageId).toBe('10000');
    await new Promise((res) => setTimeout(res, 100));
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({ messageId: '65536', state: 'delivered', stat: 'DELIVRD' });
    expect(receipts[0].canonicalId).toBe(r.canonicalId);
  });

  it('transmitter-receiver mode: submits on the TX bind, receipts arrive on a separate RX bind', async () => {
    const b = await open({ mode: 'transmitter-receiver' });
    const receipts: ReceiptEvent[] = [];
    b.on('receipt', (r: ReceiptEvent) => receipts.push(r));
    for (let i = 0; i < 100 && b.health().receiver !== 'bound'; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(smsc.boundCount).toBe(2);
    const r = await b.submit(sms(1));
    for (let i = 0; i < 100 && receipts.length === 0; i++)
      await new Promise((res) => setTimeout(res, 10));
    expect(receipts[0]).toMatchObject({ canonicalId: r.canonicalId, state: 'delivered' });
  });

  it('graceful unbind: waits for the window, then unbind/unbind_resp', async () => {
    const b = await open();
    const p = b.submit(sms(1));
    await Promise.resolve(); // let the pump put it in the window
    await b.close(1000);
    await expect(p).resolves.toBeDefined();
    expect(b.health().state).toBe('closed');
    await expect(b.submit(sms(2))).rejects.toThrow(/closing/);
  });
});
