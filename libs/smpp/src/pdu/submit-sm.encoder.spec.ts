import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BIND_DEFAULTS } from '../config/bind-config';
import { buildSubmitSmFields } from './submit-sm.builder';
import { encodeSubmitSm } from './submit-sm.encoder';
import { parseUdh } from './sms-message';

const VECTORS = resolve(__dirname, '../../../../../shared/vectors');
const hex = (name: string): Buffer =>
  Buffer.from(readFileSync(resolve(VECTORS, name), 'utf8').trim(), 'hex');

// The bind settings the vectors were made with (vectors/README.txt §B).
const cfg = {
  ...BIND_DEFAULTS,
  source: { ton: 5, npi: 0, address: 'OPERATOR' },
  destinationTon: 1,
  destinationNpi: 1,
  validityPeriod: '',
  registeredDelivery: true,
  dataCoding: 0x04,
};

describe('submit_sm encoding (SMPP 3.4 §4.4.1) against ../shared/vectors', () => {
  for (const seg of [1, 2, 3, 4]) {
    it(`segment ${seg}/4 of the NETWPIN CP push, UDH in short_message`, () => {
      const ud = hex(`cp_netwpin_sms_ud_seg${seg}of4.hex`);
      const pdu = encodeSubmitSm(
        buildSubmitSmFields(
          { ...cfg, payloadMode: 'short_message' },
          { destination: '491701234567', userData: ud, udhi: true },
        ),
        seg,
      );
      expect(pdu.toString('hex')).toBe(
        hex(`cp_netwpin_smpp_submit_sm_seg${seg}.hex`).toString('hex'),
      );
    });
  }

  it('segment 1 in the message_payload TLV 0x0424 with sm_length 0', () => {
    const ud = hex('cp_netwpin_sms_ud_seg1of4.hex');
    const pdu = encodeSubmitSm(
      buildSubmitSmFields(
        { ...cfg, payloadMode: 'message_payload' },
        { destination: '491701234567', userData: ud, udhi: true },
      ),
      1,
    );
    expect(pdu.toString('hex')).toBe(
      hex('cp_netwpin_smpp_submit_sm_seg1_message_payload.hex').toString('hex'),
    );
  });

  it('segment 1 as SAR TLVs: UDH stripped, esm_class 0, ports and sar_* TLVs (§5.3.2.22-27)', () => {
    const ud = hex('cp_netwpin_sms_ud_seg1of4.hex');
    const pdu = encodeSubmitSm(
      buildSubmitSmFields(
        { ...cfg, payloadMode: 'sar' },
        { destination: '491701234567', userData: ud, udhi: true },
      ),
      1,
    );
    expect(pdu.toString('hex')).toBe(
      hex('cp_netwpin_smpp_submit_sm_seg1_sar_tlv.hex').toString('hex'),
    );
  });

  it('refuses a short_message over 254 octets with a typed error', () => {
    expect(() =>
      encodeSubmitSm(
        buildSubmitSmFields(cfg, { destination: '1', userData: Buffer.alloc(255), udhi: false }),
        1,
      ),
    ).toThrow(/message_payload/);
  });

  it('reads the UDH of the vectors (ports 2948/9200, 8-bit ref 0x42, 4 segments)', () => {
    const u = parseUdh(hex('cp_netwpin_sms_ud_seg2of4.hex'));
    expect(u).toMatchObject({
      destinationPort: 2948,
      sourcePort: 9200,
      concat: { reference: 0x42, total: 4, sequence: 2 },
    });
    expect(u.payload.length).toBe(128);
  });
});
