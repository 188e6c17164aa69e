import { buildWorkpointMessage, parseDlsMessage } from '@dm-bridge/workpoint';
import { Agent, request } from 'node:https';
import { startWorkpointGateway, waitFor, type WorkpointGateway } from './support/workpoint-gateway';

/**
 * MAC impersonation in plain mode (the protocol's default mode is unauthenticated): secrets go
 * only to the address the phone registered from, a second caller of a MAC with an open session is
 * a conflict. Two callers on one machine: 127.0.0.1 (the phone) and 127.0.0.2 (the impostor).
 */
let g: WorkpointGateway;
beforeAll(async () => {
  g = await startWorkpointGateway();
});
afterAll(async () => {
  await g?.close();
});

const from = (localAddress: string) =>
  new Agent({ keepAlive: false, rejectUnauthorized: false, localAddress } as never);

function post(body: string, agent: Agent) {
  return new Promise<string>((resolve, reject) => {
    const r = request(
      {
        host: '127.0.0.1',
        port: g.port,
        path: '/DeploymentService/LoginService',
        method: 'POST',
        agent,
        headers: { 'content-type': 'text/xml' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

describe('workpoint MAC impersonation in plain mode', () => {
  it('secrets wait for the phone itself; an impostor gets neither them nor the contact-me', async () => {
    const phone = await g.phone();
    await phone.startUp(); // registers from 127.0.0.1
    phone.ignoreContactMe = true;
    await g.source.enqueue(phone.options.mac, {
      id: 'pw',
      operations: [{ kind: 'write', items: [{ name: 'sip-pwd', value: 'only-for-the-phone' }] }],
    });
    const impostor = await g.phone({ mac: phone.options.mac, agent: from('127.0.0.2') });
    impostor.ignoreContactMe = true;
    const log = await impostor.startUp();
    expect(log.steps.map((s) => s.action)).toEqual(['ReadAllItems', 'CleanUp']);
    expect(JSON.stringify(log)).not.toContain('only-for-the-phone');
    expect(await g.source.events()).toContainEqual(
      expect.objectContaining({
        type: 'request-rejected',
        mac: phone.options.mac,
        reason: expect.stringMatching(/^secure-mode-required: job .* waits$/),
      }),
    );
    expect((await g.store.get(phone.options.mac))!.addr).toMatch(/127\.0\.0\.1$/);
    expect((await g.source.job('pw')).state).not.toMatch(/succeeded|failed/);
    // the phone itself, from its address: served
    const served = await phone.solicited();
    expect(served.steps.map((s) => s.action)).toEqual(['WriteItems', 'CleanUp']);
    expect(phone.items.get('sip-pwd')).toBe('only-for-the-phone');
    await waitFor(async () => (await g.source.job('pw')).state === 'succeeded' || undefined);
  });

  it('a second caller of a MAC whose session is open is a conflict: CleanUp, the session stays', async () => {
    const mac = '00:1A:E8:66:00:01';
    const open = (nonce: string) =>
      buildWorkpointMessage({
        nonce,
        maxItems: -1,
        fragment: 'final',
        reason: 'start-up',
        items: [
          { name: 'mac-addr', value: mac },
          { name: 'e164', value: nonce },
        ],
      });
    expect(parseDlsMessage(await post(open('P1'), from('127.0.0.1'))).action).toBe('ReadAllItems');
    const other = parseDlsMessage(await post(open('I1'), from('127.0.0.2')));
    expect(other).toEqual({ nonce: 'I1', action: 'CleanUp', items: [] });
    expect(await g.source.events()).toContainEqual({
      type: 'device-conflict',
      mac,
      reason: `MAC ${mac} called from 127.0.0.2 while its session from 127.0.0.1 is open`,
    });
    const state = await g.store.get(mac);
    expect(state!.interaction?.nonces).toEqual(['P1']);
    expect(state!.inventory.e164).toBe('P1');
  });
});
