import fc from 'fast-check';
import { hex, vectorBytes, vectorFile, vectorsJson } from '../../../test/wap-push/vectors';
import {
  WspPduError,
  decodeWspPush,
  encodeUintvar,
  encodeWspPush,
  cpSecurityParams,
  type WspPushInput,
} from './index';

const body = vectorFile('cp_bootstrap.nostrtbl.wbxml');
const macs = vectorsJson()['cp_macs_over_cp_bootstrap.nostrtbl.wbxml'];

describe('WSP uintvar (WAP-230 §8.1.2; vectors README §E)', () => {
  it.each(Object.entries(vectorsJson().uintvar_examples as Record<string, string>))(
    '%s encodes as %s',
    (value, expected) => {
      expect(hex(encodeUintvar(Number(value)))).toBe(expected);
    },
  );
});

describe('WSP connectionless push PDU (WAP-230 §8.2.4.1, §8.4.2.24; digest §6.2)', () => {
  it.each([
    ['NETWPIN', 0, 'cp_wsp_push_netwpin'],
    ['USERPIN', 1, 'cp_wsp_push_userpin'],
    ['USERNETWPIN', 2, 'cp_wsp_push_usernetwpin'],
  ])('CP %s push with SEC/MAC is byte-exact (Length-quote 1F 2D)', (name, sec, vector) => {
    const pdu = encodeWspPush({
      tid: 1,
      contentType: 'application/vnd.wap.connectivity-wbxml',
      contentTypeParams: cpSecurityParams(sec, macs[name]),
      body,
    });
    expect(hex(pdu)).toBe(hex(vectorBytes(vector)));
  });

  it('CP push without SEC uses the bare short-integer B6', () => {
    const pdu = encodeWspPush({ tid: 1, contentType: 0x36, body });
    expect(hex(pdu)).toBe(hex(vectorBytes('cp_wsp_push_nosec')));
  });

  it('DM notification header is 03 C4 AF 87 (DM Notification §7.1)', () => {
    const pkg0 = vectorBytes('dm_pkg0_v11_ui0_nonce16');
    const pdu = encodeWspPush({
      tid: 0,
      contentType: 'application/vnd.syncml.notification',
      applicationId: 'x-wap-application:syncml.dm',
      body: pkg0,
    });
    expect(hex(pdu)).toBe(hex(vectorBytes('dm_pkg0_v11_ui0_nonce16_wsp_push')));
  });

  it('decodes the NETWPIN vector into content type, SEC, MAC and the exact body', () => {
    const d = decodeWspPush(vectorBytes('cp_wsp_push_netwpin'));
    expect(d.tid).toBe(1);
    expect(d.pduType).toBe(6);
    expect(d.headersLength).toBe(47);
    expect(d.contentType).toBe('application/vnd.wap.connectivity-wbxml');
    expect(d.contentTypeParams.map((p) => [p.name, p.value])).toEqual([
      ['SEC', 0],
      ['MAC', macs.NETWPIN],
    ]);
    expect(hex(d.body)).toBe(hex(body));
  });

  it('decodes the DM vector application id 7', () => {
    const d = decodeWspPush(vectorBytes('dm_pkg0_v12_ui0_empty_wsp_push'));
    expect(d.contentType).toBe('application/vnd.syncml.notification');
    expect(d.applicationId).toBe(7);
    expect(hex(d.body)).toBe(hex(vectorBytes('dm_pkg0_v12_ui0_empty')));
  });

  it('passes other headers through, text and well-known, and re-encodes them', () => {
    const input: WspPushInput = {
      tid: 9,
      contentType: 'application/x-custom',
      contentTypeParams: [
        { name: 'profile', value: 'a b' },
        { name: 'Charset', value: 'utf-8' },
      ],
      applicationId: 4,
      headers: [
        { name: 'X-Vendor', value: 'hello' },
        { name: 'Push-Flag', value: 2 },
        { name: 'Content-Location', value: 'http://example.com/x' },
      ],
      body: Uint8Array.of(1, 2, 3),
    };
    const pdu = encodeWspPush(input);
    const d = decodeWspPush(pdu);
    expect(d.contentType).toBe('application/x-custom');
    expect(d.contentTypeParams).toEqual([
      { name: 'profile', value: 'a b' },
      { name: 'Charset', code: 1, value: 106 },
    ]);
    expect(d.applicationId).toBe(4);
    expect(d.headers.map((h) => [h.name, h.value])).toEqual([
      ['X-Vendor', 'hello'],
      ['Push-Flag', 2],
      ['Content-Location', 'http://example.com/x'],
    ]);
    expect(hex(encodeWspPush(d))).toBe(hex(pdu));
  });

  it('round-trips arbitrary pushes (property)', () => {
    const text = fc.stringMatching(/^[a-z][a-z0-9.+-]{0,40}$/);
    const param = fc.oneof(
      fc.record({ name: fc.constant('SEC'), value: fc.integer({ min: 0, max: 127 }) }),
      fc.record({ name: fc.constant('MAC'), value: fc.stringMatching(/^[0-9A-F]{40}$/) }),
      fc.record({ name: fc.stringMatching(/^x-[a-z]{1,8}$/), value: text }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.oneof(
          fc.constantFrom(0x36, 0x44, 0x42, 0x2e),
          text.map((t) => `application/${t}`),
        ),
        fc.array(param, { maxLength: 4 }),
        fc.option(fc.integer({ min: 0, max: 0x7fff }), { nil: undefined }),
        fc.uint8Array({ maxLength: 600 }),
        fc.array(
          fc.oneof(
            fc.record({ name: fc.stringMatching(/^X-[A-Za-z]{1,10}$/), value: text }),
            fc.record({ name: fc.constant('Push-Flag'), value: fc.integer({ min: 0, max: 127 }) }),
          ),
          { maxLength: 3 },
        ),
        (tid, contentType, params, appId, payload, headers) => {
          const pdu = encodeWspPush({
            tid,
            contentType,
            contentTypeParams: params,
            applicationId: appId,
            headers,
            body: payload,
          });
          const d = decodeWspPush(pdu);
          expect(d.tid).toBe(tid);
          expect(d.applicationId).toBe(appId);
          expect(d.contentTypeParams.map((p) => p.value)).toEqual(params.map((p) => p.value));
          expect(hex(d.body)).toBe(hex(payload));
          expect(d.headers.map((h) => [h.name, h.value])).toEqual(
            headers.map((h) => [h.name, h.value]),
          );
          expect(hex(encodeWspPush(d))).toBe(hex(pdu));
        },
      ),
    );
  });

  describe('bad input gives WspPduError', () => {
    const good = vectorBytes('cp_wsp_push_netwpin');
    it.each([
      ['empty', new Uint8Array(0), 'WSP_TRUNCATED'],
      ['TID only', good.slice(0, 1), 'WSP_TRUNCATED'],
      ['headers cut short', good.slice(0, 20), 'WSP_TRUNCATED'],
      ['not a push PDU', Uint8Array.of(1, 0x04, 1, 0xb6), 'WSP_INVALID'],
      ['content-type length past headers', Uint8Array.of(1, 6, 2, 0x1f, 0x2d), 'WSP_TRUNCATED'],
      ['unterminated MAC', Uint8Array.of(1, 6, 5, 0x04, 0xb6, 0x92, 0x41, 0x42), 'WSP_TRUNCATED'],
      ['overlong uintvar', Uint8Array.of(1, 6, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), 'WSP_INVALID'],
    ])('%s', (_name, bytes, code) => {
      let err: unknown;
      try {
        decodeWspPush(bytes);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(WspPduError);
      expect((err as WspPduError).code).toBe(code);
    });

    it('rejects unencodable values on encode', () => {
      expect(() => encodeWspPush({ tid: 256, contentType: 0x36, body })).toThrow(WspPduError);
      expect(() => encodeWspPush({ contentType: '\x01x', body })).toThrow(/control character/);
      expect(() => encodeWspPush({ contentType: 'a\u0000b', body })).toThrow(/NUL/);
      expect(() =>
        encodeWspPush({
          contentType: 0x36,
          contentTypeParams: [{ name: 'SEC', value: 'x' }],
          body,
        }),
      ).toThrow(/SEC must be/);
    });
  });
});

describe('WSP value forms beyond the push vectors (WAP-230 §8.4.2.1–8.4.2.3)', () => {
  it('sends content-type codes ≥ 128 and application ids ≥ 128 as Long-integer', () => {
    const pdu = encodeWspPush({
      tid: 0,
      contentType: 0x0201,
      applicationId: 0x9000,
      body: new Uint8Array(0),
    });
    expect(hex(pdu)).toBe('0006' + '08' + '03' + '020201' + 'af' + '029000');
    const d = decodeWspPush(pdu);
    expect(d.contentType).toBe(0x0201);
    expect(d.applicationId).toBe(0x9000);
  });

  it('quotes text whose first octet is ≥ 128 and keeps length-prefixed header values raw', () => {
    const pdu = encodeWspPush({
      contentType: 'ä/x',
      headers: [{ name: 'Date', code: 0x12, raw: Uint8Array.of(0x04, 0x5f, 0x00, 0x00, 0x00) }],
      body: Uint8Array.of(9),
    });
    expect(pdu[3]).toBe(0x7f);
    const d = decodeWspPush(pdu);
    expect(d.contentType).toBe('ä/x');
    expect(d.headers).toEqual([
      { name: 'Date', code: 0x12, raw: Uint8Array.of(0x04, 0x5f, 0, 0, 0) },
    ]);
    expect(hex(encodeWspPush(d))).toBe(hex(pdu));
  });

  it('uses a short Value-length below 31 octets (Length-quote: see the CP vectors above)', () => {
    const short = encodeWspPush({
      contentType: 0x36,
      contentTypeParams: [{ name: 'SEC', value: 1 }],
      body: new Uint8Array(0),
    });
    expect(hex(short)).toBe('0006' + '04' + '03b69181');
  });
});
