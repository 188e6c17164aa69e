/**
 * WAP push over SMS over SMPP, seen by Wireshark: our submit_sm PDUs (libs/smpp encoder, fed with
 * libs/wap-push segments) in a TCP stream decoded as SMPP. Wireshark's smpp dissector (SMPP 3.4
 * §4.4.1) hands the short message / message_payload to gsm_sms_ud, which parses the UDH
 * (3GPP TS 23.040 §9.2.3.24.1 concatenation, §9.2.3.24.4 application ports), reassembles the
 * segments and passes the datagram to WSP by UDH destination port 2948, then WBXML: so one
 * capture checks SMPP fields, UDH, reassembly, WSP and the provisioning document at once.
 * node-smpp (the `smpp` package) encodes the same submit_sm as a second, independent encoder;
 * both must equal the golden PDUs in ../shared/vectors/cp_netwpin_smpp_submit_sm_*.hex.
 */
import { createHmac } from 'node:crypto';
import * as path from 'node:path';
import { buildSubmitSmFields, encodeSubmitSm, type PayloadMode } from '@dm-bridge/smpp';
import { buildCpPush, buildDmNotificationPush, type SmsSegment } from '@dm-bridge/wap-push';
import * as smpp from 'smpp';
import { SMPP_PORT, tcpSession } from './support/carriers';
import { buildPcap, LINKTYPE_RAW } from './support/pcap';
import { VECTORS, readText, vectorHex, wsHex } from './support/paths';
import {
  allExpertProblems,
  Dissection,
  dissectPcap,
  findAll,
  packetsFrom,
  PdmlNode,
  protocols,
  show,
  showAll,
  TSHARK_TEST_TIMEOUT_MS,
} from './support/tshark';
import { referenceTree } from './support/xml-reference';
import { fillTableGaps, readWbxmlView, toPlain } from './support/wbxml-view';

jest.setTimeout(TSHARK_TEST_TIMEOUT_MS);

const CP_XML = readText(path.join(VECTORS, 'cp_bootstrap.xml'));
const IMSI = '262019876543210';
const MSISDN = '491701234567';
/** The parameters of ../shared/vectors/README.txt §B (what the gateway sends by default, too). */
const BIND = {
  source: { ton: 5, npi: 0, address: 'OPERATOR' },
  destinationTon: 1,
  destinationNpi: 1,
  validityPeriod: '',
  registeredDelivery: true,
  dataCoding: 0x04,
};

function submitSms(segments: SmsSegment[], payloadMode: PayloadMode): Buffer[] {
  return segments.map((s, i) =>
    encodeSubmitSm(
      buildSubmitSmFields(
        { ...BIND, payloadMode },
        { destination: MSISDN, userData: Buffer.from(s.userData), udhi: true },
      ),
      i + 1,
    ),
  );
}

interface Scenario {
  name: string;
  port: number;
  pdus: Buffer[];
  payloadMode: PayloadMode;
  segments: SmsSegment[];
  concatRef?: number;
  ref16?: boolean;
  kind: 'cp' | 'dm';
  wbxml?: Uint8Array;
  mac?: string;
  pkg0?: Uint8Array;
}

const scenarios: Scenario[] = [];
let port = 44000;
for (const payloadMode of ['short_message', 'message_payload', 'sar'] as const) {
  for (const ref16 of [false, true]) {
    if (payloadMode === 'sar' && ref16) continue; // SAR carries a 16-bit reference anyway
    const concatRef = ref16 ? 0x1234 : 0x42;
    const push = buildCpPush(CP_XML, { sec: 'NETWPIN', imsi: IMSI, concatRef, ref16 });
    scenarios.push({
      name: `CP NETWPIN, ${payloadMode}, ${ref16 ? '16' : '8'}-bit reference`,
      port: port++,
      pdus: submitSms(push.segments, payloadMode),
      payloadMode,
      segments: push.segments,
      concatRef,
      ref16,
      kind: 'cp',
      wbxml: push.wbxml,
      mac: push.mac,
    });
  }
}
{
  const dm = buildDmNotificationPush({
    serverId: 'gw.example',
    serverPassword: 'secret',
    sessionId: 0x1234,
    uiMode: 'background',
    nonce: Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'),
  });
  scenarios.push({
    name: 'DM package #0, one SMS, short_message',
    port: port++,
    pdus: submitSms(dm.segments, 'short_message'),
    payloadMode: 'short_message',
    segments: dm.segments,
    kind: 'dm',
    pkg0: dm.pkg0,
  });
}

/** node-smpp's encoding of the same submit_sm (field names per SMPP 3.4 §4.4.1). */
function nodeSmppSubmitSm(
  userData: Buffer,
  sequence: number,
  tlvs: Record<string, unknown> = {},
  udhi = true,
): Buffer {
  const pdu = new smpp.PDU('submit_sm', {
    sequence_number: sequence,
    service_type: '',
    source_addr_ton: 5,
    source_addr_npi: 0,
    source_addr: 'OPERATOR',
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    destination_addr: MSISDN,
    esm_class: udhi ? 0x40 : 0,
    protocol_id: 0,
    priority_flag: 0,
    schedule_delivery_time: '',
    validity_period: '',
    registered_delivery: 1,
    replace_if_present_flag: 0,
    data_coding: 0x04,
    sm_default_msg_id: 0,
    short_message: userData,
    ...tlvs,
  });
  return pdu.toBuffer() as Buffer;
}

function submitPackets(d: Dissection, p: number): PdmlNode[] {
  return packetsFrom(d, p, 'smpp');
}

describe('submit_sm PDUs carrying WAP push segments, dissected by Wireshark', () => {
  let d: Dissection;

  beforeAll(async () => {
    const packets = scenarios.flatMap((s) =>
      tcpSession(
        s.port,
        SMPP_PORT,
        s.pdus.map((data) => ({ fromClient: true, data })),
      ),
    );
    d = await dissectPcap(buildPcap(packets, LINKTYPE_RAW), {
      decodeAs: [`tcp.port==${SMPP_PORT},smpp`],
    });
  });

  it('no packet is malformed and there is no expert warning or error', () => {
    expect(allExpertProblems(d, ['smpp'])).toEqual([]);
  });

  describe.each(scenarios)('$name', (s) => {
    const packets = () => submitPackets(d, s.port);

    it('one submit_sm per segment with the bind parameters we send', () => {
      const ps = packets();
      expect(ps).toHaveLength(s.segments.length);
      ps.forEach((p, i) => {
        expect(show(p, 'smpp.command_id')).toBe('0x00000004');
        expect(show(p, 'smpp.sequence_number')).toBe(String(i + 1));
        expect(show(p, 'smpp.source_addr_ton')).toBe('0x05');
        expect(show(p, 'smpp.source_addr_npi')).toBe('0x00');
        expect(show(p, 'smpp.source_addr')).toBe('OPERATOR');
        expect(show(p, 'smpp.dest_addr_ton')).toBe('0x01');
        expect(show(p, 'smpp.dest_addr_npi')).toBe('0x01');
        expect(show(p, 'smpp.destination_addr')).toBe(MSISDN);
        expect(show(p, 'smpp.esm.submit.features')).toBe(s.payloadMode === 'sar' ? '0x00' : '0x01');
        expect(show(p, 'smpp.data_coding')).toBe('0x04');
        expect(show(p, 'smpp.regdel.receipt')).toBe('0x01');
        expect(show(p, 'smpp.command_length')).toBe(String(s.pdus[i].length));
      });
    });

    it('the TP-UD reaches Wireshark unchanged, in the field the payload mode asks for', () => {
      packets().forEach((p, i) => {
        const seg = s.segments[i];
        if (s.payloadMode === 'short_message') {
          expect(show(p, 'smpp.sm_length')).toBe(String(seg.userData.length));
          expect(wsHex(show(p, 'smpp.message'))).toBe(Buffer.from(seg.userData).toString('hex'));
        } else if (s.payloadMode === 'message_payload') {
          expect(show(p, 'smpp.sm_length')).toBe('0');
          expect(wsHex(show(p, 'smpp.message_payload'))).toBe(
            Buffer.from(seg.userData).toString('hex'),
          );
        } else {
          expect(wsHex(show(p, 'smpp.message'))).toBe(Buffer.from(seg.payload).toString('hex'));
          expect(show(p, 'smpp.source_port')).toBe('0x23f0'); // 9200
          expect(show(p, 'smpp.destination_port')).toBe('0x0b84'); // 2948
          expect(show(p, 'smpp.sar_msg_ref_num')).toBe(String(s.concatRef));
          expect(show(p, 'smpp.sar_total_segments')).toBe(String(s.segments.length));
          expect(show(p, 'smpp.sar_segment_seqnum')).toBe(String(i + 1));
        }
      });
    });

    if (s.payloadMode !== 'sar') {
      it('UDH: ports 2948 <- 9200 in every segment, concatenation reference/count/number', () => {
        packets().forEach((p, i) => {
          expect(show(p, 'gsm_sms.destination_port')).toBe('2948');
          expect(show(p, 'gsm_sms.originator_port')).toBe('9200');
          const ies = showAll(p, 'gsm_sms.ie_identifier');
          if (s.segments.length === 1) {
            expect(ies).toEqual(['0x05']);
            return;
          }
          expect(ies).toEqual(['0x05', s.ref16 ? '0x08' : '0x00']);
          expect(show(p, 'gsm_sms.udh.mm.msg_id')).toBe(String(s.concatRef));
          expect(show(p, 'gsm_sms.udh.mm.msg_parts')).toBe(String(s.segments.length));
          expect(show(p, 'gsm_sms.udh.mm.msg_part')).toBe(String(i + 1));
        });
      });
    }

    it('Wireshark reassembles the segments into one WSP push', () => {
      const withWsp = packets().filter((p) => protocols(p).includes('wsp'));
      expect(withWsp).toHaveLength(1);
      const wsp = withWsp[0];
      expect(show(wsp, 'wsp.pdu_type')).toBe('0x06');
      if (s.segments.length > 1) {
        expect(findAll(wsp, 'gsm_sms_ud.fragment')).toHaveLength(s.segments.length);
        const total = s.segments.reduce((n, seg) => n + seg.payload.length, 0);
        expect(show(wsp, 'gsm_sms_ud.reassembled.length')).toBe(String(total));
      }
    });

    if (s.kind === 'cp') {
      it('the reassembled push is the signed CP document: SEC, MAC over its WBXML, same tree', () => {
        const wsp = packets().find((p) => protocols(p).includes('wbxml'))!;
        expect(show(wsp, 'wsp.header.content_type')).toBe('application/vnd.wap.connectivity-wbxml');
        expect(show(wsp, 'wsp.parameter.sec')).toBe('0x00');
        const key = vectorHex('cp_key_netwpin');
        const mac = createHmac('sha1', key).update(s.wbxml!).digest('hex').toUpperCase();
        expect(show(wsp, 'wsp.parameter.mac')).toBe(mac);
        expect(show(wsp, 'wsp.parameter.mac')).toBe(s.mac);
        const seen = fillTableGaps(toPlain(readWbxmlView(wsp).root));
        expect(seen).toEqual(referenceTree(CP_XML));
      });
    } else {
      it('the push is a SyncML DM notification for application syncml.dm', () => {
        const wsp = packets().find((p) => protocols(p).includes('wsp'))!;
        expect(show(wsp, 'wsp.header.content_type')).toBe('application/vnd.syncml.notification');
        expect(show(wsp, 'wsp.header.x_wap_application_id')).toBe('x-wap-application:syncml.dm');
      });
    }
  });
});

describe('node-smpp, libs/smpp and the golden submit_sm vectors agree', () => {
  const seg = (i: number) => vectorHex(`cp_netwpin_sms_ud_seg${i}of4`);

  it.each([1, 2, 3, 4])('segment %i: node-smpp bytes == golden PDU == libs/smpp bytes', (i) => {
    const golden = vectorHex(`cp_netwpin_smpp_submit_sm_seg${i}`).toString('hex');
    expect(nodeSmppSubmitSm(seg(i), i).toString('hex')).toBe(golden);
    const ours = encodeSubmitSm(
      buildSubmitSmFields(
        { ...BIND, payloadMode: 'short_message' },
        { destination: MSISDN, userData: seg(i), udhi: true },
      ),
      i,
    );
    expect(ours.toString('hex')).toBe(golden);
  });

  it('message_payload variant: node-smpp == golden == libs/smpp', () => {
    const golden = vectorHex('cp_netwpin_smpp_submit_sm_seg1_message_payload').toString('hex');
    expect(nodeSmppSubmitSm(Buffer.alloc(0), 1, { message_payload: seg(1) }).toString('hex')).toBe(
      golden,
    );
    const ours = encodeSubmitSm(
      buildSubmitSmFields(
        { ...BIND, payloadMode: 'message_payload' },
        { destination: MSISDN, userData: seg(1), udhi: true },
      ),
      1,
    );
    expect(ours.toString('hex')).toBe(golden);
  });

  it('SAR TLV variant: node-smpp == golden == libs/smpp', () => {
    const golden = vectorHex('cp_netwpin_smpp_submit_sm_seg1_sar_tlv').toString('hex');
    // node-smpp names TLV 0x020B `dest_port` (an unknown key such as destination_port is silently dropped)
    const tlvs = {
      source_port: 9200,
      dest_port: 2948,
      sar_msg_ref_num: 0x42,
      sar_total_segments: 4,
      sar_segment_seqnum: 1,
    };
    expect(nodeSmppSubmitSm(seg(1).subarray(12), 1, tlvs, false).toString('hex')).toBe(golden);
    const ours = encodeSubmitSm(
      buildSubmitSmFields(
        { ...BIND, payloadMode: 'sar' },
        { destination: MSISDN, userData: seg(1), udhi: true },
      ),
      1,
    );
    expect(ours.toString('hex')).toBe(golden);
  });

  it("Wireshark reads node-smpp's four PDUs as the same reassembled CP push as the golden body", async () => {
    const pdus = [1, 2, 3, 4].map((i) => nodeSmppSubmitSm(seg(i), i));
    const g = await dissectPcap(
      buildPcap(
        tcpSession(
          45000,
          SMPP_PORT,
          pdus.map((data) => ({ fromClient: true, data })),
        ),
        LINKTYPE_RAW,
      ),
      {
        decodeAs: [`tcp.port==${SMPP_PORT},smpp`],
      },
    );
    expect(allExpertProblems(g, ['smpp'])).toEqual([]);
    const wsp = g.packets.filter((p) => protocols(p).includes('wbxml'));
    expect(wsp).toHaveLength(1);
    expect(show(wsp[0], 'wsp.parameter.mac')).toBe('042362E201285017C2F66E59F5DF390D7DFBD8D3');
    expect(show(wsp[0], 'gsm_sms_ud.reassembled.length')).toBe('399');
  });
});
