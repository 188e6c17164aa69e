import { decodeProvisioningDocument, parseProvisioningXml } from '@dm-bridge/omacp';
import {
  hex,
  vectorBytes,
  vectorFile,
  vectorText,
  vectorsJson,
} from '../../../test/wap-push/vectors';
import {
  CpSigner,
  PushInputError,
  buildCpPush,
  decodeWspPush,
  previewCpPush,
  previewDmNotification,
  reassembleSms,
  verifyProvisioningMac,
} from './index';

const IMSI = '262019876543210';
const xml = vectorText('cp_bootstrap.xml');
const wbxml = vectorFile('cp_bootstrap.nostrtbl.wbxml');
const macs = vectorsJson()['cp_macs_over_cp_bootstrap.nostrtbl.wbxml'];
const goldenSegments = [1, 2, 3, 4].map((n) => hex(vectorBytes(`cp_netwpin_sms_ud_seg${n}of4`)));

describe('buildCpPush: document → WBXML → SEC/MAC → WSP → SMS (ProvBoot 1.1 §5, WAP-259 §6.5)', () => {
  it('from XML text gives the golden NETWPIN segments', () => {
    const push = buildCpPush(xml, { sec: 'NETWPIN', imsi: IMSI, concatRef: 0x42 });
    expect(hex(push.wbxml)).toBe(hex(wbxml));
    expect(push.mac).toBe(macs.NETWPIN);
    expect(hex(push.wsp)).toBe(hex(vectorBytes('cp_wsp_push_netwpin')));
    expect(push.segments.map((s) => hex(s.userData))).toEqual(goldenSegments);
  });

  it('from the model and from pre-encoded WBXML with a prebuilt signer gives the same bytes', () => {
    const fromDoc = buildCpPush(parseProvisioningXml(xml), { sec: 0, imsi: IMSI, concatRef: 0x42 });
    const fromBytes = buildCpPush(wbxml, {
      sec: 'NETWPIN',
      signer: new CpSigner({ sec: 'NETWPIN', imsi: IMSI }),
      concatRef: 0x42,
    });
    expect(fromDoc.segments.map((s) => hex(s.userData))).toEqual(goldenSegments);
    expect(fromBytes.segments.map((s) => hex(s.userData))).toEqual(goldenSegments);
  });

  it.each([
    ['USERPIN', { pin: '1234' }, 'cp_wsp_push_userpin'],
    ['USERNETWPIN', { imsi: IMSI, pin: '1234' }, 'cp_wsp_push_usernetwpin'],
  ] as const)('%s push PDU is byte-exact', (sec, material, vector) => {
    const push = buildCpPush(wbxml, { sec, ...material, concatRef: 1 });
    expect(hex(push.wsp)).toBe(hex(vectorBytes(vector)));
  });

  it('SEC NONE sends the bare content type (for contrast; handsets mostly refuse)', () => {
    expect(hex(buildCpPush(wbxml, { sec: 'NONE', concatRef: 1 }).wsp)).toBe(
      hex(vectorBytes('cp_wsp_push_nosec')),
    );
  });

  it('what the handset reassembles verifies and decodes to the exact document', () => {
    const push = buildCpPush(xml, {
      sec: 'USERNETWPIN',
      imsi: IMSI,
      pin: '1234',
      concatRef: 200,
      ref16: true,
      srcPort: 2948,
    });
    const datagram = reassembleSms(push.segments.map((s) => s.userData).reverse());
    expect(datagram.destPort).toBe(2948);
    const pdu = decodeWspPush(datagram.payload);
    const sec = pdu.contentTypeParams.find((p) => p.name === 'SEC')!.value as number;
    const mac = pdu.contentTypeParams.find((p) => p.name === 'MAC')!.value as string;
    expect(() =>
      verifyProvisioningMac(pdu.body, { sec, mac, imsi: IMSI, pin: '1234' }),
    ).not.toThrow();
    expect(decodeProvisioningDocument(pdu.body)).toEqual(parseProvisioningXml(xml));
  });

  it('rejects unusable input with typed errors', () => {
    expect(() => buildCpPush(42 as never, { sec: 'NONE' })).toThrow(PushInputError);
    expect(() => buildCpPush(wbxml, { sec: 'USERPINMAC', pin: '1234', concatRef: 1 })).toThrow(
      /USERPINMAC is not supported/,
    );
  });
});

describe('previews (every byte on the wire; secrets masked unless revealed)', () => {
  it('CP preview with reveal shows the exact golden bytes', () => {
    const p = previewCpPush(xml, { sec: 'NETWPIN', imsi: IMSI, concatRef: 0x42, reveal: true });
    expect(p.masked).toBe(false);
    expect(p.wbxmlHex).toBe(hex(wbxml));
    expect(p.wspPduHex).toBe(hex(vectorBytes('cp_wsp_push_netwpin')));
    expect(p.segments.map((s) => s.udHex)).toEqual(goldenSegments);
    expect(p.segments.map((s) => s.length)).toEqual([140, 140, 140, 27]);
    expect(p.mac).toBe(macs.NETWPIN);
    expect(p.xml).toContain('value="devpass"');
  });

  it('CP preview masks the MAC and secret parm values, octet for octet', () => {
    const p = previewCpPush(wbxml, { sec: 'USERPIN', pin: '1234', concatRef: 0x42 });
    expect(p.masked).toBe(true);
    expect(p.mac).toBe('*'.repeat(40));
    const all = JSON.stringify(p);
    for (const secret of ['devpass', 'secret', 'pass']) {
      expect(all).not.toContain(Buffer.from(`\x03${secret}\x00`).toString('hex'));
    }
    expect(all).not.toContain(Buffer.from(macs.USERPIN).toString('hex'));
    expect(p.xml).toContain('name="AUTHSECRET" value="******"');
    expect(p.wspPduHex.length).toBe(2 * 399);
    expect(p.segments.map((s) => s.udHex.length)).toEqual([280, 280, 280, 54]);
    // unmasked bytes are the real ones
    expect(p.segments[0].udhHex).toBe('0b05040b8423f000034204' + '01');
    expect(p.wspPduHex.slice(0, 18)).toBe('01062f1f2db6918192');
  });

  it('DM preview masks the digest unless revealed', () => {
    const opts = {
      sessionId: 0x1234,
      serverId: 'gw.example',
      serverPassword: 'secret',
      nonce: Uint8Array.from({ length: 16 }, (_, i) => i),
    };
    const shown = previewDmNotification({ ...opts, reveal: true });
    expect(shown.pkg0Hex).toBe(hex(vectorBytes('dm_pkg0_v11_ui0_nonce16')));
    expect(shown.segments[0].udHex).toBe(hex(vectorBytes('dm_pkg0_v11_ui0_nonce16_sms_ud')));
    expect(shown.notification).toMatchObject({
      version: 11,
      sessionIdHex: '1234',
      serverId: 'gw.example',
    });
    const masked = previewDmNotification(opts);
    expect(masked.pkg0Hex).toBe(
      '**'.repeat(16) + hex(vectorBytes('dm_pkg0_v11_ui0_nonce16')).slice(32),
    );
    expect(masked.segments[0].udHex).toBe(
      '0605040b8423f0000603c4af87' + '**'.repeat(16) + '02c800000012340a67772e6578616d706c65',
    );
    expect(JSON.stringify(masked)).not.toContain('secret');
  });
});
