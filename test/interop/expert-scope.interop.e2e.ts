/**
 * The interop suites judge only the protocol layers under test (support/tshark.ts
 * expertProblems): a TCP-level expert item, which on a live loopback capture can come from the
 * kernel alone (RST at close, D-SACK, retransmission), must not fail them, while a fault in our
 * SMPP bytes must.
 */
import { CLIENT_IP, SERVER_IP, SMPP_PORT, tcpSession } from './support/carriers';
import { buildPcap, LINKTYPE_RAW, TCP_RST, tcpSegment } from './support/pcap';
import { allExpertProblems, dissectPcap, TSHARK_TEST_TIMEOUT_MS } from './support/tshark';

jest.setTimeout(TSHARK_TEST_TIMEOUT_MS);

/** enquire_link (SMPP 3.4 §4.11.1): header only. */
const enquireLink = (seq: number, length = 16, commandId = 0x15): Buffer => {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(length, 0);
  b.writeUInt32BE(commandId, 4);
  b.writeUInt32BE(0, 8);
  b.writeUInt32BE(seq, 12);
  return b;
};

describe('expert items are judged in the layers under test only', () => {
  it('a TCP reset after a clean SMPP exchange: TCP warns, SMPP and above have nothing', async () => {
    const packets = tcpSession(46000, SMPP_PORT, [{ fromClient: true, data: enquireLink(1) }]);
    // The kernel's RST after the connection closed (as a destroyed socket sends it).
    packets.push(
      tcpSegment(
        { ip: SERVER_IP, port: SMPP_PORT },
        { ip: CLIENT_IP, port: 46000 },
        99_999,
        0,
        TCP_RST,
        new Uint8Array(0),
      ),
    );
    const d = await dissectPcap(buildPcap(packets, LINKTYPE_RAW), {
      decodeAs: [`tcp.port==${SMPP_PORT},smpp`],
    });
    // Seen from the TCP layer up there is a warning (this is what used to fail the live tests)…
    expect(allExpertProblems(d, ['tcp']).join('\n')).toMatch(/warning/);
    // …which says nothing about SMPP.
    expect(allExpertProblems(d, ['smpp'])).toEqual([]);
  });

  it('a broken SMPP PDU is still reported', async () => {
    // submit_sm whose command_length claims a body it does not have
    const packets = tcpSession(46001, SMPP_PORT, [
      { fromClient: true, data: enquireLink(2, 16, 0x04) },
    ]);
    const d = await dissectPcap(buildPcap(packets, LINKTYPE_RAW), {
      decodeAs: [`tcp.port==${SMPP_PORT},smpp`],
    });
    expect(allExpertProblems(d, ['smpp']).length).toBeGreaterThan(0);
  });
});
