/**
 * Ways to hand bytes to Wireshark the way they travel: an HTTP POST (SyncML DM over HTTP), a WSP
 * connectionless push in a UDP datagram to port 2948 (WAP-259 WDP over IP), SMPP PDUs over TCP.
 */
import { Endpoint, TcpMessage, tcpConversation, udpDatagram } from './pcap';

export const CLIENT_IP = '10.1.0.1';
export const SERVER_IP = '10.1.0.2';
/** The device HTTP listener's default port (ARCHITECTURE listener table); decoded as HTTP. */
export const DM_HTTP_PORT = 8081;
/** SMPP's IANA port; our tests decode it as smpp explicitly anyway. */
export const SMPP_PORT = 2775;

/**
 * The lowest protocol layers under test for a carrier (tshark.ts expertProblems): HTTP, WSP or
 * SMPP and what they carry. TCP/UDP/IP analysis is not ours to judge.
 */
export const CARRIER_LAYERS = ['http', 'wsp', 'smpp'] as const;

export function httpPost(
  path: string,
  contentType: string,
  body: Uint8Array,
  extraHeaders: string[] = [],
): Buffer {
  const head = [
    `POST ${path} HTTP/1.1`,
    'Host: dm.example',
    `Content-Type: ${contentType}`,
    `Content-Length: ${body.length}`,
    ...extraHeaders,
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]);
}

export function httpResponse(
  status: number,
  contentType: string | undefined,
  body: Uint8Array,
): Buffer {
  const head = [
    `HTTP/1.1 ${status} ${status === 200 ? 'OK' : 'Status'}`,
    ...(contentType ? [`Content-Type: ${contentType}`] : []),
    `Content-Length: ${body.length}`,
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]);
}

/** One TCP connection from CLIENT_IP:clientPort to SERVER_IP:serverPort carrying `messages`. */
export function tcpSession(
  clientPort: number,
  serverPort: number,
  messages: TcpMessage[],
  mss = 536,
): Buffer[] {
  const client: Endpoint = { ip: CLIENT_IP, port: clientPort };
  const server: Endpoint = { ip: SERVER_IP, port: serverPort };
  return tcpConversation(client, server, messages, mss);
}

/** A WSP connectionless PDU as WDP over UDP: source `srcPort`, destination 2948 (push). */
export function wspOverUdp(srcPort: number, wsp: Uint8Array, dstPort = 2948): Buffer {
  return udpDatagram({ ip: SERVER_IP, port: srcPort }, { ip: CLIENT_IP, port: dstPort }, wsp);
}
