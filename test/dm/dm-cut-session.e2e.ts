import { addDmDevice, startCoreDm, type CoreDmFixture } from './support/core-dm';

const hasChal = (body: Buffer) => body.toString('utf8').includes('<Chal>');

/**
 * A DM session cut where a nonce changes hands (the gateway killed, the network gone) must not
 * split gateway and handset: the handset keeps the nonce the gateway last proved until the gateway
 * proves the new one, the gateway stores what it learned before it answers, and a client nonce
 * that never arrived is repaired by the challenge of the next session. After each cut the job
 * is woken again, its package #0 accepted, and it succeeds.
 */
describe('OMA DM sessions cut mid-way: nonces stay in step', () => {
  let fx: CoreDmFixture;

  beforeAll(async () => {
    fx = await startCoreDm({
      // a cut session's lock lapses quickly: the watchdog gives its job back for a new wake-up
      SESSION_LOCK_TTL_MS: '600',
      DM_SESSION_TIMEOUT_MS: '2000',
      DM_SWEEP_INTERVAL_MS: '200',
      WAKE_BACKOFF_BASE_MS: '300',
      WAKE_BACKOFF_MAX_MS: '600',
    });
  });
  afterAll(async () => {
    await fx?.close();
  });

  async function runJob(deviceId: string, value: string) {
    return fx.f.call('POST', '/v1/jobs?wait=20', {
      deviceId,
      operations: [{ op: 'set', path: 'omadm:./Vendor/dmbridge/Volume', value }],
    });
  }

  it.each([
    // the handset's message with its new server nonce never reaches the gateway (killed first)
    ['drop-request', 10],
    // the gateway stored the new server nonce, its answer never reaches the handset
    ['drop-response', 11],
  ] as const)(
    'the message carrying the handset new server nonce is cut (%s); the next package #0 is accepted',
    async (cut, n) => {
      const d = await addDmDevice(fx, n, { encoding: 'xml' });
      const before = d.handset.nonces.server;
      let cuts = 0;
      fx.proxy.decide = (m) => {
        // the handset answers the server's Cred with 212 and a Chal carrying its next nonce
        if (
          cuts === 0 &&
          m.body.toString('utf8').includes(d.handset.options.devId) &&
          hasChal(m.body)
        ) {
          cuts++;
          return cut;
        }
        return 'forward';
      };
      const res = await runJob(d.id, '3');
      expect(cuts).toBe(1);
      expect(res.body.state).toBe('succeeded');
      expect(d.front.rejected).toEqual([]);
      expect(d.handset.rejectedNotifications).toEqual([`socket hang up`]);
      expect(d.handset.nonces.server).not.toBe(before);
      // a second job: another package #0 and a session with the nonces as they now are
      const again = await runJob(d.id, '4');
      expect(again.body.state).toBe('succeeded');
      expect(d.front.rejected).toEqual([]);
      expect(d.handset.tree.get('./Vendor/dmbridge/Volume').value).toBe('4');
      const last = d.handset.sessions.at(-1)!;
      expect(last).toMatchObject({ ended: 'completed', serverAuthenticated: true });
    },
  );

  it('the answer carrying a new client nonce is lost; the next session is challenged and succeeds', async () => {
    const d = await addDmDevice(fx, 12, { encoding: 'xml' });
    const clientBefore = d.handset.nonces.client;
    let cuts = 0;
    fx.proxy.decide = (m) => {
      if (cuts === 0 && m.body.toString('utf8').includes(d.handset.options.devId)) {
        cuts++;
        return 'drop-response'; // package 2 (212 + Chal with the next client nonce) is lost
      }
      return 'forward';
    };
    const res = await runJob(d.id, '5');
    expect(res.body.state).toBe('succeeded');
    expect(d.front.rejected).toEqual([]);
    expect(d.handset.nonces.client).not.toBe(clientBefore);
    expect(d.handset.tree.get('./Vendor/dmbridge/Volume').value).toBe('5');
  });
});
