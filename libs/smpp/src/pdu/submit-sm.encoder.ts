/**
 * SMPP 3.4 submit_sm encoder (§4.4.1). Written by hand instead of node-smpp's generic PDU
 * writer so that the bytes are exactly the ones we test against the golden vectors and so the
 * hot path allocates one buffer per PDU.
 */
export const SUBMIT_SM = 0x00000004;
export const DELIVER_SM = 0x00000005;

export const TLV = {
  sourcePort: 0x020a,
  destinationPort: 0x020b,
  sarMsgRefNum: 0x020c,
  sarTotalSegments: 0x020e,
  sarSegmentSeqnum: 0x020f,
  messagePayload: 0x0424,
  receiptedMessageId: 0x001e,
  messageState: 0x0427,
} as const;

export interface Tlv {
  tag: number;
  value: Buffer;
}

export interface SubmitSmFields {
  serviceType: string;
  sourceTon: number;
  sourceNpi: number;
  sourceAddr: string;
  destTon: number;
  destNpi: number;
  destinationAddr: string;
  esmClass: number;
  protocolId: number;
  priorityFlag: number;
  scheduleDeliveryTime: string;
  validityPeriod: string;
  registeredDelivery: number;
  replaceIfPresent: number;
  dataCoding: number;
  smDefaultMsgId: number;
  shortMessage: Buffer;
  tlvs: Tlv[];
}

export class SubmitSmEncodeError extends Error {
  override readonly name = 'SubmitSmEncodeError';
}

function cstringLength(s: string, max: number, field: string): number {
  const n = Buffer.byteLength(s, 'latin1');
  if (n + 1 > max) throw new SubmitSmEncodeError(`${field} is longer than ${max - 1} octets`);
  return n + 1;
}

export function encodeSubmitSm(f: SubmitSmFields, sequenceNumber: number): Buffer {
  return encodeShortMessagePdu(SUBMIT_SM, f, sequenceNumber);
}

/** deliver_sm has the same body layout as submit_sm (SMPP 3.4 §4.6.1); the simulator SMSC uses it. */
export function encodeDeliverSm(f: SubmitSmFields, sequenceNumber: number): Buffer {
  return encodeShortMessagePdu(DELIVER_SM, f, sequenceNumber);
}

function encodeShortMessagePdu(
  commandId: number,
  f: SubmitSmFields,
  sequenceNumber: number,
): Buffer {
  if (f.shortMessage.length > 254) {
    throw new SubmitSmEncodeError('short_message is longer than 254 octets: use message_payload');
  }
  let length = 16;
  length += cstringLength(f.serviceType, 6, 'service_type');
  length += 2 + cstringLength(f.sourceAddr, 21, 'source_addr');
  length += 2 + cstringLength(f.destinationAddr, 21, 'destination_addr');
  length += 3;
  length += cstringLength(f.scheduleDeliveryTime, 17, 'schedule_delivery_time');
  length += cstringLength(f.validityPeriod, 17, 'validity_period');
  length += 5 + f.shortMessage.length;
  for (const t of f.tlvs) length += 4 + t.value.length;

  const b = Buffer.allocUnsafe(length);
  b.writeUInt32BE(length, 0);
  b.writeUInt32BE(commandId, 4);
  b.writeUInt32BE(0, 8);
  b.writeUInt32BE(sequenceNumber >>> 0, 12);
  let o = 16;
  const cstr = (s: string): void => {
    o += b.write(s, o, 'latin1');
    b[o++] = 0;
  };
  cstr(f.serviceType);
  b[o++] = f.sourceTon;
  b[o++] = f.sourceNpi;
  cstr(f.sourceAddr);
  b[o++] = f.destTon;
  b[o++] = f.destNpi;
  cstr(f.destinationAddr);
  b[o++] = f.esmClass;
  b[o++] = f.protocolId;
  b[o++] = f.priorityFlag;
  cstr(f.scheduleDeliveryTime);
  cstr(f.validityPeriod);
  b[o++] = f.registeredDelivery;
  b[o++] = f.replaceIfPresent;
  b[o++] = f.dataCoding;
  b[o++] = f.smDefaultMsgId;
  b[o++] = f.shortMessage.length;
  o += f.shortMessage.copy(b, o);
  for (const t of f.tlvs) {
    b.writeUInt16BE(t.tag, o);
    b.writeUInt16BE(t.value.length, o + 2);
    o += 4;
    o += t.value.copy(b, o);
  }
  return b;
}

export function setSequenceNumber(pdu: Buffer, sequenceNumber: number): void {
  pdu.writeUInt32BE(sequenceNumber >>> 0, 12);
}

export function uint16Tlv(tag: number, v: number): Tlv {
  const value = Buffer.allocUnsafe(2);
  value.writeUInt16BE(v, 0);
  return { tag, value };
}

export function uint8Tlv(tag: number, v: number): Tlv {
  return { tag, value: Buffer.from([v & 0xff]) };
}
