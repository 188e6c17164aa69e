import { rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { OpenStagePhone } from '../../apps/simulator/src/phone/openstage-phone';
import {
  deviceIdOf,
  makeSecureMaterial,
  startWorkpointGateway,
  waitFor,
  type SecureMaterial,
  type WorkpointGateway,
} from './support/workpoint-gateway';
import { certificateFingerprint } from '@dm-bridge/workpoint';

/**
 * `secureBootstrap` through the REST API, on the production job source (core), over real
 * HTTPS/TLS sockets: the job installs the client certificate (seed 002: the service provides it
 * with its private key, the server's CA certificates and the secure port; here the last two come
 * from the gateway's secure listener), the phone comes back over mutual TLS, and the device keeps
 * the certificate's fingerprint: from then on — even with the phone state gone — plain mode and
 * any other certificate are refused for that MAC.
 */
const KEY = 'dmb_test_admin_secure_bootstrap_0123456789';
let g: WorkpointGateway;
let m: SecureMaterial;

beforeAll(async () => {
  m = makeSecureMaterial();
  g = await startWorkpointGateway({
    WORKPOINT_SECURE_CLIENT_CA_FILE: m.caFile,
    DMB_ADMIN_API_KEY: KEY,
  });
});
afterAll(async () => {
  await g?.close();
  rmSync(m.dir, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${g.gw.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
}

/** One start-up on the secure port with `pem` as client certificate: the action answered. */
function secureStartUp(pem: string, mac: string): Promise<string> {
  const body = `<WorkpointMessage><Message nonce="${Date.now()}${Math.random()}" maxItems="-1"><ReasonForContact>start-up</ReasonForContact></Message><ItemList><Item name="mac-addr">${mac}</Item></ItemList></WorkpointMessage>`;
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
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(/<Action>([^<]*)<\/Action>/.exec(text)?.[1] ?? text));
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

async function plainStartUp(mac: string): Promise<string[]> {
  const impostor = await new OpenStagePhone({ gatewayUrl: g.phoneUrl, mac }).start();
  try {
    return (await impostor.startUp()).steps.map((s) => s.action);
  } finally {
    await impostor.stop();
  }
}

describe('secureBootstrap through the REST API (core job source)', () => {
  it('bootstraps the phone, binds the certificate to the device and refuses plain mode and other certificates', async () => {
    const phone = await g.phone();
    await phone.startUp(); // plug & play: the phone becomes a core device
    const deviceId = deviceIdOf(phone.options.mac);
    const created = await api('POST', '/v1/jobs', {
      deviceId,
      operations: [{ op: 'secureBootstrap', args: { clientCertificate: m.clientPem } }],
    });
    expect(created.status).toBe(202); // accepted: served at the phone's next contact
    // the private key never comes back (sealed at rest, masked in answers)
    expect(created.text).not.toContain('PRIVATE KEY');
    expect(created.json.operations[0]).toMatchObject({ op: 'secureBootstrap', value: '********' });

    const secureStart = phone.nextInteraction((l) => l.reason === 'start-up' && l.secure, 15_000);
    const job = await waitFor(async () => {
      const j = (await api('GET', `/v1/jobs/${created.json.id}`)).json;
      return j.state === 'succeeded' ? j : undefined;
    }, 15_000);
    expect(job.results).toEqual([{ status: 'ok' }]);
    expect((await secureStart).error).toBeUndefined();
    expect(phone.isSecure).toBe(true);
    // the phone verified the gateway with the serverCa the job installed (the listener's own)
    expect(phone.items.get('dls-secure-port')).toBe(String(g.securePort));

    const fp = certificateFingerprint(m.clientPem);
    const device = await waitFor(async () => {
      const d = (await api('GET', `/v1/devices/${deviceId}`)).json;
      return d.credentials?.clientCertFingerprint ? d : undefined;
    });
    expect(device.credentials.clientCertFingerprint).toBe(fp);

    // the binding is the device's: without any phone state it still holds
    await g.redis.redis.del(g.store.stateKey(phone.options.mac));
    expect(await plainStartUp(phone.options.mac)).toEqual(['CleanUp']);
    expect(await secureStartUp(m.siblingPem, phone.options.mac)).toBe('CleanUp');
    expect(await g.source.events()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'request-rejected',
          mac: phone.options.mac,
          reason: 'phone is in secure mode; requests on the default port are refused',
        }),
        expect.objectContaining({
          type: 'request-rejected',
          mac: phone.options.mac,
          reason: "client certificate is not the one installed in this phone's secure mode",
        }),
      ]),
    );
    // and the phone itself, with its certificate, is served
    const again = await phone.startUp();
    expect(again.error).toBeUndefined();
    expect(again.secure).toBe(true);
    expect(again.steps[0].action).toBe('ReadAllItems');
  });

  it('a phone that shows up in secure mode on its own is bound to the first certificate it shows', async () => {
    const mac = '00:1A:E8:5E:C0:01';
    const deviceId = 'secure-first';
    expect(
      (
        await api('POST', '/v1/devices', {
          id: deviceId,
          protocol: 'workpoint',
          addressing: { mac },
          profile: 'openstage',
        })
      ).status,
    ).toBe(201);
    expect(await secureStartUp(m.siblingPem, mac)).toBe('ReadAllItems');
    const device = await waitFor(async () => {
      const d = (await api('GET', `/v1/devices/${deviceId}`)).json;
      return d.credentials?.clientCertFingerprint ? d : undefined;
    });
    expect(device.credentials.clientCertFingerprint).toBe(certificateFingerprint(m.siblingPem));
    expect(await secureStartUp(m.clientPem, mac)).toBe('CleanUp');
    expect(await plainStartUp(mac)).toEqual(['CleanUp']);

    // an operator unbinds it (a replaced phone): the next certificate is bound instead
    expect(
      (
        await api('PATCH', `/v1/devices/${deviceId}`, {
          credentials: { clientCertFingerprint: null },
        })
      ).status,
    ).toBe(200);
    await g.redis.redis.del(g.store.stateKey(mac));
    expect(await secureStartUp(m.clientPem, mac)).toBe('ReadAllItems');
    await waitFor(
      async () =>
        (await api('GET', `/v1/devices/${deviceId}`)).json.credentials?.clientCertFingerprint ===
        certificateFingerprint(m.clientPem),
    );
  });

  it('is refused with typed 400s: other protocols, the PIN variant, no certificate', async () => {
    const dm = await api('POST', '/v1/devices', {
      id: 'dm-not-workpoint',
      protocol: 'omadm',
      addressing: { msisdn: '+4915100000001', devId: 'IMEI:490154203237518' },
    });
    expect(dm.status).toBe(201);
    const phone = await api('POST', '/v1/devices', {
      id: 'wp-refusals',
      protocol: 'workpoint',
      addressing: { mac: '00:1A:E8:5E:C0:02' },
    });
    expect(phone.status).toBe(201);
    const refused = async (deviceId: string, args: unknown) => {
      const r = await api('POST', '/v1/jobs', {
        deviceId,
        operations: [{ op: 'secureBootstrap', args }],
      });
      expect(r.status).toBe(400);
      return r.json as { code: string; detail: string };
    };
    const other = await refused('dm-not-workpoint', { clientCertificate: m.clientPem });
    expect(other.code).toBe('unsupported-operation');
    expect(other.detail).toMatch(/Workpoint \(OpenStage\) secure-mode bootstrap; omadm devices/);
    const pin = await refused('wp-refusals', { mode: 'pin', clientCertificate: m.clientPem });
    expect(pin.code).toBe('secure-mode-pin-unsupported');
    expect(pin.detail).toMatch(/secure-mode-data is not public/);
    expect((await refused('wp-refusals', {})).code).toBe('invalid-args');
    // a certificate without its private key is not what the phone needs
    const certOnly = m.clientPem.replace(/-----BEGIN PRIVATE KEY-----[\s\S]*$/, '');
    expect((await refused('wp-refusals', { clientCertificate: certOnly })).code).toBe(
      'invalid-args',
    );
    expect(
      (await refused('wp-refusals', { clientCertificate: m.clientPem, securePort: 70000 })).code,
    ).toBe('invalid-args');
    // one phone's own certificate and key: never a campaign (which would also keep it unsealed)
    const campaign = await api('POST', '/v1/campaigns', {
      selection: { deviceIds: ['wp-refusals'] },
      operations: [{ op: 'secureBootstrap', args: { clientCertificate: m.clientPem } }],
    });
    expect(campaign.status).toBe(400);
    expect(campaign.json.code).toBe('per-device-operation');
  });
});
