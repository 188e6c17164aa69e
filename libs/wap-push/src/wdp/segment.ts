import { WdpSegmentationError } from '../errors';
import { WDP_PORT_WAP_PUSH, WDP_PORT_WSP } from '../wsp/tables';
import { MAX_SEGMENTS, MAX_USER_DATA_LENGTH, buildUdh } from './udh';

export interface SegmentOptions {
  /** WDP destination port: 2948 connectionless push (default), 2949 secure push. */
  destPort?: number;
  /** WDP source port: 9200 by default (Kannel's OMA settings use 2948). */
  srcPort?: number;
  /** Concatenation reference; required when the datagram needs more than one SMS. */
  concatRef?: number;
  /** Use the 16-bit reference IE (0x08) instead of the 8-bit one (0x00). */
  ref16?: boolean;
}

export interface SmsSegment {
  /** 1-based segment number. */
  index: number;
  total: number;
  /** The complete TP-UD: UDHL + IEs + payload, ≤ 140 octets; send with UDHI and 8-bit DCS. */
  userData: Uint8Array;
  /** UDHL + IEs (a view into userData). */
  udh: Uint8Array;
  /** The datagram slice this segment carries (a view into userData). */
  payload: Uint8Array;
}

/** Octets of datagram per SMS: 133 with ports only, 128 / 127 with 8-bit / 16-bit concat. */
export function payloadPerSegment(multipart: boolean, ref16 = false): number {
  if (!multipart) return MAX_USER_DATA_LENGTH - 7;
  return MAX_USER_DATA_LENGTH - (ref16 ? 13 : 12);
}

/** Number of SMS a datagram of `length` octets needs (WAP-259 §6.5.2). */
export function segmentCount(length: number, ref16 = false): number {
  if (length <= payloadPerSegment(false)) return 1;
  return Math.ceil(length / payloadPerSegment(true, ref16));
}

function checkPort(name: string, port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new WdpSegmentationError('WDP_INVALID_OPTIONS', `${name} must be 0..65535, got ${port}`);
  }
}

/**
 * Splits a WDP datagram (usually a WSP push PDU) into SMS user data with 16-bit application
 * port addressing in every segment and, when needed, a concatenation IE (WAP-259 §6.5,
 * 3GPP TS 23.040 §9.2.3.24.1/.8/.24.2).
 */
export function segmentWdpDatagram(
  payload: Uint8Array,
  options: SegmentOptions = {},
): SmsSegment[] {
  const destPort = options.destPort ?? WDP_PORT_WAP_PUSH;
  const srcPort = options.srcPort ?? WDP_PORT_WSP;
  const ref16 = options.ref16 ?? false;
  checkPort('destPort', destPort);
  checkPort('srcPort', srcPort);
  const total = segmentCount(payload.length, ref16);
  if (total === 1) {
    const udh = buildUdh(destPort, srcPort);
    const userData = new Uint8Array(udh.length + payload.length);
    userData.set(udh, 0);
    userData.set(payload, udh.length);
    return [
      {
        index: 1,
        total: 1,
        userData,
        udh: userData.subarray(0, udh.length),
        payload: userData.subarray(udh.length),
      },
    ];
  }
  if (total > MAX_SEGMENTS) {
    throw new WdpSegmentationError(
      'WDP_TOO_LARGE',
      `datagram of ${payload.length} octets needs ${total} SMS; the maximum is ${MAX_SEGMENTS}`,
    );
  }
  const ref = options.concatRef;
  const maxRef = ref16 ? 0xffff : 0xff;
  if (ref === undefined) {
    throw new WdpSegmentationError(
      'WDP_CONCAT_REF_REQUIRED',
      `datagram needs ${total} SMS: allocate a concatenation reference for the destination`,
    );
  }
  if (!Number.isInteger(ref) || ref < 0 || ref > maxRef) {
    throw new WdpSegmentationError(
      'WDP_INVALID_OPTIONS',
      `concatRef must be 0..${maxRef}, got ${ref}`,
    );
  }
  const per = payloadPerSegment(true, ref16);
  const segments: SmsSegment[] = new Array(total);
  for (let i = 0; i < total; i++) {
    const udh = buildUdh(destPort, srcPort, { ref, total, seq: i + 1, ref16 });
    const slice = payload.subarray(i * per, Math.min(payload.length, (i + 1) * per));
    const userData = new Uint8Array(udh.length + slice.length);
    userData.set(udh, 0);
    userData.set(slice, udh.length);
    segments[i] = {
      index: i + 1,
      total,
      userData,
      udh: userData.subarray(0, udh.length),
      payload: userData.subarray(udh.length),
    };
  }
  return segments;
}
