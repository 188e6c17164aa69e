import type { CutAction } from './support/cut-proxy';
import { addDmDevice, startCoreDm, type CoreDmFixture } from './support/core-dm';

/**
 * One session story on the production path: a DM session holds core's session lock of the
 * device (keyed by the core device id) from its authenticated first message to its end, renewed
 * at every message, so a session that keeps talking for longer than SESSION_LOCK_TTL_MS is never
 * taken for lost by the watchdog, and the lock is gone once the session ended.
 */
describe('OMA DM sessions hold core session lock while they make progress', () => {
  let fx: CoreDmFixture;
  const TTL = 1000;

  beforeAll(async () => {
    fx = await startCoreDm({
      SESSION_LOCK_TTL_MS: String(TTL),
      // no second wake-up while the first one's session gets going, even on a loaded machine
      // (the watchdog looks at in-session jobs every lock lifetime regardless)
      WAKE_BACKOFF_BASE_MS: '3000',
      WAKE_BACKOFF_MAX_MS: '3000',
      WAKE_JITTER: '0',
    });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('a many-message session several lock lifetimes long completes without being declared lost', async () => {
    const d = await addDmDevice(fx, 1, { encoding: 'xml', maxMsgSize: 1500 });
    const holders: (string | null)[] = [];
    fx.proxy.decide = async (m): Promise<CutAction> => {
      holders.push(await fx.f.core.locks.holder(d.id));
      // every message after the first takes half a lock lifetime more (the rest of the lifetime
      // is the margin for a loaded machine)
      if (m.n > 1) await new Promise((r) => setTimeout(r, TTL / 2));
      return 'forward';
    };
    const values = Array.from({ length: 3 }, (_, i) => `${i}`.repeat(500));
    const started = Date.now();
    const res = await fx.f.call('POST', '/v1/jobs?wait=20', {
      deviceId: d.id,
      operations: values.map((value, i) => ({
        op: 'set',
        path: `omadm:./Vendor/dmbridge/Note${i}`,
        value,
      })),
    });
    expect(res.body.state).toBe('succeeded');
    const job = (await fx.f.call('GET', `/v1/jobs/${res.body.id}`)).body;
    expect(job.faults ?? []).toEqual([]);
    // one wake-up, one session: nobody re-woke the device while its session ran
    expect(d.handset.sessions).toHaveLength(1);
    expect(d.handset.sessions[0].ended).toBe('completed');
    expect(Date.now() - started).toBeGreaterThan(3 * TTL);
    expect(fx.proxy.messages).toBeGreaterThanOrEqual(7);
    // before the first message nobody held the lock; from the second on, this session did
    expect(holders[0]).toBeNull();
    const owner = holders[1];
    expect(owner).toMatch(/^dm:[0-9A-F]+:\d+$/);
    expect(holders.slice(1).every((h) => h === owner)).toBe(true);
    for (let i = 0; i < 3; i++)
      expect(d.handset.tree.get(`./Vendor/dmbridge/Note${i}`).value).toBe(values[i]);
    // the session ended: its lock is released at once, not left to lapse
    expect(await fx.f.core.locks.holder(d.id)).toBeNull();
  });
});
