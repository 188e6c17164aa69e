/** What the simulated SMSC read out of one submit_sm, with the TP-UD rebuilt byte for byte. */
export interface ReceivedSubmit {
  systemId: string;
  sequenceNumber: number;
  source: string;
  destination: string;
  esmClass: number;
  dataCoding: number;
  registeredDelivery: number;
  /** TP-UD as the handset would get it (UDH rebuilt from SAR TLVs when the ESME used them). */
  userData: Buffer;
  udhi: boolean;
  /** Where the ESME put the data: 'short_message', 'message_payload' or 'sar'. */
  route: 'short_message' | 'message_payload' | 'sar';
}

function joinUdh(value: any): { userData: Buffer; udhi: boolean } {
  if (Buffer.isBuffer(value)) return { userData: value, udhi: false };
  if (!value || typeof value !== 'object') return { userData: Buffer.alloc(0), udhi: false };
  const message: Buffer = Buffer.isBuffer(value.message)
    ? value.message
    : Buffer.from(String(value.message ?? ''), 'latin1');
  const ies: Buffer[] = Array.isArray(value.udh) ? value.udh : [];
  if (!ies.length) return { userData: message, udhi: false };
  const udhl = ies.reduce((n, ie) => n + ie.length, 0);
  return { userData: Buffer.concat([Buffer.from([udhl]), ...ies, message]), udhi: true };
}

/** Builds the UDH the SMSC would add for SAR TLVs (SMPP 3.4 §5.3.2.22-24, 3GPP 23.040). */
function udhFromSar(pdu: any, payload: Buffer): Buffer {
  const ies: number[] = [];
  // node-smpp names TLV 0x020B "dest_port".
  const destPort = pdu.dest_port ?? pdu.destination_port;
  if (destPort !== undefined || pdu.source_port !== undefined) {
    const d = destPort ?? 0;
    const s = pdu.source_port ?? 0;
    ies.push(0x05, 4, d >> 8, d & 0xff, s >> 8, s & 0xff);
  }
  if (pdu.sar_msg_ref_num !== undefined) {
    const ref = pdu.sar_msg_ref_num;
    if (ref > 0xff) ies.push(0x08, 4, ref >> 8, ref & 0xff);
    else ies.push(0x00, 3, ref);
    ies.push(pdu.sar_total_segments ?? 1, pdu.sar_segment_seqnum ?? 1);
  }
  if (!ies.length) return payload;
  return Buffer.concat([Buffer.from([ies.length, ...ies]), payload]);
}

export function readSubmit(systemId: string, pdu: any): ReceivedSubmit {
  let route: ReceivedSubmit['route'] = 'short_message';
  let { userData, udhi } = joinUdh(pdu.short_message);
  if (pdu.message_payload !== undefined && userData.length === 0) {
    route = 'message_payload';
    ({ userData, udhi } = joinUdh(pdu.message_payload));
  } else if (pdu.sar_msg_ref_num !== undefined || pdu.dest_port !== undefined) {
    route = 'sar';
    userData = udhFromSar(pdu, userData);
    udhi = true;
  }
  return {
    systemId,
    sequenceNumber: pdu.sequence_number,
    source: String(pdu.source_addr ?? ''),
    destination: String(pdu.destination_addr ?? ''),
    esmClass: pdu.esm_class ?? 0,
    dataCoding: pdu.data_coding ?? 0,
    registeredDelivery: pdu.registered_delivery ?? 0,
    userData,
    udhi,
    route,
  };
}
