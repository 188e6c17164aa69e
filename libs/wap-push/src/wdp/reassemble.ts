import { SmsReassemblyError } from '../errors';
import { parseUserData, type ParsedUserData } from './udh';

export interface WdpDatagram {
  payload: Uint8Array;
  destPort?: number;
  srcPort?: number;
  concatRef?: number;
  ref16?: boolean;
  segmentCount: number;
}

function fail(message: string): never {
  throw new SmsReassemblyError('SMS_REASSEMBLY_FAILED', message);
}

function joinParsed(parts: ParsedUserData[]): WdpDatagram {
  const first = parts[0];
  if (!first.concat) {
    if (parts.length !== 1) fail(`${parts.length} SMS given but the first has no concatenation IE`);
    return {
      payload: first.payload,
      destPort: first.destPort,
      srcPort: first.srcPort,
      segmentCount: 1,
    };
  }
  const { ref, total, ref16 } = first.concat;
  if (total < 1) fail('concatenation IE announces 0 segments');
  const bySeq = new Array<ParsedUserData | undefined>(total);
  for (const p of parts) {
    const c = p.concat;
    if (!c) fail('a segment has no concatenation IE');
    if (c.ref !== ref || c.ref16 !== ref16 || c.total !== total) {
      fail(`segment reference ${c.ref}/${c.total} does not match ${ref}/${total}`);
    }
    if (p.destPort !== first.destPort || p.srcPort !== first.srcPort) {
      fail('segments carry different WDP ports');
    }
    if (c.seq < 1 || c.seq > total) fail(`segment number ${c.seq} outside 1..${total}`);
    if (bySeq[c.seq - 1]) fail(`segment ${c.seq} of ref ${ref} received twice`);
    bySeq[c.seq - 1] = p;
  }
  const missing: number[] = [];
  for (let i = 0; i < total; i++) if (!bySeq[i]) missing.push(i + 1);
  if (missing.length > 0) fail(`missing segment(s) ${missing.join(', ')} of ${total}`);
  const payload = Buffer.concat(bySeq.map((p) => p!.payload));
  return {
    payload: new Uint8Array(payload.buffer, payload.byteOffset, payload.length),
    destPort: first.destPort,
    srcPort: first.srcPort,
    concatRef: ref,
    ref16,
    segmentCount: total,
  };
}

/** Joins the TP-UD of every SMS of one datagram (any order) back into the datagram. */
export function reassembleSms(userDatas: readonly Uint8Array[]): WdpDatagram {
  if (userDatas.length === 0) fail('no SMS given');
  return joinParsed(userDatas.map(parseUserData));
}

/**
 * Stateful reassembly for a receiving handset: feed SMS as they arrive, get the datagram
 * when the last segment of a message arrives. Pure in-memory; keyed by sender and reference.
 */
export class WdpReassembler {
  private readonly pending = new Map<string, { parts: ParsedUserData[]; at: number }>();

  constructor(private readonly maxPending = 10_000) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  accept(sender: string, userData: Uint8Array): WdpDatagram | undefined {
    const parsed = parseUserData(userData);
    const c = parsed.concat;
    if (!c || c.total === 1) return joinParsed([parsed]);
    const key = `${sender}|${c.ref16 ? 16 : 8}|${c.ref}|${c.total}|${parsed.destPort}|${parsed.srcPort}`;
    let entry = this.pending.get(key);
    if (!entry) {
      if (this.pending.size >= this.maxPending) {
        const oldest = this.pending.keys().next().value as string;
        this.pending.delete(oldest);
      }
      entry = { parts: [], at: Date.now() };
      this.pending.set(key, entry);
    }
    if (entry.parts.some((p) => p.concat!.seq === c.seq)) {
      fail(`segment ${c.seq} of ref ${c.ref} from ${sender} received twice`);
    }
    entry.parts.push(parsed);
    if (entry.parts.length < c.total) return undefined;
    this.pending.delete(key);
    return joinParsed(entry.parts);
  }
}
