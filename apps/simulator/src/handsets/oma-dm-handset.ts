import { decodeWspPush, WdpReassembler, type NotificationPackage0 } from '@dm-bridge/wap-push';
import { readPackage0 } from './package0-reading';
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
  /**
   * Nonce resynchronisation (DM Notification §6.2): when no stored nonce verifies a package #0,
   * try the special nonce 0x00000000 — as four zero bytes (`binary`), as the ten ASCII
   * characters (`ascii`, libdmclient's reading) — or not at all (`none`). Default `binary`.
   */
  nonceResync?: 'binary' | 'ascii' | 'none';
  /** The DM client (built in the OMA DM work) starts its session from here. */
  onTrigger?: (pkg0: NotificationPackage0, handset: OmaDmHandsetFront) => void;
}

const CT_SYNCML_NOTIFICATION = 'application/vnd.syncml.notification';

/** The special nonce of DM Notification §6.2, in the two forms clients read it as. */
const RESYNC_NONCE = {
  binary: Buffer.alloc(4),
  ascii: Buffer.from('0x00000000', 'latin1'),
};

/**
 * The SMS side of a simulated OMA DM handset: reassembles the WAP push, checks the package #0
 * digest (DM Notification §6.3) against its account and hands the trigger to the DM client.
 */
export class OmaDmHandsetFront implements SmsReceiver {
  readonly msisdn: string;
  readonly notifications: NotificationPackage0[] = [];
  readonly rejected: Array<{ reason: string; from: string }> = [];
  /** package #0 accepted only with the resync nonce */
  resynced = 0;
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
    const nonces = Array.isArray(n) ? [...n] : [n];
    const resync = this.options.nonceResync ?? 'binary';
    if (resync !== 'none') nonces.push(RESYNC_NONCE[resync]);
    let error: unknown;
    for (const [i, nonce] of nonces.entries()) {
      try {
        const pkg0 = readPackage0(body, {
          serverId: this.options.serverId,
          serverPassword: this.options.serverPassword,
          nonce: nonce ?? new Uint8Array(0),
        });
        if (resync !== 'none' && i === nonces.length - 1) this.resynced++;
        return pkg0;
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
