import {
  buildContactMeRequest,
  expireDeferredJobs,
  solicitedReturnOverdue,
  normalizeMac,
  type PhoneState,
} from '@dm-bridge/workpoint';
import { ConnectionOptions, DelayedError, Job, Queue, Worker } from 'bullmq';
import type { RedisShards } from '@dm-bridge/core';
import type Redis from 'ioredis';
import { isConnectionError, redisErrors, watchRedis } from '../redis/redis-errors';
import { sendContactMe } from './contact-me.client';
import { contactMeUri, contactNetworks } from './contact-me-uri';
import { PhoneStateStore } from './phone-state.store';
import { WorkpointConfig } from './workpoint.config';
import { WorkpointTimers } from './workpoint-interaction.service';
import { WorkpointJobSource } from './workpoint-job-source';

export const CONTACT_ME_QUEUE = 'contact-me';

type ContactJob =
  | { kind: 'contact'; mac: string }
  | { kind: 'busy-check'; mac: string }
  | { kind: 'deferred-check'; mac: string };

export interface ContactMeLogger {
  log(msg: Record<string, unknown>): void;
  warn(msg: Record<string, unknown>): void;
}

/**
 * Contact-me over BullMQ (queue `contact-me`): one outstanding request per phone, spaced by the
 * phone's contact gap (ADM: 300 s — earlier requests are ignored by the phone), a global rate
 * limit, retries with exponential back-off, and after the last attempt a fault on the phone's
 * jobs. The same queue carries the timers: "busy phone did not come back" and "reboot not confirmed".
 */
export class ContactMeService implements WorkpointTimers {
  private readonly queue: Queue;
  private worker?: Worker;

  constructor(
    private readonly config: WorkpointConfig,
    private readonly redis: Redis,
    /** the contact gap key of a phone sits in its MAC's shard, beside its state */
    private readonly shards: RedisShards,
    connection: ConnectionOptions,
    private readonly bullPrefix: string,
    private readonly store: PhoneStateStore,
    private readonly source: WorkpointJobSource,
    private readonly logger: ContactMeLogger,
  ) {
    this.connection = connection;
    this.contactNetworks = contactNetworks(config.contactNetworks);
    this.queue = watchRedis(
      new Queue(CONTACT_ME_QUEUE, { connection, prefix: bullPrefix }),
      CONTACT_ME_QUEUE,
    );
  }

  private readonly connection: ConnectionOptions;
  private readonly contactNetworks: ReturnType<typeof contactNetworks>;

  /** Asks the phone to call back (jobs wait for it). Repeated requests while one is queued collapse. */
  async request(anyMac: string): Promise<void> {
    // callers (core) may spell the MAC their own way; phone state is keyed by the engine's form
    const mac = normalizeMac(anyMac) ?? anyMac;
    await this.queue.add(
      'contact',
      { kind: 'contact', mac },
      {
        jobId: `contact-${mac.replace(/:/g, '')}`,
        attempts: this.config.contactAttempts,
        backoff: { type: 'exponential', delay: this.config.contactBackoffMs },
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
  }

  async busyCheck(mac: string): Promise<void> {
    await this.queue.add(
      'busy-check',
      { kind: 'busy-check', mac },
      { delay: this.config.busyReturnTimeoutMs, removeOnComplete: true, removeOnFail: true },
    );
  }

  async deferredCheck(mac: string): Promise<void> {
    await this.queue.add(
      'deferred-check',
      { kind: 'deferred-check', mac },
      { delay: this.config.deferredTimeoutMs + 100, removeOnComplete: true, removeOnFail: true },
    );
  }

  startWorker(): void {
    this.worker = new Worker<ContactJob>(
      CONTACT_ME_QUEUE,
      (job, token) => this.process(job, token),
      {
        connection: this.connection,
        prefix: this.bullPrefix,
        concurrency: 8,
        limiter: { max: this.config.contactRatePerSecond, duration: 1000 },
        // A request in flight when its process died blocks the phone's later ones (they collapse
        // onto its id) until it is found stalled: look often, and never give up on a stall.
        lockDuration: Math.max(10_000, 2 * this.config.contactTimeoutMs),
        stalledInterval: 5_000,
        maxStalledCount: Number.MAX_SAFE_INTEGER,
      },
    );
    this.worker.on('failed', (job, err) => {
      if (!job || job.data.kind !== 'contact') return;
      if (job.attemptsMade < (job.opts.attempts ?? 1)) return;
      this.logger.warn({ msg: 'contact-me gave up', mac: job.data.mac, error: err.message });
      void this.source
        .fault(
          job.data.mac,
          `contact-me gave up after ${job.attemptsMade} attempt(s): ${err.message}`,
        )
        .catch(() => undefined);
    });
    this.worker.on('error', (err) =>
      isConnectionError(err)
        ? redisErrors.error('contact-me', err)
        : this.logger.warn({ msg: 'contact-me worker error', error: err.message }),
    );
  }

  /** Stops taking contact-me jobs (shutdown's first step); requests can still be queued. */
  async stopWorker(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.close();
  }

  async close(): Promise<void> {
    await this.stopWorker();
    await this.queue.close();
  }

  private async process(job: Job, token?: string): Promise<void> {
    const data = job.data as ContactJob;
    const { mac } = data;
    if (data.kind === 'deferred-check') {
      const events: Parameters<WorkpointJobSource['event']>[0][] = [];
      let lease: PhoneState['lease'];
      await this.store.update(mac, (s) => {
        const r = expireDeferredJobs(s, Date.now(), this.config.deferredTimeoutMs);
        events.push(...r.events);
        if (r.events.length === 0) return undefined;
        // nothing left to wait for: the lease held for the confirmation goes (an interaction
        // still open and alive takes it again at its next request)
        if (r.state.deferred.length === 0 && r.state.lease) {
          lease = r.state.lease;
          if (!r.state.interaction) r.state.lease = undefined;
        }
        return r.state;
      });
      for (const e of events) {
        if (e.type === 'job-finished') await this.source.complete(mac, e.outcome);
        await this.source.event(e);
      }
      if (lease) await this.source.endSession(lease.handle, lease.session);
      return;
    }
    if (data.kind === 'busy-check') {
      const state = await this.store.get(mac);
      if (!state || !solicitedReturnOverdue(state, Date.now(), this.config.busyReturnTimeoutMs))
        return;
      this.logger.log({ msg: 'busy phone did not come back: contact-me again', mac });
      await this.request(mac);
      return;
    }
    // Contact gap: the phone ignores contact-me requests closer together than its gap.
    const gapKey = `${this.shards.ofValue(mac).prefix}wp:contact:${mac}`;
    if (this.config.contactGapMs > 0) {
      const took = await this.redis.set(
        gapKey,
        String(Date.now()),
        'PX',
        this.config.contactGapMs,
        'NX',
      );
      if (took !== 'OK') {
        const wait = Math.max(await this.redis.pttl(gapKey), 50);
        await job.moveToDelayed(Date.now() + wait, token);
        throw new DelayedError();
      }
    }
    const state = await this.store.get(mac);
    const uri = state
      ? contactMeUri(state, this.contactNetworks, this.config.contactPorts)
      : undefined;
    if (!uri) {
      // nothing to retry: without an address the phone can only be reached when it calls us
      await this.source.fault(
        mac,
        'contact-me impossible: no address the phone called from, or its port is not allowed (WORKPOINT_CONTACT_PORTS)',
      );
      return;
    }
    const request = buildContactMeRequest({
      phone: uri,
      callbackHost: this.config.callbackHost,
      callbackPort: this.config.callbackPort,
    });
    try {
      await sendContactMe(request, this.config.contactTimeoutMs);
    } catch (err) {
      // a failed attempt does not use up the gap: the retry may go out after the back-off
      if (this.config.contactGapMs > 0) await this.redis.del(gapKey);
      throw err;
    }
  }
}
