import { randomBytes } from 'node:crypto';
import { addDmDevice, startCoreDm, type CoreDmDevice, type CoreDmFixture } from './support/core-dm';

/**
 * Nonce resynchronisation (OMA-TS-DM_Notification-V1_2 §6.2), on the production path: a handset
 * whose stored server nonce the gateway does not hold (its memory lost, a real client that
 * switched nonces at once in a cut session) refuses every package #0. After
 * DM_NONCE_RESYNC_AFTER unanswered ones the gateway signs every other package #0 with the
 * special nonce 0x00000000, in each form in turn (four zero bytes, then the ASCII text); a
 * handset that re-verifies with it opens the session, refuses the gateway's stale server
 * credentials with a challenge carrying a fresh nonce, and the session goes on with that one.
 * The next job needs no resync.
 */
describe('OMA DM nonce resynchronisation', () => {
  let fx: CoreDmFixture;

  beforeAll(async () => {
    fx = await startCoreDm({
      WAKE_BACKOFF_BASE_MS: '200',
      WAKE_BACKOFF_MAX_MS: '300',
      WAKE_JITTER: '0',
      DM_NONCE_RESYNC_AFTER: '2',
    });
  });
  afterAll(async () => {
    await fx?.close();
  });

  const runJob = (deviceId: string, value: string) =>
    fx.f.call('POST', '/v1/jobs?wait=25', {
      deviceId,
      operations: [{ op: 'set', path: 'omadm:./Vendor/dmbridge/Volume', value }],
    });

  /** The handset moves to a server nonce the gateway never learned. */
  const desync = (d: CoreDmDevice) => {
    d.handset.nonces.server = randomBytes(16).toString('base64');
    d.handset.nonces.serverPrevious = undefined;
  };

  const wakeDetails = (job: { attempts: { detail?: string }[] }) =>
    job.attempts.map((a) => (a.detail ?? '').replace(/session [0-9A-F]+/, 'session S'));

  it('binary form: the third package #0 carries four zero bytes, the session heals the nonce', async () => {
    const d = await addDmDevice(fx, 30, { encoding: 'xml' }, { nonceResync: 'binary' });
    desync(d);
    const res = await runJob(d.id, '7');
    expect(res.body.state).toBe('succeeded');
    expect(wakeDetails(res.body)).toEqual([
      'package #0, session S',
      'package #0, session S',
      'package #0, session S, resync nonce (binary)',
    ]);
    expect(d.front.rejected).toHaveLength(2);
    expect(d.front.resynced).toBe(1);
    expect(d.handset.tree.get('./Vendor/dmbridge/Volume').value).toBe('7');
    expect(d.handset.sessions.at(-1)).toMatchObject({
      ended: 'completed',
      serverAuthenticated: true,
    });

    // in step again: one package #0 with the stored nonce is enough
    const again = await runJob(d.id, '8');
    expect(again.body.state).toBe('succeeded');
    expect(wakeDetails(again.body)).toEqual(['package #0, session S']);
    expect(d.front.resynced).toBe(1);
    expect(d.front.rejected).toHaveLength(2);
  }, 40_000);

  it('ASCII form (libdmclient): reached on the second resync, after the binary one', async () => {
    const d = await addDmDevice(fx, 31, { encoding: 'xml' }, { nonceResync: 'ascii' });
    desync(d);
    const res = await runJob(d.id, '9');
    expect(res.body.state).toBe('succeeded');
    expect(wakeDetails(res.body)).toEqual([
      'package #0, session S',
      'package #0, session S',
      'package #0, session S, resync nonce (binary)',
      'package #0, session S',
      'package #0, session S, resync nonce (ascii)',
    ]);
    expect(d.front.rejected).toHaveLength(4);
    expect(d.front.resynced).toBe(1);
    expect(d.handset.tree.get('./Vendor/dmbridge/Volume').value).toBe('9');
  }, 40_000);

  it('a handset in step gets one package #0, signed with the stored nonce', async () => {
    const d = await addDmDevice(fx, 32, { encoding: 'xml' }, { nonceResync: 'none' });
    const res = await runJob(d.id, '10');
    expect(res.body.state).toBe('succeeded');
    expect(wakeDetails(res.body)).toEqual(['package #0, session S']);
    expect(d.front.rejected).toEqual([]);
  }, 40_000);
});
