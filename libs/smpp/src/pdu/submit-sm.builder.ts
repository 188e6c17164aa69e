import type { BindConfig } from '../config/bind-config';
import type { SmsMessage } from './sms-message';
import { parseUdh } from './sms-message';
import { SubmitSmFields, TLV, Tlv, uint16Tlv, uint8Tlv } from './submit-sm.encoder';

const ESM_UDHI = 0x40;

/** Maps one SMS onto submit_sm fields according to the bind's payload mode. */
export function buildSubmitSmFields(
  cfg: Pick<
    BindConfig,
    | 'source'
    | 'destinationTon'
    | 'destinationNpi'
    | 'validityPeriod'
    | 'registeredDelivery'
    | 'dataCoding'
    | 'payloadMode'
  >,
  msg: SmsMessage,
): SubmitSmFields {
  let shortMessage = msg.userData;
  let esmClass = msg.udhi ? ESM_UDHI : 0;
  const tlvs: Tlv[] = [];
  if (cfg.payloadMode === 'message_payload') {
    tlvs.push({ tag: TLV.messagePayload, value: msg.userData });
    shortMessage = Buffer.alloc(0);
  } else if (cfg.payloadMode === 'sar' && msg.udhi) {
    // The SMSC builds the UDH from these TLVs, so the header is stripped (SMPP 3.4 §5.3.2.22-27).
    const udh = parseUdh(msg.userData);
    shortMessage = udh.payload;
    esmClass = 0;
    if (udh.sourcePort !== undefined) tlvs.push(uint16Tlv(TLV.sourcePort, udh.sourcePort));
    if (udh.destinationPort !== undefined) {
      tlvs.push(uint16Tlv(TLV.destinationPort, udh.destinationPort));
    }
    if (udh.concat) {
      tlvs.push(uint16Tlv(TLV.sarMsgRefNum, udh.concat.reference));
      tlvs.push(uint8Tlv(TLV.sarTotalSegments, udh.concat.total));
      tlvs.push(uint8Tlv(TLV.sarSegmentSeqnum, udh.concat.sequence));
    }
  }
  return {
    serviceType: '',
    sourceTon: cfg.source.ton,
    sourceNpi: cfg.source.npi,
    sourceAddr: cfg.source.address,
    destTon: cfg.destinationTon,
    destNpi: cfg.destinationNpi,
    destinationAddr: msg.destination,
    esmClass,
    protocolId: 0,
    priorityFlag: 0,
    scheduleDeliveryTime: '',
    validityPeriod: cfg.validityPeriod,
    registeredDelivery: cfg.registeredDelivery ? 1 : 0,
    replaceIfPresent: 0,
    dataCoding: cfg.dataCoding,
    smDefaultMsgId: 0,
    shortMessage,
    tlvs,
  };
}
