import {
  compileWorkpointJob,
  compileWorkpointOperation,
  ConflictError,
  Core,
  Device,
  event,
  normaliseMac,
  desiredState,
  workpointOutcomeToResults,
  type SecureListenerDefaults,
} from '@dm-bridge/core';
import type { JobOutcome, WorkpointEvent, WorkpointItem, WorkpointJob } from '@dm-bridge/workpoint';
import type { WorkpointJobSource, WorkpointWork } from '../../workpoint/workpoint-job-source';

/**
 * The Workpoint engine's work source over core's jobs. Phones are core devices found by MAC;
 * every pending job is handed over (and moves to `in-session`), desired state comes from the
 * device's and its profile's desired parameters bound to Workpoint items. A phone's session
 * holds core's session lock of the device (`core.locks`, the lock the watchdog looks at).
 */
export class CoreWorkpointJobSource implements WorkpointJobSource {
  constructor(
    private readonly core: Core,
    /** SESSION_LOCK_TTL_MS: the lease taken by an opening request */
    private readonly sessionLockTtlMs: number,
    /**
     * The secure listener as the phones reach it (filled in once it listens): what a
     * `secureBootstrap` job naming no `serverCa`/`securePort` installs in the phone.
     */
    readonly secureListener: SecureListenerDefaults = {},
  ) {}

  private device(mac: string): Promise<Device | null> {
    return this.core.devices.findByAddress('workpoint', 'mac', normaliseMac(mac));
  }

  async work(mac: string, session: string): Promise<WorkpointWork> {
    const device = await this.device(mac);
    if (!device) return { jobs: [] };
    // the lease first: jobs claimed below are never in-session without a holder
    await this.core.locks.supersede(device.id, session, this.sessionLockTtlMs);
    const jobs: WorkpointJob[] = [];
    for (const job of await this.core.jobs.pendingJobs(device.id)) {
      try {
        jobs.push(
          compileWorkpointJob(job, this.core.jobs.revealOperations(job), this.secureListener),
        );
      } catch (err) {
        // permanent: it could never be served, so it ends now instead of at its deadline
        await this.core.jobs.failJob(job.id, 'compile-failed', (err as Error).message);
      }
    }
    await this.core.jobs.claimJobs(jobs.map((j) => j.id));
    const certFingerprint = device.credentials.clientCertFingerprint;
    return {
      jobs,
      desired: this.desired(device),
      lease: device.id,
      known: true,
      ...(certFingerprint ? { certFingerprint } : {}),
    };
  }

  async holdSession(lease: string, session: string, ttlMs: number): Promise<void> {
    // the phone state (under its request mutex) says which session is live: it takes the lock
    await this.core.locks.supersede(lease, session, ttlMs);
  }

  async endSession(lease: string, session: string): Promise<void> {
    await this.core.locks.release(lease, session);
  }

  private desired(device: Device): WorkpointItem[] | undefined {
    const items: WorkpointItem[] = [];
    for (const d of desiredState(device, this.core.catalog.current(), this.core.box)) {
      const op = compileWorkpointOperation(
        { op: 'set', path: d.parameter, target: d.target },
        d.value,
      );
      if (op.kind === 'write') items.push(...op.items);
    }
    return items.length ? items : undefined;
  }

  async hasPending(mac: string): Promise<boolean> {
    const device = await this.device(mac);
    return !!device && (await this.core.jobs.pendingJobs(device.id)).length > 0;
  }

  async complete(_mac: string, outcome: JobOutcome): Promise<void> {
    const job = await this.core.jobs.find(outcome.jobId);
    if (!job) return;
    await this.core.jobs.claimJobs([job.id]);
    await this.core.jobs.completeJob(
      job.id,
      workpointOutcomeToResults(outcome, job.operations.length),
    );
  }

  async fault(mac: string, message: string): Promise<void> {
    const device = await this.device(mac);
    if (!device) return;
    for (const job of await this.core.jobs.pendingJobs(device.id))
      await this.core.jobs.addFault(job.id, 'contact-me-failed', message);
  }

  /**
   * Plug & play: a phone never seen before that the engine accepted becomes a core device, with
   * its contact-me address from the `contact-me-uri` item it reported (port 8085 when absent) and
   * the tag `quarantine` when the registration policy says so.
   */
  private async registerPhone(
    mac: string,
    quarantined: boolean,
    inventory: Record<string, string>,
  ): Promise<void> {
    const addressing: Record<string, unknown> = { mac: normaliseMac(mac) };
    const uri = inventory['contact-me-uri'];
    if (uri) {
      try {
        const u = new URL(uri);
        addressing.ip = u.hostname;
        addressing.port = Number(u.port || 8085);
      } catch {
        // an unusable contact-me-uri leaves the phone reachable only when it calls in itself
      }
    }
    const id = `wp-${normaliseMac(mac).replace(/:/g, '')}`;
    try {
      await this.core.devices.create({
        id,
        protocol: 'workpoint',
        addressing: addressing as never,
        profile: 'openstage',
        model: inventory['device-type'] ?? null,
        tags: quarantined ? ['quarantine'] : [],
      });
      await this.core.jobs.events.publish([
        event('device.registered', { deviceId: id, protocol: 'workpoint', quarantined }),
      ]);
    } catch (err) {
      // another gateway process registered it at the same moment
      if (!(err instanceof ConflictError)) throw err;
    }
  }

  async event(e: WorkpointEvent): Promise<void> {
    if (!e.mac) return;
    if (e.type === 'phone-registered' && !(await this.device(e.mac))) {
      await this.registerPhone(e.mac, e.quarantined, e.inventory);
    }
    const device = await this.device(e.mac).catch(() => null);
    if (!device) return;
    switch (e.type) {
      case 'phone-registered':
        await this.core.devices.recordContact(device.id, Date.now(), e.inventory);
        await this.core.jobs.events.publish([
          event('device.contact', { deviceId: device.id, protocol: 'workpoint' }),
        ]);
        return;
      case 'inventory-changed':
        await this.core.devices.recordContact(
          device.id,
          Date.now(),
          Object.fromEntries(
            e.items.map((i) => [i.index === undefined ? i.name : `${i.name}[${i.index}]`, i.value]),
          ),
        );
        return;
      case 'secure-mode-active':
        // the binding goes with the device: it outlives the phone state (and its expiry)
        if (e.certFingerprint && device.credentials.clientCertFingerprint !== e.certFingerprint)
          await this.core.devices.update(device.id, {
            credentials: { clientCertFingerprint: e.certFingerprint },
          });
        return;
      case 'phone-busy':
      case 'interaction-aborted':
      case 'request-rejected':
      case 'device-conflict':
        await this.core.jobs.events.publish([
          event('device.alert', { deviceId: device.id, protocol: 'workpoint', alert: e.type }),
        ]);
        return;
      default:
        return;
    }
  }
}
