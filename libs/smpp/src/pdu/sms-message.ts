/** One SMS as the bind manager sends it: the TP-UD (with UDHL + UDH when udhi) for one handset. */
export interface SmsMessage {
  destination: string;
  /** TP-UD: UDHL + information elements + payload when `udhi`, else payload only. */
  userData: Buffer;
  udhi: boolean;
}

export interface UdhInfo {
  destinationPort?: number;
  sourcePort?: number;
  concat?: { reference: number; total: number; sequence: number };
  /** TP-UD after the header. */
  payload: Buffer;
}

export class UdhParseError extends Error {
  override readonly name = 'UdhParseError';
}

/** Reads the IEs SAR mode needs (3GPP TS 23.040 §9.2.3.24: 0x00, 0x08, 0x05). */
export function parseUdh(userData: Buffer): UdhInfo {
  if (userData.length < 1) throw new UdhParseError('TP-UD is empty');
  const udhl = userData[0];
  if (udhl + 1 > userData.length) throw new UdhParseError('UDHL runs past the end of TP-UD');
  const info: UdhInfo = { payload: userData.subarray(udhl + 1) };
  let o = 1;
  while (o < udhl + 1) {
    if (o + 2 > udhl + 1) throw new UdhParseError('truncated information element');
    const iei = userData[o];
    const len = userData[o + 1];
    const v = userData.subarray(o + 2, o + 2 + len);
    if (o + 2 + len > udhl + 1) throw new UdhParseError(`IE 0x${iei.toString(16)} runs past UDH`);
    if (iei === 0x00 && len === 3) info.concat = { reference: v[0], total: v[1], sequence: v[2] };
    else if (iei === 0x08 && len === 4) {
      info.concat = { reference: v.readUInt16BE(0), total: v[2], sequence: v[3] };
    } else if (iei === 0x05 && len === 4) {
      info.destinationPort = v.readUInt16BE(0);
      info.sourcePort = v.readUInt16BE(2);
    }
    o += 2 + len;
  }
  return info;
}
