import { buildNotificationPackage0, type NotificationPackage0Input } from '../dm/package0';
import { segmentWdpDatagram, type SegmentOptions, type SmsSegment } from '../wdp/segment';
import { encodeWspPush } from '../wsp/push-pdu';
import { APPLICATION_ID_SYNCML_DM, CONTENT_TYPE_SYNCML_NOTIFICATION } from '../wsp/tables';

export interface DmNotificationPushOptions extends NotificationPackage0Input, SegmentOptions {
  /** WSP TID; default 0x00. */
  tid?: number;
}

export interface DmNotificationPush {
  pkg0: Uint8Array;
  wsp: Uint8Array;
  segments: SmsSegment[];
}

/**
 * Package #0 in a WSP push with Content-Type 0x44 (application/vnd.syncml.notification) and
 * X-Wap-Application-Id 0x07 (syncml.dm), to port 2948 (OMA-TS-DM_Notification-V1_2_1 §7.1).
 * A short server id fits one SMS (133 octets of datagram); longer ones need concatRef.
 */
export function buildDmNotificationPush(options: DmNotificationPushOptions): DmNotificationPush {
  const pkg0 = buildNotificationPackage0(options);
  const wsp = encodeWspPush({
    tid: options.tid ?? 0x00,
    contentType: CONTENT_TYPE_SYNCML_NOTIFICATION,
    applicationId: APPLICATION_ID_SYNCML_DM,
    body: pkg0,
  });
  return { pkg0, wsp, segments: segmentWdpDatagram(wsp, options) };
}
