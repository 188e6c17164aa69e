/**
 * The simulator SMSC (apps/simulator/src/smsc) rebuilds the TP-UD a handset receives from a
 * submit_sm that used SAR TLVs (SMPP 3.4 §5.3.2.22-27 source_port 0x020A, destination_port
 * 0x020B, sar_*). The PDU is decoded by node-smpp, as the simulator does; the rebuilt TP-UD must be
 * the golden segment ../shared/vectors/cp_netwpin_sms_ud_seg1of4.hex, and Wireshark must route the
 * result to WSP by its UDH destination port 2948.
 */
import * as smpp from 'smpp';
import { readSubmit } from '../../apps/simulator/src/smsc/smsc-submit';
import { SMPP_PORT, tcpSession } from './support/carriers';
import { buildPcap, LINKTYPE_RAW } from './support/pcap';
import { vectorHex } from './support/paths';
import { dissectPcap, findFirst, show, TSHARK_TEST_TIMEOUT_MS } from './support/tshark';

jest.setTimeout(TSHARK_TEST_TIMEOUT_MS);

describe('simulator SMSC: SAR-TLV submit_sm rebuilt into the TP-UD a handset gets', () => {
  const decoded = smpp.PDU.fromBuffer(vectorHex('cp_netwpin_smpp_submit_sm_seg1_sar_tlv'));

  it('node-smpp decodes TLV 0x020B as `dest_port` (not `destination_port`)', () => {
    expect(decoded.dest_port).toBe(2948);
    expect(decoded.source_port).toBe(9200);
    expect(decoded.destination_port).toBeUndefined();
  });

  it('the rebuilt TP-UD equals the golden SMS segment 1 of 4 (UDH ports 2948 <- 9200)', async () => {
    const got = readSubmit('esme', decoded);
    expect(got.route).toBe('sar');
    expect(got.userData.toString('hex')).toBe(
      vectorHex('cp_netwpin_sms_ud_seg1of4').toString('hex'),
    );

    // and as an independent decoder sees it, delivered in a short_message with UDHI
    const pdu = new smpp.PDU('deliver_sm', {
      sequence_number: 1,
      source_addr: 'OPERATOR',
      destination_addr: '491701234567',
      esm_class: 0x40,
      data_coding: 0x04,
      short_message: got.userData,
    }).toBuffer();
    const d = await dissectPcap(
      buildPcap(tcpSession(46000, SMPP_PORT, [{ fromClient: true, data: pdu }]), LINKTYPE_RAW),
      { decodeAs: [`tcp.port==${SMPP_PORT},smpp`] },
    );
    const p = d.packets.find((x) => findFirst(x, 'smpp.command_id')?.show === '0x00000005');
    expect(p).toBeDefined();
    expect(show(p!, 'gsm_sms.destination_port')).toBe('2948');
    expect(show(p!, 'gsm_sms.originator_port')).toBe('9200');
  });
});
