/**
 * The real push path on the wire: `dm-bridge push cp|dm-notify --smsc …` (apps/cli on
 * libs/smpp's bind) against the simulator SMSC, captured live on loopback with a capture filter on
 * the SMSC's own ephemeral port, dissected by Wireshark's smpp → gsm_sms_ud → wsp → wbxml chain.
 * Checks the SMPP 3.4 session (bind §4.1, submit_sm §4.4, deliver_sm receipts §4.6 with
 * receipted_message_id §5.3.2.12, unbind §4.2) as an independent decoder reads it.
 */
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { run } from '../../apps/cli/src/commands/push.command';
import { OmaCpHandset } from '../../apps/simulator/src/handsets/oma-cp-handset';
import { OmaDmHandsetFront } from '../../apps/simulator/src/handsets/oma-dm-handset';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import { captureLoopback, LIVE_CAPTURE_TEST_TIMEOUT_MS } from './support/live-capture';
import { readText, VECTORS } from './support/paths';
import {
  allExpertProblems,
  Dissection,
  dissectPcap,
  findFirst,
  PdmlNode,
  protocols,
  show,
  showAll,
} from './support/tshark';
import { fillTableGaps, readWbxmlView, toPlain } from './support/wbxml-view';
import { referenceTree } from './support/xml-reference';

jest.setTimeout(LIVE_CAPTURE_TEST_TIMEOUT_MS);

const CP_FILE = path.join(VECTORS, 'cp_bootstrap.xml');
const SUBMIT_SM = '0x00000004';
const SUBMIT_SM_RESP = '0x80000004';
const DELIVER_SM = '0x00000005';
/** Judge SMPP and what it carries only: TCP analysis of the loopback (D-SACK, RST) is not ours. */
const SMPP_AND_ABOVE = ['smpp'];

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await run(argv, { stdout, stderr });
  return { code, out, err };
}

/** Every SMPP PDU in capture order (a TCP segment may carry several). */
function smppPdus(d: Dissection): PdmlNode[] {
  const out: PdmlNode[] = [];
  for (const p of d.packets) {
    const stack = [...p.children];
    while (stack.length) {
      const n = stack.shift()!;
      if (n.kind === 'proto' && n.name === 'smpp') out.push(n);
      else stack.unshift(...n.children);
    }
  }
  return out;
}
const commandOf = (pdu: PdmlNode) => show(pdu, 'smpp.command_id');

describe('dm-bridge push over SMPP, captured on loopback and dissected by Wireshark', () => {
  let smsc: SimulatedSmsc;
  beforeAll(async () => {
    smsc = new SimulatedSmsc({ accounts: { cli: 'pw-interop' } });
    await smsc.start();
  });
  afterAll(() => smsc.stop());

  it('push cp NETWPIN: bind, 4 submit_sm that reassemble to the signed document, responses, receipts, unbind', async () => {
    const handset = new OmaCpHandset({ msisdn: '491701111111', imsi: '262019876543210' });
    smsc.addHandset(handset);
    const { result, pcap } = await captureLoopback(smsc.address.port, () =>
      cli([
        'cp',
        CP_FILE,
        '--to',
        handset.msisdn,
        '--sec',
        'NETWPIN',
        '--imsi',
        '262019876543210',
        '--smsc',
        smsc.url('cli', 'pw-interop'),
        '--wait-receipt',
      ]),
    );
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const d = await dissectPcap(pcap, { decodeAs: [`tcp.port==${smsc.address.port},smpp`] });
    expect(allExpertProblems(d, SMPP_AND_ABOVE)).toEqual([]);

    const pdus = smppPdus(d);
    const commands = pdus.map(commandOf);
    // bind_transmitter 0x02 or bind_transceiver 0x09 first, with its response OK
    expect(['0x00000002', '0x00000009']).toContain(commands[0]);
    expect(show(pdus[0], 'smpp.system_id')).toBe('cli');
    const bindResp = pdus.find((p) => commandOf(p) === `0x8000000${commands[0].slice(-1)}`)!;
    expect(show(bindResp, 'smpp.command_status')).toBe('0x00000000');

    const submits = pdus.filter((p) => commandOf(p) === SUBMIT_SM);
    expect(submits).toHaveLength(4);
    submits.forEach((s, i) => {
      expect(show(s, 'smpp.destination_addr')).toBe(handset.msisdn);
      expect(show(s, 'smpp.esm.submit.features')).toBe('0x01'); // UDHI
      expect(show(s, 'smpp.data_coding')).toBe('0x04');
      expect(show(s, 'smpp.regdel.receipt')).toBe('0x01');
      expect(show(s, 'smpp.sm_length')).toBe(i < 3 ? '140' : '27');
    });
    const seqs = submits.map((s) => show(s, 'smpp.sequence_number'));
    expect(new Set(seqs).size).toBe(4);

    // UDH of the four segments and Wireshark's reassembly into the signed CP push
    const packetsWithSubmit = d.packets.filter((p) =>
      showAll(p, 'smpp.command_id').includes(SUBMIT_SM),
    );
    const refs = new Set(packetsWithSubmit.flatMap((p) => showAll(p, 'gsm_sms.udh.mm.msg_id')));
    expect(refs.size).toBe(1);
    expect(packetsWithSubmit.flatMap((p) => showAll(p, 'gsm_sms.udh.mm.msg_part')).sort()).toEqual([
      '1',
      '2',
      '3',
      '4',
    ]);
    expect(packetsWithSubmit.flatMap((p) => showAll(p, 'gsm_sms.destination_port'))).toEqual([
      '2948',
      '2948',
      '2948',
      '2948',
    ]);
    const pushes = d.packets.filter((p) => protocols(p).includes('wbxml'));
    expect(pushes).toHaveLength(1);
    expect(show(pushes[0], 'wsp.header.content_type')).toBe(
      'application/vnd.wap.connectivity-wbxml',
    );
    expect(show(pushes[0], 'wsp.parameter.sec')).toBe('0x00');
    expect(show(pushes[0], 'wsp.parameter.mac')).toBe('042362E201285017C2F66E59F5DF390D7DFBD8D3');
    expect(fillTableGaps(toPlain(readWbxmlView(pushes[0]).root))).toEqual(
      referenceTree(readText(CP_FILE)),
    );

    // every submit_sm answered OK, each receipt names one of those message ids
    const resps = pdus.filter((p) => commandOf(p) === SUBMIT_SM_RESP);
    expect(resps.map((r) => show(r, 'smpp.sequence_number')).sort()).toEqual([...seqs].sort());
    for (const r of resps) expect(show(r, 'smpp.command_status')).toBe('0x00000000');
    const ids = resps.map((r) => show(r, 'smpp.message_id'));
    const receipts = pdus.filter((p) => commandOf(p) === DELIVER_SM);
    expect(receipts).toHaveLength(4);
    for (const r of receipts) {
      expect(show(r, 'smpp.esm.submit.msg_type')).toBe('0x01'); // SMSC delivery receipt
      const id =
        findFirst(r, 'smpp.receipted_message_id')?.show ??
        /id:(\S+)/.exec(show(r, 'smpp.message_text'))?.[1];
      expect(ids).toContain(id);
    }
    expect(pdus.filter((p) => commandOf(p) === '0x80000005')).toHaveLength(4); // deliver_sm_resp
    // graceful unbind at the end
    expect(commands.slice(-2)).toEqual(['0x00000006', '0x80000006']);
    expect(handset.documents[0].mac).toBe('042362E201285017C2F66E59F5DF390D7DFBD8D3');
  });

  it('push dm-notify: one submit_sm, ports only, WSP push for syncml.dm with package #0', async () => {
    const handset = new OmaDmHandsetFront({
      msisdn: '491702222222',
      serverId: 'gw.example',
      serverPassword: 'secret',
      nonce: new Uint8Array(Buffer.from('AAECAwQFBgcICQoLDA0ODw==', 'base64')),
    });
    smsc.addHandset(handset);
    const { result, pcap } = await captureLoopback(smsc.address.port, () =>
      cli([
        'dm-notify',
        '--to',
        handset.msisdn,
        '--server-id',
        'gw.example',
        '--server-password',
        'secret',
        '--nonce',
        'AAECAwQFBgcICQoLDA0ODw==',
        '--session-id',
        '1234',
        '--smsc',
        smsc.url('cli', 'pw-interop'),
      ]),
    );
    expect(result.code).toBe(0);
    const d = await dissectPcap(pcap, { decodeAs: [`tcp.port==${smsc.address.port},smpp`] });
    expect(allExpertProblems(d, SMPP_AND_ABOVE)).toEqual([]);
    const submits = smppPdus(d).filter((p) => commandOf(p) === SUBMIT_SM);
    expect(submits).toHaveLength(1);
    const packet = d.packets.find((p) => protocols(p).includes('wsp'))!;
    expect(showAll(packet, 'gsm_sms.ie_identifier')).toEqual(['0x05']);
    expect(show(packet, 'gsm_sms.destination_port')).toBe('2948');
    expect(show(packet, 'wsp.header.content_type')).toBe('application/vnd.syncml.notification');
    expect(show(packet, 'wsp.header.x_wap_application_id')).toBe('x-wap-application:syncml.dm');
    const [n] = await handset.waitForNotifications(1, 30_000);
    expect(n.sessionIdHex).toBe('1234');
  });
});
