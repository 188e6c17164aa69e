import { SmsReassemblyError } from '../errors';

/** GSM 03.40 §9.2.3.24 information elements used by WDP over SMS (WAP-259 §6.5). */
export const IEI_CONCAT_8BIT = 0x00;
export const IEI_PORTS_8BIT = 0x04;
export const IEI_PORTS_16BIT = 0x05;
export const IEI_CONCAT_16BIT = 0x08;

/** Largest TP-UD with 8-bit data coding. */
export const MAX_USER_DATA_LENGTH = 140;
/** Concatenation counts segments in one octet. */
export const MAX_SEGMENTS = 255;

export interface InformationElement {
  iei: number;
  data: Uint8Array;
}

export interface ConcatInfo {
  ref: number;
  total: number;
  /** 1-based */
  seq: number;
  ref16: boolean;
}

export interface ParsedUserData {
  /** UDHL + IEs, exactly as received. */
  udh: Uint8Array;
  elements: InformationElement[];
  destPort?: number;
  srcPort?: number;
  concat?: ConcatInfo;
  payload: Uint8Array;
}

/** Builds UDHL + ports IE (+ concatenation IE). */
export function buildUdh(
  destPort: number,
  srcPort: number,
  concat?: { ref: number; total: number; seq: number; ref16: boolean },
): Uint8Array {
  const len = concat ? (concat.ref16 ? 13 : 12) : 7;
  const udh = new Uint8Array(len);
  udh[0] = len - 1;
  udh[1] = IEI_PORTS_16BIT;
  udh[2] = 4;
  udh[3] = destPort >> 8;
  udh[4] = destPort & 0xff;
  udh[5] = srcPort >> 8;
  udh[6] = srcPort & 0xff;
  if (concat) {
    if (concat.ref16) {
      udh[7] = IEI_CONCAT_16BIT;
      udh[8] = 4;
      udh[9] = concat.ref >> 8;
      udh[10] = concat.ref & 0xff;
      udh[11] = concat.total;
      udh[12] = concat.seq;
    } else {
      udh[7] = IEI_CONCAT_8BIT;
      udh[8] = 3;
      udh[9] = concat.ref;
      udh[10] = concat.total;
      udh[11] = concat.seq;
    }
  }
  return udh;
}

/** Parses TP-UD that starts with a UDH (TP-UDHI set); throws SmsReassemblyError if malformed. */
export function parseUserData(ud: Uint8Array): ParsedUserData {
  if (ud.length < 1) throw new SmsReassemblyError('SMS_INVALID_UDH', 'empty user data');
  const udhl = ud[0];
  if (1 + udhl > ud.length) {
    throw new SmsReassemblyError(
      'SMS_INVALID_UDH',
      `UDHL ${udhl} exceeds the ${ud.length}-octet user data`,
    );
  }
  const out: ParsedUserData = {
    udh: ud.slice(0, 1 + udhl),
    elements: [],
    payload: ud.slice(1 + udhl),
  };
  let at = 1;
  const end = 1 + udhl;
  while (at < end) {
    if (at + 2 > end)
      throw new SmsReassemblyError('SMS_INVALID_UDH', 'truncated information element');
    const iei = ud[at];
    const len = ud[at + 1];
    if (at + 2 + len > end) {
      throw new SmsReassemblyError('SMS_INVALID_UDH', `IE 0x${iei.toString(16)} overruns the UDH`);
    }
    const data = ud.slice(at + 2, at + 2 + len);
    out.elements.push({ iei, data });
    at += 2 + len;
    if (iei === IEI_PORTS_16BIT && len === 4) {
      out.destPort = (data[0] << 8) | data[1];
      out.srcPort = (data[2] << 8) | data[3];
    } else if (iei === IEI_PORTS_8BIT && len === 2) {
      out.destPort = data[0];
      out.srcPort = data[1];
    } else if (iei === IEI_CONCAT_8BIT && len === 3) {
      out.concat = { ref: data[0], total: data[1], seq: data[2], ref16: false };
    } else if (iei === IEI_CONCAT_16BIT && len === 4) {
      out.concat = { ref: (data[0] << 8) | data[1], total: data[2], seq: data[3], ref16: true };
    } else if ([IEI_PORTS_16BIT, IEI_PORTS_8BIT, IEI_CONCAT_8BIT, IEI_CONCAT_16BIT].includes(iei)) {
      throw new SmsReassemblyError('SMS_INVALID_UDH', `IE 0x${iei.toString(16)} has length ${len}`);
    }
  }
  return out;
}
