import { buildWorkpointMessage, parseDlsMessage } from '@dm-bridge/workpoint';
import { request } from 'node:https';
import { startWorkpointGateway, type WorkpointGateway } from './support/workpoint-gateway';

/**
 * Old firmware may only speak TLS 1.0 with RSA-key-exchange CBC suites (NODESIM forced TLSv1):
 * WORKPOINT_TLS_MIN_VERSION=TLSv1 plus a lowered OpenSSL security level lets them in.
 * (DES-CBC-SHA, 3DES, RC4 are not in Node's OpenSSL 3 at all — see docs/workpoint.md.)
 */
let g: WorkpointGateway;

beforeAll(async () => {
  g = await startWorkpointGateway({
    WORKPOINT_TLS_MIN_VERSION: 'TLSv1',
    WORKPOINT_TLS_CIPHERS: 'DEFAULT:@SECLEVEL=0',
  });
});
afterAll(async () => {
  await g?.close();
});

it('serves a TLS 1.0 client offering only AES128-SHA', async () => {
  const body = buildWorkpointMessage({
    nonce: 'T1',
    maxItems: -1,
    fragment: 'final',
    reason: 'start-up',
    items: [{ name: 'mac-addr', value: '00:1A:E8:77:00:01' }],
  });
  const { protocol, text } = await new Promise<{ protocol: string; text: string }>(
    (resolve, reject) => {
      const r = request(
        {
          host: '127.0.0.1',
          port: g.port,
          path: '/DeploymentService/LoginService',
          method: 'POST',
          agent: false,
          rejectUnauthorized: false,
          minVersion: 'TLSv1',
          maxVersion: 'TLSv1',
          ciphers: 'AES128-SHA:@SECLEVEL=0',
          headers: { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () =>
            resolve({ protocol: (res.socket as any).getProtocol?.() ?? '', text }),
          );
        },
      );
      r.on('error', reject);
      r.end(body);
    },
  );
  expect(parseDlsMessage(text).action).toBe('ReadAllItems');
  expect(['TLSv1', '']).toContain(protocol);
});
