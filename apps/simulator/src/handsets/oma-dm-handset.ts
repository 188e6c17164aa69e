import {
  decodeWspPush,
  verifyNotificationDigest,
  WdpReassembler,
  type NotificationPackage0,
} from '@dm-bridge/wap-push';
import type { SmsReceiver } from '../smsc/simulated-smsc';
import { isContentType } from './push-params';
import { waitUntil } from './oma-cp-handset';

export interface OmaDmHandsetFrontOptions {
  msisdn: string;
  /** The DM account this handset holds: server id and server password (SRVCRED). */
  serverId: string;
  serverPassword: string;
  /**
   * Server nonce last received (raw bytes); empty when none yet. A function reads it from the DM
   * client's account at each notification, as a real handset's shared DM account does: the
   * client's nonce rotates after every session. A function may return several nonces (newest
   * first): the digest must match one of them.
   */
  nonce?: Uint8Array | (() => Uint8Array | Uint8Array[]);
  /** The DM client (built in the OMA DM work) starts its session from here. */
  onTrigger?: (pkg0: NotificationPackage0, handset: OmaDmHandsetFront) => void;
}

const CT_SYNCML_NOTIFICATION = 'application/vnd.syncml.notification';

/**
 * The SMS side of a simulated OMA DM handset: reassembles the WAP push, checks the package #0
 * digest (DM Notification §6.3) against its account and hands the trigger to the DM client.
 */
export class OmaDmHandsetFront implements SmsReceiver {
  readonly msisdn: string;
  readonly notifications: NotificationPackage0[] = [];
  readonly rejected: Array<{ reason: string; from: string }> = [];
  private readonly reassembler = new WdpReassembler(1_000);
  private waiters: Array<() => void> = [];

  constructor(private readonly options: OmaDmHandsetFrontOptions) {
    this.msisdn = options.msisdn;
  }

  /** The DM client updates the nonce after a session (SRVCRED AAuthData). */
  setNonce(nonce: Uint8Array): void {
    this.options.nonce = nonce;
  }

  receiveSms(userData: Buffer, from: string): void {
    try {
      const datagram = this.reassembler.accept(from, userData);
      if (!datagram) return;
      const push = decodeWspPush(datagram.payload);
      if (!isContentType(push.contentType, CT_SYNCML_NOTIFICATION, 0x44)) {
        throw new Error(
          `content type ${String(push.contentType)} is not ${CT_SYNCML_NOTIFICATION}`,
        );
      }
      const pkg0 = this.verify(push.body);
      this.notifications.push(pkg0);
      for (const w of this.waiters.splice(0)) w();
      this.options.onTrigger?.(pkg0, this);
    } catch (e) {
      this.rejected.push({ reason: (e as Error).message, from });
      for (const w of this.waiters.splice(0)) w();
    }
  }

  /** The digest must match one of the nonces the handset accepts (the first that does wins). */
  private verify(body: Uint8Array): NotificationPackage0 {
    const n = typeof this.options.nonce === 'function' ? this.options.nonce() : this.options.nonce;
    const nonces = Array.isArray(n) ? n : [n];
    let error: unknown;
    for (const nonce of nonces) {
      try {
        return verifyNotificationDigest(body, {
          serverId: this.options.serverId,
          serverPassword: this.options.serverPassword,
          nonce,
        });
      } catch (err) {
        error = err;
      }
    }
    throw error;
  }

  waitForNotifications(count = 1, timeoutMs = 5_000): Promise<NotificationPackage0[]> {
    return waitUntil(
      () => this.notifications.length >= count,
      this.waiters,
      timeoutMs,
      () => this.notifications,
    );
  }
}
