/**
 * Minimal libpcap writer for the interop tests: we hand our own bytes to Wireshark as if they had
 * been captured, so tests stay fast (no live capture) and deterministic.
 * Format: https://wiki.wireshark.org/Development/LibpcapFileFormat (classic pcap, microseconds).
 */

/** LINKTYPE_RAW: each record starts with an IPv4 header (no link layer). */
export const LINKTYPE_RAW = 101;
/** LINKTYPE_USER0: payload handed to whatever dissector the `user_dlts` preference names. */
export const LINKTYPE_USER0 = 147;

export interface PcapRecord {
  data: Uint8Array;
  /** Seconds since the epoch; defaults to a fixed base + record index (deterministic files). */
  time?: number;
}

export function buildPcap(records: Array<Uint8Array | PcapRecord>, linkType: number): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16); // snaplen
  header.writeUInt32LE(linkType, 20);
  const parts: Buffer[] = [header];
  records.forEach((r, i) => {
    const rec = r instanceof Uint8Array ? { data: r } : r;
    const time = rec.time ?? 1_700_000_000 + i;
    const h = Buffer.alloc(16);
    h.writeUInt32LE(Math.floor(time), 0);
    h.writeUInt32LE(Math.round((time % 1) * 1e6), 4);
    h.writeUInt32LE(rec.data.length, 8);
    h.writeUInt32LE(rec.data.length, 12);
    parts.push(h, Buffer.from(rec.data));
  });
  return Buffer.concat(parts);
}

export interface Endpoint {
  /** Dotted IPv4 address. */
  ip: string;
  port: number;
}

function ipv4(addr: string): Buffer {
  const parts = addr.split('.').map(Number);
  if (parts.length !== 4 || parts.some((n) => !(n >= 0 && n <= 255))) {
    throw new Error(`not an IPv4 address: ${addr}`);
  }
  return Buffer.from(parts);
}

function onesComplementSum(buf: Buffer, initial = 0): number {
  let sum = initial;
  for (let i = 0; i < buf.length; i += 2)
    sum += (buf[i] << 8) | (i + 1 < buf.length ? buf[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

function ipv4Packet(protocol: number, src: string, dst: string, l4: Buffer): Buffer {
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + l4.length, 2);
  ip[8] = 64; // TTL
  ip[9] = protocol;
  ipv4(src).copy(ip, 12);
  ipv4(dst).copy(ip, 16);
  ip.writeUInt16BE(~onesComplementSum(ip) & 0xffff, 10);
  return Buffer.concat([ip, l4]);
}

/** Checksum over the IPv4 pseudo header + segment, so Wireshark's checksum check would pass too. */
function l4Checksum(protocol: number, src: string, dst: string, segment: Buffer): number {
  const pseudo = Buffer.alloc(12);
  ipv4(src).copy(pseudo, 0);
  ipv4(dst).copy(pseudo, 4);
  pseudo[9] = protocol;
  pseudo.writeUInt16BE(segment.length, 10);
  const sum = onesComplementSum(segment, onesComplementSum(pseudo));
  return ~sum & 0xffff || 0xffff;
}

/** One IPv4/UDP datagram (RFC 768) carrying `payload`. */
export function udpDatagram(from: Endpoint, to: Endpoint, payload: Uint8Array): Buffer {
  const udp = Buffer.alloc(8 + payload.length);
  udp.writeUInt16BE(from.port, 0);
  udp.writeUInt16BE(to.port, 2);
  udp.writeUInt16BE(udp.length, 4);
  Buffer.from(payload).copy(udp, 8);
  udp.writeUInt16BE(l4Checksum(17, from.ip, to.ip, udp), 6);
  return ipv4Packet(17, from.ip, to.ip, udp);
}

const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;

export function tcpSegment(
  from: Endpoint,
  to: Endpoint,
  seq: number,
  ack: number,
  flags: number,
  payload: Uint8Array,
): Buffer {
  const tcp = Buffer.alloc(20 + payload.length);
  tcp.writeUInt16BE(from.port, 0);
  tcp.writeUInt16BE(to.port, 2);
  tcp.writeUInt32BE(seq >>> 0, 4);
  tcp.writeUInt32BE(ack >>> 0, 8);
  tcp[12] = 5 << 4;
  tcp[13] = flags;
  tcp.writeUInt16BE(65535, 14);
  Buffer.from(payload).copy(tcp, 20);
  tcp.writeUInt16BE(l4Checksum(6, from.ip, to.ip, tcp), 16);
  return ipv4Packet(6, from.ip, to.ip, tcp);
}

export interface TcpMessage {
  /** true: client -> server; false: server -> client. */
  fromClient: boolean;
  data: Uint8Array;
}

/**
 * A complete TCP conversation (handshake, one segment per message, FIN both ways) with
 * consistent sequence numbers, so Wireshark's stream reassembly sees a clean connection.
 * Messages larger than `mss` are split over several segments (exercises reassembly).
 */
export function tcpConversation(
  client: Endpoint,
  server: Endpoint,
  messages: TcpMessage[],
  mss = 1460,
): Buffer[] {
  let cSeq = 1000;
  let sSeq = 5000;
  const out: Buffer[] = [];
  out.push(tcpSegment(client, server, cSeq, 0, TCP_SYN, new Uint8Array(0)));
  out.push(tcpSegment(server, client, sSeq, cSeq + 1, TCP_SYN | TCP_ACK, new Uint8Array(0)));
  cSeq += 1;
  sSeq += 1;
  out.push(tcpSegment(client, server, cSeq, sSeq, TCP_ACK, new Uint8Array(0)));
  for (const m of messages) {
    for (let off = 0; off < m.data.length || off === 0; off += mss) {
      const chunk = m.data.subarray(off, Math.min(off + mss, m.data.length));
      if (m.fromClient) {
        out.push(tcpSegment(client, server, cSeq, sSeq, TCP_ACK | TCP_PSH, chunk));
        cSeq += chunk.length;
      } else {
        out.push(tcpSegment(server, client, sSeq, cSeq, TCP_ACK | TCP_PSH, chunk));
        sSeq += chunk.length;
      }
      if (m.data.length === 0) break;
    }
  }
  out.push(tcpSegment(client, server, cSeq, sSeq, TCP_FIN | TCP_ACK, new Uint8Array(0)));
  out.push(tcpSegment(server, client, sSeq, cSeq + 1, TCP_FIN | TCP_ACK, new Uint8Array(0)));
  out.push(tcpSegment(client, server, cSeq + 1, sSeq + 1, TCP_ACK, new Uint8Array(0)));
  return out;
}
