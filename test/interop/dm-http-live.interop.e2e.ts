/**
 * A real OMA DM session between the in-process gateway (apps/gateway/src/dm, state in the local
 * Redis) and the simulated handset, captured live on loopback with a capture filter on the
 * gateway's own ephemeral device port, then dissected by Wireshark as HTTP (OMA DM 1.2 HTTP
 * binding, OMA-TS-DM_HTTPBinding: POST, application/vnd.syncml.dm+wbxml / +xml both ways).
 * For WBXML, every body Wireshark extracts must render (Wireshark's SyncML 1.2 tables) as the same
 * tree our decoder reads from those bytes; SessionID/MsgID/RespURI/Final are checked on
 * Wireshark's rendering.
 */
import { decodeWbxml, XmlElement } from '@dm-bridge/wbxml';
import { startDmGateway, type DmGateway } from '../dm/support/gateway';
import { provisionedHandset } from '../dm/support/provisioned-handset';
import { captureLoopback, LIVE_CAPTURE_TEST_TIMEOUT_MS } from './support/live-capture';
import { referenceTree } from './support/xml-reference';
import { readXmlView } from './support/xml-view';
import {
  allExpertProblems,
  dissectPcap,
  findFirst,
  PdmlNode,
  protocols,
  show,
} from './support/tshark';
import { PlainElement, PlainNode, readWbxmlView, toPlain } from './support/wbxml-view';

jest.setTimeout(LIVE_CAPTURE_TEST_TIMEOUT_MS);

let g: DmGateway;
let seq = 0;

// A gateway per test: the handset's HTTP agent keeps connections alive, and a connection whose
// start was not captured would make Wireshark (rightly) warn about missing segments.
beforeEach(async () => {
  g = await startDmGateway();
});
afterEach(async () => {
  await g?.close();
});

function ourTree(el: XmlElement): PlainElement {
  const children: PlainNode[] = [];
  for (const c of el.children) {
    const last = children[children.length - 1];
    if (c.kind === 'text') {
      if (typeof last === 'string') children[children.length - 1] = last + c.text;
      else children.push(c.text);
    } else if (c.kind === 'opaque') children.push({ opaque: Buffer.from(c.data).toString('hex') });
    else if (c.kind === 'element') children.push(ourTree(c));
    else throw new Error(`unexpected ${c.kind} node in a DM message`);
  }
  // xmlns is implied by the code page in WBXML; our decoder adds it back, Wireshark does not show it
  const attributes = el.attributes.filter(
    (a) => a.name !== 'xmlns' && !a.name.startsWith('xmlns:'),
  );
  return {
    name: el.name,
    attributes: Object.fromEntries(attributes.map((a) => [a.name, a.value])),
    children,
  };
}

function wiresharkTree(el: PlainElement): PlainElement {
  const children: PlainNode[] = [];
  for (const c of el.children) {
    const last = children[children.length - 1];
    if (typeof c === 'string' && typeof last === 'string') children[children.length - 1] = last + c;
    else children.push(typeof c === 'string' || 'opaque' in c ? c : wiresharkTree(c));
  }
  return { ...el, children };
}

function child(el: PlainElement, ...names: string[]): PlainElement | undefined {
  let cur: PlainElement | undefined = el;
  for (const n of names) {
    cur = cur?.children.find(
      (c): c is PlainElement => typeof c === 'object' && 'name' in c && c.name === n,
    );
  }
  return cur;
}
const bodyOf = (p: PdmlNode): Buffer => Buffer.from(findFirst(p, 'http.file_data')!.value!, 'hex');
const text = (el: PlainElement | undefined): string | undefined =>
  el?.children.filter((c): c is string => typeof c === 'string').join('');

async function runCapturedSession(encoding: 'wbxml' | 'xml'): Promise<{
  messages: PdmlNode[];
  all: PdmlNode[];
  port: number;
  command: string;
  problems: string[];
}> {
  const devId = `IMEI:36${String(++seq).padStart(13, '0')}`;
  await g.source.enqueue(
    devId,
    { id: 'g1', command: { kind: 'Get', items: [{ target: { locURI: './DevInfo/Mod' } }] } },
    {
      id: 'r1',
      command: {
        kind: 'Replace',
        items: [
          {
            target: { locURI: './Vendor/dmbridge/sip/Registrar' },
            meta: { format: 'chr', type: 'text/plain' },
            data: 'sip2.example.net',
          },
        ],
      },
    },
  );
  const handset = await provisionedHandset(g, devId, { encoding });
  const port = Number(new URL(g.dmUrl).port);
  const { result, pcap } = await captureLoopback(port, () => handset.runSession());
  expect(result).toMatchObject({ ended: 'completed', authenticated: true });
  // Wireshark maps no dissector to application/vnd.syncml.dm+xml by itself: hand it to XML
  const d = await dissectPcap(pcap, {
    decodeAs: [`tcp.port==${port},http`, 'media_type==application/vnd.syncml.dm+xml,xml'],
  });
  // Only the connections that carried this session: the tail of an earlier test's keep-alive
  // connection to the same port (closing while we capture) is not ours to judge.
  const streamOf = (p: PdmlNode) => findFirst(p, 'tcp.stream')?.show;
  const messages = d.packets.filter((p) => protocols(p).includes('http'));
  const streams = new Set(messages.map(streamOf));
  const ours = { ...d, packets: d.packets.filter((p) => streams.has(streamOf(p))) };
  return {
    all: ours.packets,
    messages,
    port,
    command: d.command,
    problems: allExpertProblems(ours, ['http']),
  };
}

describe('OMA DM session over HTTP captured on loopback and dissected by Wireshark', () => {
  it('WBXML: every request and reply is SyncML DM 1.2 WBXML that Wireshark renders as our decoder reads it', async () => {
    const { messages, problems } = await runCapturedSession('wbxml');
    expect(problems).toEqual([]);
    const requests = messages.filter((p) => findFirst(p, 'http.request.method'));
    const replies = messages.filter((p) => findFirst(p, 'http.response.code'));
    expect(requests.length).toBeGreaterThanOrEqual(2);
    expect(replies).toHaveLength(requests.length);

    const sessionIds = new Set<string>();
    requests.forEach((p, i) => {
      expect(show(p, 'http.request.method')).toBe('POST');
      expect(show(p, 'http.content_type')).toBe('application/vnd.syncml.dm+wbxml');
      const view = readWbxmlView(p);
      expect(view.publicId).toBe('-//SYNCML//DTD SyncML 1.2//EN');
      const root = wiresharkTree(toPlain(view.root));
      expect(root).toEqual(ourTree(decodeWbxml(bodyOf(p)).root));
      expect(text(child(root, 'SyncHdr', 'VerDTD'))).toBe('1.2');
      expect(text(child(root, 'SyncHdr', 'VerProto'))).toBe('DM/1.2');
      expect(text(child(root, 'SyncHdr', 'MsgID'))).toBe(String(i + 1));
      sessionIds.add(text(child(root, 'SyncHdr', 'SessionID'))!);
    });
    replies.forEach((p) => {
      expect(show(p, 'http.response.code')).toBe('200');
      expect(show(p, 'http.content_type')).toBe('application/vnd.syncml.dm+wbxml');
      const root = wiresharkTree(toPlain(readWbxmlView(p).root));
      expect(root).toEqual(ourTree(decodeWbxml(bodyOf(p)).root));
      sessionIds.add(text(child(root, 'SyncHdr', 'SessionID'))!);
      expect(text(child(root, 'SyncHdr', 'RespURI'))).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dm/);
    });
    expect(sessionIds.size).toBe(1);
    // the gateway's first reply asks for operations: Get and Replace reach the handset
    const firstReply = wiresharkTree(toPlain(readWbxmlView(replies[0]).root));
    const commands = child(firstReply, 'SyncBody')!.children.map((c) =>
      typeof c === 'object' && 'name' in c ? c.name : '',
    );
    expect(commands).toEqual(expect.arrayContaining(['Status', 'Get', 'Replace', 'Final']));
  });

  it('XML: every request and reply is SyncML DM 1.2 XML that Wireshark parses as fast-xml-parser does', async () => {
    const { messages, problems } = await runCapturedSession('xml');
    expect(problems).toEqual([]);
    const requests = messages.filter((p) => findFirst(p, 'http.request.method'));
    const replies = messages.filter((p) => findFirst(p, 'http.response.code'));
    expect(requests.length).toBeGreaterThanOrEqual(2);
    expect(replies).toHaveLength(requests.length);
    const sessionIds = new Set<string>();
    requests.forEach((p, i) => {
      expect(show(p, 'http.request.method')).toBe('POST');
      const root = readXmlView(p);
      expect(root).toEqual(referenceTree(bodyOf(p).toString('utf8')));
      expect(root.name).toBe('SyncML');
      expect(text(child(root, 'SyncHdr', 'VerDTD'))).toBe('1.2');
      expect(text(child(root, 'SyncHdr', 'VerProto'))).toBe('DM/1.2');
      expect(text(child(root, 'SyncHdr', 'MsgID'))).toBe(String(i + 1));
      sessionIds.add(text(child(root, 'SyncHdr', 'SessionID'))!);
    });
    replies.forEach((p) => {
      expect(show(p, 'http.response.code')).toBe('200');
      const root = readXmlView(p);
      expect(root).toEqual(referenceTree(bodyOf(p).toString('utf8')));
      sessionIds.add(text(child(root, 'SyncHdr', 'SessionID'))!);
      expect(text(child(root, 'SyncHdr', 'RespURI'))).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dm/);
    });
    for (const p of [...requests, ...replies]) {
      expect(show(p, 'http.content_type')).toMatch(/^application\/vnd\.syncml\.dm\+xml/);
    }
    expect(sessionIds.size).toBe(1);
  });
});
