import {
  compileDmOperations,
  compileDmCommand,
  Core,
  desiredState,
  Device,
  dmResultToOperationResult,
  event,
  parseDmOperationId,
} from '@dm-bridge/core';
import {
  statusText,
  type DmEvent,
  type DmOperation,
  type DmOperationResult,
} from '@dm-bridge/omadm';
import type { DmOperationSource, DmReleaseCause } from '../../dm/dm-operation-source';

const DESIRED = 'desired:';
/** sessions in which the device refused the server's credentials before the job fails */
const SERVER_AUTH_REJECTIONS = 3;

/**
 * The OMA DM engine's work source over core's jobs. The engine's device id is the DevId the
 * handset sends (e.g. `IMEI:…`), matched to a core device by `addressing.devId`; each job
 * operation becomes one DM command with id `<jobId>.<index>`. Desired values that differ from
 * the inventory become Replace commands with id `desired:<node>`, applied at every contact.
 */
export class CoreDmOperationSource implements DmOperationSource {
  constructor(
    private readonly core: Core,
    /** SESSION_LOCK_TTL_MS: the lock lapses this long after the session's last message */
    private readonly lockTtlMs = 120_000,
  ) {}

  /**
   * Core's session lock of the device (keyed by the core device id, in its shard): the watchdog
   * treats an `in-session` job whose device has no lock holder as a lost session.
   */
  async lease(deviceId: string, owner: string): Promise<boolean> {
    const device = await this.device(deviceId);
    if (!device) return false;
    if (!(await this.core.locks.renew(device.id, owner, this.lockTtlMs)))
      await this.core.locks.supersede(device.id, owner, this.lockTtlMs);
    return true;
  }

  async endLease(deviceId: string, owner: string): Promise<void> {
    const device = await this.device(deviceId);
    if (device) await this.core.locks.release(device.id, owner);
  }

  private device(devId: string): Promise<Device | null> {
    return this.core.devices.findByAddress('omadm', 'devId', devId);
  }

  async pending(deviceId: string): Promise<DmOperation[]> {
    const device = await this.device(deviceId);
    if (!device) return [];
    const out: DmOperation[] = [];
    for (const job of await this.core.jobs.pendingJobs(device.id)) {
      try {
        out.push(...compileDmOperations(job.id, this.core.jobs.revealOperations(job)));
      } catch (err) {
        // permanent: it could never be served, so it ends now instead of at its deadline
        await this.core.jobs.failJob(job.id, 'compile-failed', (err as Error).message);
      }
    }
    const inventory = await this.core.devices.inventory(device.id);
    for (const d of desiredState(device, this.core.catalog.current(), this.core.box)) {
      if (inventory[d.target.path] === this.recorded(d)) continue;
      const command = compileDmCommand({ op: 'set', path: d.parameter, target: d.target }, d.value);
      out.push({ id: `${DESIRED}${d.target.path}`, command, addIfAbsent: true });
    }
    return out;
  }

  /** What the inventory keeps for an applied value: secrets only as a keyed fingerprint. */
  private recorded(d: { target: { secret?: boolean }; value: string }): string {
    return d.target.secret ? this.core.box.fingerprint(d.value) : d.value;
  }

  async claim(_deviceId: string, _sessionId: string, ids: string[]): Promise<void> {
    const jobIds = [
      ...new Set(ids.map((id) => parseDmOperationId(id)?.jobId).filter((j): j is string => !!j)),
    ];
    await this.core.jobs.claimJobs(jobIds);
  }

  async complete(deviceId: string, result: DmOperationResult): Promise<void> {
    if (result.operationId.startsWith(DESIRED)) {
      // Applied: the node now holds the desired value (recomputed: no state kept in memory).
      const device = await this.device(deviceId);
      if (!device || result.status < 200 || result.status >= 300) return;
      const node = result.operationId.slice(DESIRED.length);
      const d = desiredState(device, this.core.catalog.current(), this.core.box).find(
        (x) => x.target.path === node,
      );
      if (d)
        await this.core.devices.recordContact(device.id, Date.now(), { [node]: this.recorded(d) });
      return;
    }
    const ref = parseDmOperationId(result.operationId);
    if (!ref) return;
    const out = dmResultToOperationResult(result);
    if (out.status === 'failed' && !out.message) {
      // Readable: `404 Not Found: ./Vendor/SIP/Registrar`, not only the code.
      const job = await this.core.jobs.find(ref.jobId);
      const op = job?.operations[ref.index];
      const path = op?.target?.path ?? op?.path;
      out.message = path ? `${statusText(result.status)}: ${path}` : statusText(result.status);
    }
    await this.core.jobs.recordOperationResult(ref.jobId, ref.index, out);
  }

  async release(
    _deviceId: string,
    operations: DmOperation[],
    cause: DmReleaseCause = {
      code: 'session-ended',
      message: 'the DM session ended before every command was answered',
    },
  ): Promise<void> {
    const jobIds = new Set(
      operations.map((o) => parseDmOperationId(o.id)?.jobId).filter((j): j is string => !!j),
    );
    for (const id of jobIds) {
      await this.core.jobs.releaseJob(id, cause);
      if (cause.code === 'server-auth-rejected') await this.failWhenRefusedAgain(id, cause);
    }
  }

  /**
   * A device that refused the server's credentials in SERVER_AUTH_REJECTIONS sessions will not
   * change its mind by itself (wrong server password or auth type): the job fails for good.
   */
  private async failWhenRefusedAgain(jobId: string, cause: DmReleaseCause): Promise<void> {
    const job = await this.core.jobs.find(jobId);
    if (!job || job.state !== 'awaiting-contact') return;
    const refusals = job.faults.filter((f) => f.code === 'server-auth-rejected').length;
    if (refusals < SERVER_AUTH_REJECTIONS) return;
    await this.core.jobs.failJob(jobId, cause.code, cause.message);
  }

  async event(e: DmEvent): Promise<void> {
    const device = await this.device(e.deviceId);
    if (!device) return;
    switch (e.type) {
      case 'session-started':
        await this.core.devices.recordContact(device.id);
        await this.core.jobs.events.publish([
          event('device.contact', {
            deviceId: device.id,
            protocol: 'omadm',
            initiator: e.initiator,
          }),
        ]);
        return;
      case 'device-info':
        await this.core.devices.recordContact(device.id, Date.now(), e.info.nodes);
        return;
      case 'generic-alert':
        await this.core.jobs.events.publish([
          event('device.alert', {
            deviceId: device.id,
            protocol: 'omadm',
            code: e.alert.code,
            items: e.alert.items,
          }),
        ]);
        return;
      case 'auth-failed':
        await this.core.jobs.events.publish([
          event('device.alert', {
            deviceId: device.id,
            protocol: 'omadm',
            alert: 'auth-failed',
            reason: e.reason,
          }),
        ]);
        return;
      default:
        return;
    }
  }
}
