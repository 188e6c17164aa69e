import {
  compileDmOperations,
  Core,
  DeliveryStatus,
  Device,
  Job,
  MASKED,
  PreviewPart,
  ProtocolDriver,
  WakeOutcome,
} from '@dm-bridge/core';
import type { DmDeviceAccount } from '@dm-bridge/omadm';
import {
  buildDmNotificationPush,
  NONCE_RESYNC_VALUES,
  NonceResyncForm,
  previewDmNotification,
} from '@dm-bridge/wap-push';
import { randomInt } from 'node:crypto';
import { dmAccountOf } from '../../dm/dm-account-sync';
import { deferForSmsRate, onSmsBind, SmsAdmission } from './sms-rate';
import type { CpPushSender } from './omacp-push.driver';

/** The DM side's account store (its DmSessionStore). */
export interface DmAccountStore {
  account(deviceId: string): Promise<DmDeviceAccount | undefined>;
  saveAccount(a: DmDeviceAccount): Promise<void>;
  recordNotification(deviceId: string, sessionIdHex: string, ttlMs: number): Promise<void>;
}

/** The SMS side's queue (its SmsService). */
export interface WapPushSender extends Partial<SmsAdmission>, Pick<CpPushSender, 'status'> {
  enqueue(
    pushes: {
      pushId: string;
      jobId: string;
      destination: string;
      datagram: Uint8Array;
      /** transient SMSC trouble is retried until then */
      deadline?: number;
    }[],
    bindId?: string,
  ): Promise<void>;
}

export interface DmNotificationOptions {
  /** how long the gateway expects the session a package #0 announces (default 10 min) */
  notificationTtlMs?: number;
  /** see deferForSmsRate; 0 never defers */
  smsBurstS?: number;
  /**
   * Nonce resynchronisation (DM Notification §6.2): after this many package #0 in a row that no
   * session followed, every other one is signed with the special nonce instead of the stored
   * one, in each of `forms` in turn. 0: never.
   */
  nonceResyncAfter?: number;
  nonceResyncForms?: NonceResyncForm[];
}

/**
 * The nonce a wake-up signs with: the account's, or the resync nonce once `unanswered` package
 * #0 went without a session (alternating, so a handset still in step is reached too).
 */
export function notificationNonce(
  stored: Uint8Array,
  unanswered: number,
  options: Pick<DmNotificationOptions, 'nonceResyncAfter' | 'nonceResyncForms'>,
): { nonce: Uint8Array; resync?: NonceResyncForm } {
  const after = options.nonceResyncAfter ?? 0;
  const forms = options.nonceResyncForms ?? [];
  const k = unanswered - after;
  if (after <= 0 || forms.length === 0 || k < 0 || k % 2 !== 0) return { nonce: stored };
  const resync = forms[(k / 2) % forms.length];
  return { nonce: NONCE_RESYNC_VALUES[resync], resync };
}

/** How often a job for a device without an MSISDN looks whether one was added. */
const NO_MSISDN_RECHECK_MS = 15 * 60_000;

/** The SMS push that carried a wake-up attempt's package #0. */
function notificationPushId(jobId: string, attempt: number): string {
  return `${jobId}-n${attempt}`;
}

/**
 * Wakes an OMA DM handset with notification package #0 (OMA-TS-DM_Notification §6, digest
 * with the server credentials) in a WAP push over SMS. The DM account comes from the DM store,
 * where DmAccountSync keeps it in step with the core record.
 */
export class OmaDmNotificationDriver implements ProtocolDriver {
  readonly protocol = 'omadm' as const;

  private readonly notificationTtlMs: number;

  constructor(
    private readonly core: Core,
    private readonly accounts: DmAccountStore,
    private readonly sms: WapPushSender,
    private readonly options: DmNotificationOptions = {},
  ) {
    this.notificationTtlMs = options.notificationTtlMs ?? 600_000;
  }

  /**
   * The device's DM account. DmAccountSync writes it whenever the record is created or changed;
   * one is built here from the record only for devices stored before that (existing deployments),
   * once, with the same mapping.
   */
  private async account(device: Device, devId: string, save = true): Promise<DmDeviceAccount> {
    const existing = await this.accounts.account(devId);
    if (existing) return existing;
    const account = dmAccountOf(device, this.core.devices.revealCredentials(device))!;
    if (save) await this.accounts.saveAccount(account);
    return account;
  }

  /** Package #0 (digest masked unless revealed), its SMS, and the DM commands of the session. */
  async preview(device: Device, job: Job, options: { reveal: boolean }): Promise<PreviewPart[]> {
    const ops = options.reveal
      ? this.core.jobs.revealOperations(job)
      : job.operations.map((o) => (o.value?.startsWith('e1:') ? { ...o, value: MASKED } : o));
    const parts: PreviewPart[] = [
      {
        kind: 'dm-commands',
        title: 'DM commands for the session',
        content: JSON.stringify(compileDmOperations(job.id, ops), null, 2),
      },
    ];
    const devId = device.addressing.devId;
    if (!devId) return parts;
    const account = await this.account(device, devId, false);
    const p = previewDmNotification({
      sessionId: 0x1234,
      serverId: account.serverName,
      serverPassword: account.serverPassword,
      nonce: Buffer.from(account.serverNonce, 'base64'),
      uiMode: 'background',
      reveal: options.reveal,
    });
    parts.push(
      {
        kind: 'wsp-hex',
        title: `package #0 (session ${p.notification?.sessionIdHex}, example id)`,
        content: p.pkg0Hex ?? '',
      },
      ...p.segments.map((seg) => ({
        kind: 'sms-segment-hex' as const,
        title: `SMS ${seg.index}/${seg.total} TP-UD`,
        content: seg.udHex,
      })),
    );
    return parts;
  }

  async wake(device: Device, job: Job): Promise<WakeOutcome> {
    const { devId, msisdn } = device.addressing;
    if (!devId)
      return {
        kind: 'failed',
        code: 'no-address',
        detail: 'an OMA DM device needs addressing.devId',
      };
    // Client-initiated management needs no MSISDN: the job waits for the handset's own session
    // (looking again now and then, in case an MSISDN is added meanwhile).
    if (!msisdn)
      return {
        kind: 'deferred',
        retryAfterMs: NO_MSISDN_RECHECK_MS,
        detail: 'no MSISDN to send package #0 to: waiting for the handset to open a session',
      };
    return onSmsBind(device.addressing.bind, () => this.notify(device, job, devId, msisdn));
  }

  /**
   * A notification the SMSC refused for good at submission (e.g. an invalid destination: codes
   * `smsc-*`, `invalid-push`) fails the job. A failed delivery receipt (`delivery-*`: the handset
   * was off until the SMS expired) or the push's deadline changes nothing: the next wake-up is
   * due anyway.
   */
  async deliveryStatus(job: Job): Promise<DeliveryStatus> {
    const last = job.attempts.filter((a) => a.outcome === 'sent').pop();
    const s = last && (await this.sms.status(notificationPushId(job.id, last.n)));
    if (s?.state === 'failed' && s.code && /^(smsc-|invalid-push)/.test(s.code))
      return { state: 'failed', code: s.code, detail: s.error };
    return { state: 'pending' };
  }

  private async notify(
    device: Device,
    job: Job,
    devId: string,
    msisdn: string,
  ): Promise<WakeOutcome> {
    const deferred = await deferForSmsRate(
      this.sms,
      device.addressing.bind,
      this.options.smsBurstS ?? 0,
    );
    if (deferred) return deferred;
    const account = await this.account(device, devId);
    const sessionId = randomInt(1, 0x10000);
    const { nonce, resync } = notificationNonce(
      Buffer.from(account.serverNonce, 'base64'),
      await this.unanswered(device, job),
      this.options,
    );
    const push = buildDmNotificationPush({
      sessionId,
      serverId: account.serverName,
      serverPassword: account.serverPassword,
      nonce,
      uiMode: 'background',
    });
    await this.accounts.recordNotification(
      devId,
      sessionId.toString(16).toUpperCase(),
      this.notificationTtlMs,
    );
    await this.sms.enqueue(
      [
        {
          pushId: notificationPushId(job.id, job.attempts.length + 1),
          jobId: job.id,
          destination: msisdn.replace(/^\+/, ''),
          datagram: push.wsp,
          deadline: job.deadline,
        },
      ],
      device.addressing.bind,
    );
    const session = sessionId.toString(16).toUpperCase();
    return {
      kind: 'sent',
      detail: `package #0, session ${session}${resync ? `, resync nonce (${resync})` : ''}`,
    };
  }

  /** Package #0 this job sent since the device was last in touch (or the job began). */
  private async unanswered(device: Device, job: Job): Promise<number> {
    const [lastContact] = await this.core.devices.lastContacts([device.id]);
    const since = Math.max(job.createdAt, lastContact ?? 0);
    return job.attempts.filter((a) => a.kind === 'wake' && a.outcome === 'sent' && a.at > since)
      .length;
  }
}
