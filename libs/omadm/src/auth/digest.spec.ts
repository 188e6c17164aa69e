import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { basicCredential, hmacDigest, md5Credential } from './digest';
import { formatHmacHeader, parseHmacHeader } from './hmac-header';

const VEC = resolve(__dirname, '../../../../../shared/vectors');
const vectors = JSON.parse(readFileSync(resolve(VEC, 'vectors.json'), 'utf8'));
const NONCE16 = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');

describe('DM authentication values (DM Security 1.2 §5.1; vectors/README.txt §D)', () => {
  const auth = vectors.dm_auth;
  it('computes basic and MD5 credentials', () => {
    expect(basicCredential('device1', 'devpass')).toBe(auth['basic(device1:devpass)']);
    expect(md5Credential('device1', 'devpass', NONCE16)).toBe(
      auth['md5(device1:devpass, nonce=000102..0f)'],
    );
    expect(md5Credential('device1', 'devpass', new Uint8Array(0))).toBe(
      auth['md5(device1:devpass, nonce=empty)'],
    );
  });

  it('computes the HMAC over exact body bytes and formats/parses the header', () => {
    const body = readFileSync(resolve(VEC, 'dm_server_pkg2.nostrtbl.wbxml'));
    const mac = hmacDigest('gw.example', 'secret', NONCE16, body);
    expect(mac).toBe('PQaWg1Bc+uIte0G51i24jg==');
    expect(`x-syncml-hmac: ${formatHmacHeader({ username: 'gw.example', mac })}`).toBe(
      auth['x-syncml-hmac header'],
    );
    expect(
      parseHmacHeader('algorithm=MD5, username="funambol",mac=N8/GplzdtY/6+XUw7x7ZZA=='),
    ).toEqual({
      algorithm: 'MD5',
      username: 'funambol',
      mac: 'N8/GplzdtY/6+XUw7x7ZZA==',
    });
    expect(parseHmacHeader('username="a", mac=b')).toEqual({
      algorithm: 'MD5',
      username: 'a',
      mac: 'b',
    });
    expect(() => parseHmacHeader('algorithm=SHA1, username="a", mac=b')).toThrow(/not supported/);
    expect(() => parseHmacHeader('garbage')).toThrow(/x-syncml-hmac/);
  });
});
