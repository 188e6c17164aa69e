import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'node:https';
import { OpenStagePhone } from '../../apps/simulator/src/phone/openstage-phone';
import {
  makeSecureMaterial,
  nextMac,
  serveJob,
  startWorkpointGateway,
  waitFor,
  type SecureMaterial,
  type WorkpointGateway,
} from './support/workpoint-gateway';
import { certificateFingerprint } from '@dm-bridge/workpoint';

/**
 * Secure-mode bootstrap without PIN (DG p.62-68): WriteItems{goto-secure-mode=nopin, client
 * certificate, server CA, secure port} on the default port, then start-up on the secure port with
 * mutual TLS, and from then on the default port is refused for that phone.
 */
let g: WorkpointGateway;
let m: SecureMaterial;

beforeAll(async () => {
  m = makeSecureMaterial();
  g = await startWorkpointGateway({ WORKPOINT_SECURE_CLIENT_CA_FILE: m.caFile });
});
afterAll(async () => {
  await g?.close();
  rmSync(m.dir, { recursive: true, force: true });
});

function postWithCert(pem: string | undefined, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: '127.0.0.1',
        port: g.securePort,
        path: '/DeploymentService/LoginService',
        method: 'POST',
        agent: new Agent({ cert: pem, key: pem, rejectUnauthorized: false }),
        headers: { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

describe('workpoint secure mode', () => {
  it('bootstraps a phone onto mutual TLS and then serves it only there', async () => {
    const phone = await g.phone();
    await phone.startUp();
    const serverCa = readFileSync(join(g.varDir, 'workpoint', 'server.crt'), 'utf8');
    const boot = await serveJob(g, phone, {
      id: 'secure',
      operations: [
        {
          kind: 'secure-bootstrap',
          mode: 'nopin',
          clientCertificate: m.clientPem,
          serverCa: [serverCa],
          securePort: g.securePort!,
        },
      ],
    });
    expect(boot.steps.map((s) => s.action)).toEqual(['WriteItems', 'CleanUp']);
    expect(boot.steps[0].items.map((i) => [i.name, i.index])).toEqual([
      ['goto-secure-mode', undefined],
      ['dls-client-certificate', undefined],
      ['dls-server-ca', 0],
      ['dls-secure-port', undefined],
    ]);
    const secureStart = await phone.nextInteraction((l) => l.reason === 'start-up' && l.secure);
    expect(secureStart.error).toBeUndefined();
    const outcome = await waitFor(async () =>
      (await g.source.outcomes(phone.options.mac)).find((o) => o.jobId === 'secure'),
    );
    expect(outcome.status).toBe('succeeded');
    expect((await g.source.job('secure')).state).toBe('succeeded');
    expect((await g.store.get(phone.options.mac))!.secureMode).toEqual({
      state: 'active',
      securePort: g.securePort,
      certFingerprint: certificateFingerprint(m.clientPem),
    });
    expect(certificateFingerprint(m.clientPem)).toBe(
      new X509Certificate(m.clientPem).fingerprint256,
    );

    // the secure session continues to serve jobs
    const served = await serveJob(g, phone, {
      id: 'after',
      operations: [{ kind: 'read', items: [{ name: 'e164' }] }],
    });
    expect(served.secure).toBe(true);
    expect(served.steps.map((s) => s.action)).toEqual(['ReadItems', 'CleanUp']);

    // the same phone on the default port gets nothing but CleanUp
    const impostor = await new OpenStagePhone({
      gatewayUrl: g.phoneUrl,
      mac: phone.options.mac,
    }).start();
    try {
      await g.source.enqueue(phone.options.mac, { id: 'x', operations: [{ kind: 'read-all' }] });
      const refused = await impostor.startUp();
      expect(refused.steps.map((s) => s.action)).toEqual(['CleanUp']);
      expect(await g.source.events()).toContainEqual(
        expect.objectContaining({
          type: 'request-rejected',
          reason: 'phone is in secure mode; requests on the default port are refused',
        }),
      );
    } finally {
      await impostor.stop();
    }
  });

  it("refuses another phone's certificate of the same CA for a phone bound to its own", async () => {
    const phone = await g.phone();
    await phone.startUp();
    const serverCa = readFileSync(join(g.varDir, 'workpoint', 'server.crt'), 'utf8');
    const secureStart = phone.nextInteraction((l) => l.reason === 'start-up' && l.secure);
    await serveJob(g, phone, {
      id: 'bind',
      operations: [
        {
          kind: 'secure-bootstrap',
          mode: 'nopin',
          clientCertificate: m.clientPem,
          serverCa: [serverCa],
          securePort: g.securePort!,
        },
      ],
    });
    await secureStart;
    const body = `<WorkpointMessage><Message nonce="77"><ReasonForContact>start-up</ReasonForContact></Message><ItemList><Item name="mac-addr">${phone.options.mac}</Item></ItemList></WorkpointMessage>`;
    expect(await postWithCert(m.siblingPem, body)).toBe(200);
    expect(await g.source.events()).toContainEqual(
      expect.objectContaining({
        type: 'request-rejected',
        reason: "client certificate is not the one installed in this phone's secure mode",
      }),
    );
  });

  it('a session cut after the bootstrap WriteItems: the secure start-up with the offered certificate completes it', async () => {
    const phone = await g.phone({ rebootDelayMs: 400 });
    await phone.startUp();
    const serverCa = readFileSync(join(g.varDir, 'workpoint', 'server.crt'), 'utf8');
    phone.cutAfterAction = 'WriteItems'; // applied by the phone, its `accepted` is lost
    const secureStart = phone.nextInteraction((l) => l.reason === 'start-up' && l.secure);
    const cut = await serveJob(g, phone, {
      id: 'cut',
      operations: [
        {
          kind: 'secure-bootstrap',
          mode: 'nopin',
          clientCertificate: m.clientPem,
          serverCa: [serverCa],
          securePort: g.securePort!,
        },
      ],
    });
    expect(cut.error).toBe('session cut after WriteItems');
    // the gateway stored the offer before the certificate left; plain mode stays open meanwhile
    expect((await g.store.get(phone.options.mac))!.secureMode).toMatchObject({
      state: 'offered',
      certFingerprint: certificateFingerprint(m.clientPem),
    });
    const start = await secureStart;
    // proven by the certificate: the bootstrap is not sent again, the job is done
    expect(start.steps.map((s) => s.action)).toEqual(['ReadAllItems', 'CleanUp']);
    const outcome = await waitFor(async () =>
      (await g.source.outcomes(phone.options.mac)).find((o) => o.jobId === 'cut'),
    );
    expect(outcome).toEqual({
      jobId: 'cut',
      status: 'succeeded',
      results: [{ kind: 'secure-bootstrap', status: 'succeeded', items: [] }],
    });
    expect((await g.source.job('cut')).state).toBe('succeeded');
    expect((await g.store.get(phone.options.mac))!.secureMode).toEqual({
      state: 'active',
      securePort: g.securePort,
      certFingerprint: certificateFingerprint(m.clientPem),
    });
  });

  it('the secure listener refuses clients without a certificate or with one from another CA', async () => {
    const body =
      '<WorkpointMessage><Message nonce="1"><ReasonForContact>start-up</ReasonForContact></Message></WorkpointMessage>';
    await expect(postWithCert(undefined, body)).rejects.toThrow();
    await expect(postWithCert(m.strangerPem, body)).rejects.toThrow();
    expect(await postWithCert(m.clientPem, body)).toBe(200);
  });

  it('the PIN variant is refused with a clear error and the phone is left alone', async () => {
    const phone = await g.phone();
    await phone.startUp();
    const log = await serveJob(g, phone, {
      id: 'pin',
      operations: [
        {
          kind: 'secure-bootstrap',
          mode: 'pin',
          clientCertificate: m.clientPem,
          serverCa: ['x'],
          securePort: 1,
        },
      ],
    });
    expect(log.steps.map((s) => s.action)).toEqual(['CleanUp']);
    const outcome = await waitFor(async () =>
      (await g.source.outcomes(phone.options.mac)).find((o) => o.jobId === 'pin'),
    );
    expect(outcome.results[0].error).toMatch(/secure-mode bootstrap with PIN is not supported/);
    expect(nextMac()).toMatch(/^00:1A:E8/);
  });
});
