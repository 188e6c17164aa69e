/**
 * The gateway's own SMS path on the wire: SmsService → BullMQ (Redis) → bind owner (libs/smpp) →
 * SMPP → simulator SMSCs, one bind per payload mode (`payload=short_message|message_payload|sar`,
 * SMPP 3.4 §4.4.1 short_message, §5.3.2.32 message_payload, §5.3.2.22-27 SAR/port TLVs), captured
 * live on loopback from before the gateway binds until after it unbinds, and dissected by
 * Wireshark (smpp → gsm_sms_ud → wsp → wbxml). For every mode Wireshark must reassemble the four
 * segments into the NETWPIN-signed CP push of ../shared/vectors/cp_bootstrap.nostrtbl.wbxml.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { startGateway } from '../../apps/gateway/src/bootstrap';
import { SmsService } from '../../apps/gateway/src/sms/sms.service';
import { OmaCpHandset } from '../../apps/simulator/src/handsets/oma-cp-handset';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import { createTestRedis, TEST_REDIS_URL } from '../support/redis';
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

const CP_WBXML = readFileSync(path.join(VECTORS, 'cp_bootstrap.nostrtbl.wbxml'));
const CP_XML = readText(path.join(VECTORS, 'cp_bootstrap.xml'));
const MODES = ['short_message', 'message_payload', 'sar'] as const;
type Mode = (typeof MODES)[number];

async function until<T>(f: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function smppPdusOn(d: Dissection, port: number): PdmlNode[] {
  const out: PdmlNode[] = [];
  for (const p of d.packets) {
    const ports = [findFirst(p, 'tcp.srcport')?.show, findFirst(p, 'tcp.dstport')?.show];
    if (!ports.includes(String(port))) continue;
    for (const c of p.children) if (c.kind === 'proto' && c.name === 'smpp') out.push(c);
  }
  return out;
}

describe('gateway SMS path per payload mode, captured on loopback and dissected by Wireshark', () => {
  const smscs = new Map<Mode, SimulatedSmsc>();
  const handsets = new Map<Mode, OmaCpHandset>();
  let d: Dissection;
  const redis = createTestRedis('interop-sms');

  beforeAll(async () => {
    for (const [i, mode] of MODES.entries()) {
      const smsc = new SimulatedSmsc({ accounts: { gw: 'pw' } });
      await smsc.start();
      const h = new OmaCpHandset({ msisdn: `49172000000${i}`, imsi: '262019876543210' });
      smsc.addHandset(h);
      smscs.set(mode, smsc);
      handsets.set(mode, h);
    }
    const ports = MODES.map((m) => smscs.get(m)!.address.port);
    const { pcap } = await captureLoopback(ports, async () => {
      const gw = await startGateway({
        env: {
          API_PORT: '0',
          DEVICE_HTTP_PORT: '0',
          HOST: '127.0.0.1',
          REDIS_URL: TEST_REDIS_URL,
          REDIS_PREFIX: redis.prefix,
          SMPP_BINDS: MODES.map(
            (m) => `${smscs.get(m)!.url('gw', 'pw')}?id=${m}&source=OPERATOR&payload=${m}`,
          ).join(' '),
          SMPP_LEASE_TTL_MS: '2000',
        },
        logger: false,
      });
      try {
        const sms = gw.app.get(SmsService);
        for (const m of MODES) {
          await sms.enqueueCpPush({
            pushId: `cp-${m}`,
            jobId: `job-${m}`,
            to: handsets.get(m)!.msisdn,
            wbxml: CP_WBXML,
            sec: 'NETWPIN',
            imsi: '262019876543210',
            bindId: m,
          });
        }
        for (const m of MODES) {
          await handsets.get(m)!.waitForDocuments(1, 60_000);
          await until(async () =>
            (await sms.status(`cp-${m}`))?.state === 'delivered' ? true : undefined,
          );
        }
      } finally {
        await gw.close();
      }
    });
    d = await dissectPcap(pcap, { decodeAs: ports.map((p) => `tcp.port==${p},smpp`) });
  }, LIVE_CAPTURE_TEST_TIMEOUT_MS);

  afterAll(async () => {
    for (const s of smscs.values()) await s.stop();
    await redis.cleanup();
  });

  it('no packet is malformed and there is no expert warning or error', () => {
    expect(allExpertProblems(d, ['smpp'])).toEqual([]);
  });

  describe.each(MODES)('payload=%s', (mode) => {
    const port = () => smscs.get(mode)!.address.port;
    const pdus = () => smppPdusOn(d, port());
    const command = (p: PdmlNode) => show(p, 'smpp.command_id');

    it('bind OK first, unbind/unbind_resp last (graceful shutdown)', () => {
      const cmds = pdus().map(command);
      expect(['0x00000002', '0x00000009']).toContain(cmds[0]);
      expect(cmds[1]).toBe(`0x8000000${cmds[0].slice(-1)}`);
      expect(show(pdus()[1], 'smpp.command_status')).toBe('0x00000000');
      expect(cmds.slice(-2)).toEqual(['0x00000006', '0x80000006']);
    });

    it('four submit_sm carrying the segments the way the mode says', () => {
      const submits = pdus().filter((p) => command(p) === '0x00000004');
      expect(submits).toHaveLength(4);
      submits.forEach((s, i) => {
        expect(show(s, 'smpp.destination_addr')).toBe(handsets.get(mode)!.msisdn);
        expect(show(s, 'smpp.source_addr')).toBe('OPERATOR');
        expect(show(s, 'smpp.data_coding')).toBe('0x04');
        expect(show(s, 'smpp.regdel.receipt')).toBe('0x01');
        if (mode === 'short_message') {
          expect(show(s, 'smpp.esm.submit.features')).toBe('0x01');
          expect(show(s, 'smpp.sm_length')).toBe(i < 3 ? '140' : '27');
        } else if (mode === 'message_payload') {
          expect(show(s, 'smpp.esm.submit.features')).toBe('0x01');
          expect(show(s, 'smpp.sm_length')).toBe('0');
          expect(findFirst(s, 'smpp.message_payload')).toBeDefined();
        } else {
          expect(show(s, 'smpp.esm.submit.features')).toBe('0x00');
          expect(show(s, 'smpp.sm_length')).toBe(i < 3 ? '128' : '15');
          expect(show(s, 'smpp.destination_port')).toBe('0x0b84');
          expect(show(s, 'smpp.sar_total_segments')).toBe('4');
        }
      });
      if (mode === 'sar') {
        expect(submits.map((s) => show(s, 'smpp.sar_segment_seqnum')).sort()).toEqual([
          '1',
          '2',
          '3',
          '4',
        ]);
        expect(new Set(submits.map((s) => show(s, 'smpp.sar_msg_ref_num'))).size).toBe(1);
      } else {
        const packets = d.packets.filter((p) =>
          smppPdusOn({ ...d, packets: [p] }, port()).some((x) => command(x) === '0x00000004'),
        );
        expect(packets.flatMap((p) => showAll(p, 'gsm_sms.udh.mm.msg_part')).sort()).toEqual([
          '1',
          '2',
          '3',
          '4',
        ]);
        expect(packets.flatMap((p) => showAll(p, 'gsm_sms.destination_port'))).toEqual([
          '2948',
          '2948',
          '2948',
          '2948',
        ]);
      }
    });

    it('Wireshark reassembles them into the NETWPIN push of the golden document', () => {
      const pushes = d.packets.filter(
        (p) =>
          protocols(p).includes('wbxml') && smppPdusOn({ ...d, packets: [p] }, port()).length > 0,
      );
      expect(pushes).toHaveLength(1);
      expect(show(pushes[0], 'wsp.parameter.sec')).toBe('0x00');
      expect(show(pushes[0], 'wsp.parameter.mac')).toBe('042362E201285017C2F66E59F5DF390D7DFBD8D3');
      expect(fillTableGaps(toPlain(readWbxmlView(pushes[0]).root))).toEqual(referenceTree(CP_XML));
    });

    it('every submit_sm answered OK and four receipts delivered and answered', () => {
      const resps = pdus().filter((p) => command(p) === '0x80000004');
      expect(resps).toHaveLength(4);
      for (const r of resps) expect(show(r, 'smpp.command_status')).toBe('0x00000000');
      expect(pdus().filter((p) => command(p) === '0x00000005')).toHaveLength(4);
      expect(pdus().filter((p) => command(p) === '0x80000005')).toHaveLength(4);
    });
  });
});
