import {
  parseSmscUrl,
  SmppBind,
  SmppSubmitError,
  SubmitExpiredError,
  type BindConfig,
} from '@dm-bridge/smpp';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(f: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/**
 * Transient SMSC causes over real TCP against the simulator SMSC: they are retried until the
 * submit's deadline and never counted; only a permanent status fails a submit.
 */
describe('SmppBind under transient SMSC faults', () => {
  let smsc: SimulatedSmsc;
  let bind: SmppBind | undefined;

  const open = async (overrides: Partial<BindConfig> = {}, waitBound = true): Promise<SmppBind> => {
    const b = new SmppBind(
      {
        ...parseSmscUrl(smsc.url('esme', 'secret'), 'b1'),
        reconnectInitialMs: 20,
        reconnectMaxMs: 200,
        ...overrides,
      },
      { retryInitialMs: 10, retryMaxMs: 40 },
    );
    b.start();
    bind = b;
    if (waitBound) await b.waitBound(5_000);
    return b;
  };
  const sms = (n: number, to = '491701234567') => ({
    destination: to,
    userData: Buffer.from([0x06, 0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0, n & 0xff, n >> 8]),
    udhi: true,
  });
  /** How often the SMSC saw each of messages 0..n-1 (by their payload). */
  const seenCounts = (n: number): number[] => {
    const seen = new Map<string, number>();
    for (const r of smsc.received) {
      const k = r.userData.toString('hex');
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
    return Array.from(
      { length: n },
      (_, i) => seen.get(Buffer.from(sms(i).userData).toString('hex')) ?? 0,
    );
  };

  beforeEach(async () => {
    smsc = new SimulatedSmsc({ accounts: { esme: 'secret' } });
    await smsc.start();
  });
  afterEach(async () => {
    await bind?.close(200);
    bind = undefined;
    await smsc.stop();
  });

  it('a 2-s throttle episode: the bind pauses and probes, every submit goes through, none fails', async () => {
    const b = await open({ window: 10 });
    smsc.throttleFor(2_000);
    const t0 = Date.now();
    const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => b.submit(sms(i))));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_900);
    expect(rs.every((r) => r.messageId)).toBe(true);
    // The probe was refused far more often than any retry count would have allowed.
    expect(Math.max(...rs.map((r) => r.attempts))).toBeGreaterThan(20);
    const c = b.health().counters;
    expect(c.throttled).toBeGreaterThan(20);
    expect(c.permanentErrors).toBe(0);
    // Paused, not hammering: one window at the start, then one probe at a time (back-off
    // 10..40 ms with jitter over 2 s is at most ~200 probes); a bind that retried each message
    // on its own would have sent 50 every 40 ms (~2,500).
    expect(c.throttled).toBeLessThan(10 + 220);
    // Exactly once each at the SMSC that accepted it.
    expect(smsc.received.length - c.throttled).toBe(50);
  });

  it('ESME_RMSGQFUL, temporary errors and generic_nacks, many in a row: all retried, none fails', async () => {
    const b = await open({ window: 5 });
    smsc.throttleNext(15, 0x14);
    const first = await Promise.all(Array.from({ length: 10 }, (_, i) => b.submit(sms(i))));
    smsc.failNext(100, 0x08); // ESME_RSYSERR
    const second = await Promise.all(Array.from({ length: 10 }, (_, i) => b.submit(sms(10 + i))));
    smsc.genericNackNext(100);
    const third = await Promise.all(Array.from({ length: 10 }, (_, i) => b.submit(sms(20 + i))));
    for (const rs of [first, second, third]) expect(rs.every((r) => r.messageId)).toBe(true);
    // 100 refusals over 10 messages: one of them needed at least 11 attempts (the old limit was 8).
    expect(Math.max(...[...second, ...third].map((r) => r.attempts))).toBeGreaterThan(8);
    expect(b.health().counters).toMatchObject({
      throttled: 15,
      temporaryErrors: 100,
      genericNacks: 100,
      permanentErrors: 0,
    });
  });

  it('a permanent status fails that submit at once, sent exactly once, with its stable code', async () => {
    const b = await open();
    smsc.failDestination('49999', 0x0b);
    const t0 = Date.now();
    const err = await b.submit(sms(1, '49999')).catch((e) => e);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(err).toBeInstanceOf(SmppSubmitError);
    expect(err).toMatchObject({
      status: 0x0b,
      statusName: 'ESME_RINVDSTADR',
      code: 'smsc-ESME_RINVDSTADR',
      attempts: 1,
      message:
        'SMSC refused submit_sm with ESME_RINVDSTADR (0x0000000b): invalid destination address',
    });
    smsc.failDestination('49998', 0x0a);
    await expect(b.submit(sms(2, '49998'))).rejects.toMatchObject({
      code: 'smsc-ESME_RINVSRCADR',
    });
    expect(smsc.received).toHaveLength(2);
  });

  it('the deadline bounds a transient cause: past it the submit fails SubmitExpiredError, naming the cause', async () => {
    const b = await open();
    smsc.throttleFor(10_000);
    const t0 = Date.now();
    const err = await b.submit(sms(1), { deadline: Date.now() + 600 }).catch((e) => e);
    expect(err).toBeInstanceOf(SubmitExpiredError);
    expect(err).toMatchObject({ code: 'expired', lastCause: 'ESME_RTHROTTLED' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
    expect(Date.now() - t0).toBeLessThan(2_500);
  });

  it('the deadline also ends a submit that waits for a connection (binds refused)', async () => {
    smsc.refuseBinds();
    const b = await open({}, false);
    await until(() => /ESME_RBINDFAIL/.test(b.health().lastError ?? ''));
    const err = await b.submit(sms(1), { deadline: Date.now() + 300 }).catch((e) => e);
    expect(err).toBeInstanceOf(SubmitExpiredError);
    expect(err.lastCause).toMatch(/no SMSC connection.*ESME_RBINDFAIL/);
    expect(smsc.received).toHaveLength(0);
  });

  it('binds refused for a while, then accepted: queued submits go through, none fails', async () => {
    smsc.refuseBinds();
    const b = await open({}, false);
    const ps = Array.from({ length: 20 }, (_, i) => b.submit(sms(i)));
    await sleep(1_000);
    expect(b.health()).toMatchObject({ state: expect.not.stringMatching(/^bound$/), queued: 20 });
    expect(b.health().counters.reconnects).toBeGreaterThan(2);
    smsc.acceptBinds();
    const rs = await Promise.all(ps);
    expect(rs.every((r) => r.messageId)).toBe(true);
    expect(seenCounts(20)).toEqual(Array(20).fill(1));
  });

  it('SMSC killed with a full window, down for a while, restarted: everything delivered, at least once', async () => {
    const b = await open({ window: 10 });
    // These 10 reach the handset but their submit_sm_resp dies with the SMSC.
    smsc.loseResponses(10);
    const ps = Array.from({ length: 30 }, (_, i) => b.submit(sms(i)));
    await until(() => smsc.received.length >= 10 && b.health().inFlight === 10);
    await smsc.kill();
    await sleep(800); // reconnects are refused meanwhile
    expect(b.health().state).not.toBe('bound');
    await smsc.start();
    const rs = await Promise.all(ps);
    expect(rs.every((r) => r.messageId)).toBe(true);
    expect(b.health().counters.resubmitted).toBe(10);
    // At least once: the 10 the SMSC had taken without answering arrive twice, the rest once.
    const counts = seenCounts(30);
    expect(counts.filter((n) => n === 2)).toHaveLength(10);
    expect(counts.filter((n) => n === 1)).toHaveLength(20);
  });
});

/**
 * The SMSC's own view of the rate: fixed 1-second windows counted when the submit_sm is read.
 * The limit must hold there, including across a reconnect (resubmits) and a throttle pause.
 */
describe('bind rate in the SMSC’s own 1-s windows', () => {
  let smsc: SimulatedSmsc;
  let bind: SmppBind | undefined;

  afterEach(async () => {
    await bind?.close(200);
    bind = undefined;
    await smsc.stop();
  });

  /** Drives `seconds` of load through a bind at `rate`, with a reconnect and a throttle. */
  async function drive(rate: number, seconds: number, faults: boolean): Promise<number[]> {
    smsc = new SimulatedSmsc({ recordSubmits: false, unknownHandsetStat: 'DELIVRD' });
    await smsc.start();
    const b = new SmppBind(
      {
        ...parseSmscUrl(smsc.url(), 'rate'),
        window: 20,
        ratePerSecond: rate,
        reconnectInitialMs: 20,
      },
      { retryInitialMs: 10, retryMaxMs: 40 },
    );
    bind = b;
    b.start();
    await b.waitBound();
    const total = Math.ceil(rate * seconds);
    const ps: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++)
      ps.push(
        b.submit({ destination: '4917' + i, userData: Buffer.alloc(20, i & 0xff), udhi: false }),
      );
    if (faults) {
      await sleep(1_300);
      smsc.stallThenDrop(0, 15); // a window's worth sent again after the reconnect
      await sleep(1_300);
      smsc.throttleNext(5);
    }
    await Promise.all(ps);
    const counts = [...smsc.submitsPerWindow().entries()].sort((x, y) => x[0] - y[0]);
    // The first and last windows are partial.
    return counts.slice(1, -1).map(([, n]) => n);
  }

  it('limit 100/s held in every SMSC window, with a reconnect and a throttle in the run', async () => {
    const full = await drive(100, 5, true);
    expect(Math.max(...full)).toBeLessThanOrEqual(100);
    // Not vacuous: the bind does run near the limit (full windows are close to it; on a loaded
    // machine the guard widens up to 100 ms, which costs up to ~9 %).
    expect(Math.max(...full)).toBeGreaterThanOrEqual(85);
    expect(bind!.health().counters.resubmitted).toBeGreaterThan(0);
  });

  /**
   * The SMSC stops reading for 100 ms twice: once mid-window (the bind learns the stall from the
   * response times), then from 80 ms before one of its window edges, so whatever was written in
   * those 80 ms is counted in the next window, the way a descheduled SMSC sees it.
   */
  async function edgeStall(rateGuardMaxMs: number): Promise<number[]> {
    smsc = new SimulatedSmsc({ recordSubmits: false });
    await smsc.start();
    const b = new SmppBind(
      {
        ...parseSmscUrl(smsc.url(), 'edge'),
        window: 30,
        ratePerSecond: 100,
        rateGuardMs: 10,
        rateGuardMaxMs,
      },
      { retryInitialMs: 10, retryMaxMs: 40 },
    );
    bind = b;
    b.start();
    await b.waitBound();
    const ps: Promise<unknown>[] = [];
    for (let i = 0; i < 480; i++)
      ps.push(b.submit({ destination: '4917' + i, userData: Buffer.alloc(20, i), udhi: false }));
    const at = async (msInSecond: number): Promise<number> => {
      const now = performance.timeOrigin + performance.now();
      const sec = Math.floor(now / 1000);
      await sleep(sec * 1000 + msInSecond - now + (now % 1000 > msInSecond - 50 ? 1000 : 0));
      return Math.floor((performance.timeOrigin + performance.now()) / 1000);
    };
    await at(1_300);
    smsc.freeze(100);
    const edgeSec = (await at(920)) + 1;
    smsc.freeze(100);
    await Promise.all(ps);
    const w = smsc.submitsPerWindow();
    return [w.get(edgeSec - 1) ?? 0, w.get(edgeSec) ?? 0, b.health().rateGuardMs ?? -1];
  }

  it('an SMSC read stall at its window edge: with a fixed 10-ms guard it counts more than the limit', async () => {
    const [, after] = await edgeStall(10);
    expect(after).toBeGreaterThan(100);
  });

  it('…while the guard widened to the SMSC’s response-time spread keeps that window within it', async () => {
    const [before, after, guard] = await edgeStall(100);
    expect(guard).toBeGreaterThanOrEqual(80);
    expect(after).toBeLessThanOrEqual(100);
    expect(before + after).toBeGreaterThan(150); // the bind kept sending meanwhile
  });

  it('the measurement catches a sender above the limit (bind at 110/s, SMSC judging 100/s)', async () => {
    const full = await drive(110, 3, false);
    expect(Math.max(...full)).toBeGreaterThan(100);
  });
});
