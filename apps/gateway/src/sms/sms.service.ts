import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { CpSigner, CONTENT_TYPE_CONNECTIVITY_WBXML, encodeWspPush } from '@dm-bridge/wap-push';
import {
  PUSH_FAILURE_CODES,
  SMPP_TRANSPORT,
  SmppTransport,
  type PushStatus,
  type PushToSend,
  type SmppBind,
} from '@dm-bridge/smpp';
import { ConnectionOptions, Queue, QueueOptions, Worker } from 'bullmq';
import { GATEWAY_CONFIG, GatewayConfig, runsWorker } from '../config/gateway.config';
import { ReadinessRegistry } from '../health/readiness.registry';
import { MetricsRegistry } from '../orchestration/metrics.registry';
import type { Redis } from 'ioredis';
import { BULLMQ_CONNECTION, BULLMQ_PREFIX, REDIS, REDIS_PREFIX } from '../redis/redis.module';
import { isConnectionError, redisErrors, watchRedis } from '../redis/redis-errors';
import { hostname } from 'node:os';
import { SMS_CONFIG, SmsConfig } from './sms.config';
import { SmscBindRegistry } from './smsc-bind.registry';
import { createSmsProcessor } from './sms.processor';
import { SmsJobData, smsQueueName, toJobPush } from './sms-queue';
import type { CpPushRequest } from '../orchestration/drivers/omacp-push.driver';

export type { PushStatus } from '@dm-bridge/smpp';

const COUNTER_METRICS: Record<string, string> = {
  submitted: 'dmb_smpp_submits_total',
  acknowledged: 'dmb_smpp_acks_total',
  throttled: 'dmb_smpp_throttled_total',
  temporaryErrors: 'dmb_smpp_temporary_errors_total',
  permanentErrors: 'dmb_smpp_permanent_errors_total',
  genericNacks: 'dmb_smpp_generic_nacks_total',
  resubmitted: 'dmb_smpp_resubmits_total',
  receipts: 'dmb_smpp_receipts_total',
  reconnects: 'dmb_smpp_reconnects_total',
};

const COUNTER_HELP: Record<string, string> = {
  dmb_smpp_submits_total: 'submit_sm written, per bind',
  dmb_smpp_acks_total: 'submit_sm acknowledged with ESME_ROK, per bind',
  dmb_smpp_throttled_total: 'ESME_RTHROTTLED / ESME_RMSGQFUL answers, per bind',
  dmb_smpp_temporary_errors_total: 'temporary submit errors (retried), per bind',
  dmb_smpp_permanent_errors_total: 'permanent submit errors (push failed), per bind',
  dmb_smpp_generic_nacks_total: 'generic_nack received, per bind',
  dmb_smpp_resubmits_total: 'submits resent after a connection loss, per bind',
  dmb_smpp_receipts_total: 'delivery receipts received, per bind',
  dmb_smpp_reconnects_total: 'reconnects after a connection loss, per bind',
};

function watchQueue(name: string, opts: QueueOptions): Queue<SmsJobData> {
  return watchRedis(new Queue<SmsJobData>(name, opts), name);
}

/**
 * The push names a bind that is not configured (or none is): permanent, the caller fails the
 * job with `code` at once.
 */
export class UnknownBindError extends Error {
  override readonly name = 'UnknownBindError';
  readonly code = 'unknown-bind';
  constructor(
    message: string,
    readonly bindId?: string,
  ) {
    super(message);
  }
}

/** Options of SmsService.enqueue / enqueueCpPush. */
export interface EnqueueOptions {
  /**
   * Epoch ms (the core job's deadline) for pushes that carry none: transient SMSC causes are
   * retried until then; past it the push fails with code `expired`. Default: now +
   * SMPP_PUSH_DEADLINE_MS (1 h).
   */
  deadline?: number;
}

/** Token bucket: KEYS[1] hash {t tokens, at ms}; ARGV capacity, rate per second, now (ms). */
const ADMIT_WAKE = `
local cap, rate, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens, at = tonumber(b[1]) or cap, tonumber(b[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - at) * rate / 1000)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * 1000 / rate) end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate * 1000) + 60000)
return wait
`;

/**
 * WAP pushes over SMS for the rest of the gateway: `enqueue` puts pushes on the bind's queue;
 * in worker processes the bind's owner (Redis lease) consumes that queue through its SMPP
 * connection. Delivery outcomes land on the Redis stream `<prefix>smpp:outcomes` and in
 * `status(pushId)`.
 */
@Injectable()
export class SmsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Sms');
  private readonly queues = new Map<string, Queue<SmsJobData>>();
  private readonly workers = new Map<string, Worker<SmsJobData>>();

  constructor(
    @Inject(SMPP_TRANSPORT) readonly transport: SmppTransport,
    @Inject(SMS_CONFIG) readonly config: SmsConfig,
    @Inject(GATEWAY_CONFIG) private readonly gateway: GatewayConfig,
    @Inject(BULLMQ_CONNECTION) private readonly connection: ConnectionOptions,
    @Inject(BULLMQ_PREFIX) private readonly prefix: string,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_PREFIX) private readonly redisPrefix: string,
    readonly registry: SmscBindRegistry,
    readiness: ReadinessRegistry,
    @Optional() private readonly metrics?: MetricsRegistry,
  ) {
    readiness.register('smpp', () => this.readiness());
  }

  /** The queue of a bind (made on first use: binds come and go at run time). */
  private queueFor(bindId: string): Queue<SmsJobData> {
    let q = this.queues.get(bindId);
    if (!q) {
      q = watchQueue(smsQueueName(bindId), {
        connection: this.connection,
        prefix: this.prefix,
        defaultJobOptions: {
          attempts: this.config.jobAttempts,
          backoff: { type: 'exponential', delay: this.config.jobBackoffMs },
          removeOnComplete: true,
          removeOnFail: { count: 10_000 },
        },
      });
      this.queues.set(bindId, q);
    }
    return q;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!runsWorker(this.gateway)) return;
    if (this.metrics) {
      for (const [name, help] of Object.entries(COUNTER_HELP)) this.metrics.describe(name, help);
    }
    // Counters are kept on the connection (no cost on the hot path) and exported as deltas,
    // with the live status, for the API of every process.
    this.metricsTimer = setInterval(() => void this.exportCounters(), this.config.statusMs);
    this.metricsTimer.unref();
    await this.transport.setBinds(this.registry.activeConfigs());
    this.transport.start({
      mayAcquire: (config) => this.registry.stillWanted(config),
      onOwned: (bind) => this.startWorker(bind),
      onReleased: (bind, reason) => this.stopWorker(bind.id, reason),
    });
    this.registry.onChange(() => {
      if (this.stopping) return;
      void this.transport
        .setBinds(this.registry.activeConfigs())
        .catch((e) => this.log.warn(`applying SMSC bind changes failed: ${(e as Error).message}`));
    });
  }

  private stopping = false;
  private metricsTimer?: NodeJS.Timeout;
  private readonly exported = new WeakMap<SmppBind, Record<string, number>>();
  private readonly owner = `${hostname()}:${process.pid}`;

  private async exportCounters(): Promise<void> {
    for (const id of this.transport.bindIds) {
      const bind = this.transport.owned(id);
      if (!bind) continue;
      const last = this.exported.get(bind) ?? {};
      const h = bind.health();
      const now = h.counters as unknown as Record<string, number>;
      const deltas: Record<string, number> = {};
      for (const [counter, metric] of Object.entries(COUNTER_METRICS)) {
        const delta = (now[counter] ?? 0) - (last[counter] ?? 0);
        if (delta > 0) {
          deltas[counter] = delta;
          this.metrics?.inc(metric, { bind: id }, delta);
        }
      }
      this.exported.set(bind, { ...now });
      try {
        await this.registry.store.addCounters(id, deltas);
        await this.registry.store.publishStatus(
          id,
          {
            owner: this.owner,
            state: h.state,
            receiver: h.receiver,
            inFlight: h.inFlight,
            queued: h.queued,
            window: h.window,
            ratePerSecond: h.ratePerSecond,
            rateGuardMs: h.rateGuardMs,
            throttledSince: h.throttledSince,
            lastError: h.lastError,
            lastProblem: h.lastProblem,
            at: Date.now(),
          },
          this.config.statusMs * 3,
        );
      } catch {
        // Redis away: the status expires and the API shows the bind without an owner.
      }
    }
  }

  /**
   * Shutdown's first step: no SMS leaves this process from now on. The consumers stop taking
   * jobs and the binds refuse new submits at once (submits queued in a bind fail, so their jobs
   * are retried by the next owner); submits already written get `drainMs` for their answers.
   * Then the binds unbind and their leases are released for another process to take over.
   */
  async stopSending(drainMs: number): Promise<void> {
    this.stopping = true;
    const workers = [...this.workers.values()];
    this.workers.clear();
    const consumersClosed = Promise.all(workers.map((w) => w.close()));
    await Promise.all(this.transport.bindIds.map((id) => this.transport.owned(id)?.close(drainMs)));
    await consumersClosed;
    await this.transport.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    await this.exportCounters();
    // Workers stop first (active jobs finish), then the transport unbinds (SmppModule hook).
    await Promise.all([...this.workers.keys()].map((id) => this.stopWorker(id)));
    await this.transport.stop();
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }

  /**
   * Queues pushes (batched into jobs of SMPP_PUSHES_PER_JOB) on one bind. Throws
   * UnknownBindError when the bind does not exist (nothing is queued then). A push's own
   * `deadline` wins over `options.deadline`.
   */
  async enqueue(
    pushes: PushToSend[],
    bindId = this.registry.defaultBindId(),
    options: EnqueueOptions = {},
  ): Promise<void> {
    await this.requireBind(bindId);
    const queue = this.queueFor(bindId!);
    const fallback = options.deadline ?? Date.now() + this.config.pushDeadlineMs;
    for (const p of pushes) {
      const d = p.deadline ?? fallback;
      if (!Number.isFinite(d)) throw new TypeError(`push ${p.pushId}: deadline must be epoch ms`);
    }
    const n = this.config.pushesPerJob;
    const jobs = [];
    for (let i = 0; i < pushes.length; i += n) {
      const slice = pushes.slice(i, i + n);
      jobs.push({
        name: 'push',
        data: { pushes: slice.map((p) => toJobPush({ ...p, deadline: p.deadline ?? fallback })) },
        // Idempotent enqueue of the same batch; BullMQ ids may not contain ":".
        opts: { jobId: `p-${slice[0].pushId.replace(/:/g, '_')}` },
      });
    }
    for (let i = 0; i < jobs.length; i += 500) await queue.addBulk(jobs.slice(i, i + 500));
  }

  /**
   * Builds a signed OMA CP push (ProvBoot §5: SEC/MAC over exactly these WBXML bytes) and
   * queues it. The PIN/IMSI are used here and never stored in the queue.
   */
  async enqueueCpPush(input: CpPushRequest): Promise<void> {
    // Fail fast on an unknown bind, before any signing work.
    const bindId = input.bindId ?? this.registry.defaultBindId();
    await this.requireBind(bindId);
    const signed = new CpSigner({ sec: input.sec, imsi: input.imsi, pin: input.pin }).sign(
      input.wbxml,
    );
    const wsp = encodeWspPush({
      tid: 0x01,
      contentType: CONTENT_TYPE_CONNECTIVITY_WBXML,
      contentTypeParams: signed.contentTypeParams,
      body: input.wbxml,
    });
    await this.enqueue(
      [{ pushId: input.pushId, jobId: input.jobId, destination: input.to, datagram: wsp }],
      bindId,
      { deadline: input.deadline },
    );
  }

  /**
   * Admits one wake-up message on a bind, or says how long to wait first (ms; 0 = admitted).
   * A token bucket per bind in Redis (shared by every gateway process) holds `burstSeconds` of
   * the bind's rate and refills at that rate; on top, a bind whose queue already holds more than
   * `burstSeconds` of messages (SMSC slow or down) admits nothing. Binds without a rate limit
   * admit everything.
   */
  async admitWake(
    bindId = this.registry.defaultBindId(),
    burstSeconds = 10,
  ): Promise<{ waitMs: number; bind?: string }> {
    const bind = bindId !== undefined ? this.registry.get(bindId)?.config : undefined;
    const queue = bind ? this.queueFor(bind.id) : undefined;
    const rate = bind?.ratePerSecond ?? 0;
    if (!bind || !queue || !rate || burstSeconds <= 0) return { waitMs: 0, bind: bindId };
    const backlog = (await queue.getWaitingCount()) / rate;
    if (backlog > burstSeconds)
      return { waitMs: Math.ceil((backlog - burstSeconds / 2) * 1000), bind: bind.id };
    const waitMs = (await this.redis.eval(
      ADMIT_WAKE,
      1,
      `${this.redisPrefix}smpp:admit:${bind.id}`,
      Math.max(1, rate * burstSeconds),
      rate,
      Date.now(),
    )) as number;
    return { waitMs, bind: bind.id };
  }

  /**
   * One push: `state` is `failed` only for a permanent cause (with a stable `code`, see
   * PushStatus) or a passed deadline (`code: 'expired'`), `error` says why in words.
   */
  status(pushId: string): Promise<PushStatus | undefined> {
    return this.transport.correlator.status(pushId);
  }

  queue(bindId: string): Queue<SmsJobData> | undefined {
    return this.registry.get(bindId) ? this.queueFor(bindId) : this.queues.get(bindId);
  }

  private async requireBind(bindId: string | undefined): Promise<void> {
    if (bindId && (await this.registry.has(bindId))) return;
    throw new UnknownBindError(
      bindId
        ? `no SMPP bind named "${bindId}"`
        : 'no SMPP bind configured (SMPP_BINDS or /v1/smsc-binds)',
      bindId,
    );
  }

  private startWorker(bind: SmppBind): void {
    if (this.workers.has(bind.id)) return;
    const worker = new Worker<SmsJobData>(
      smsQueueName(bind.id),
      createSmsProcessor(this.transport, bind.id, {
        rerunInitialMs: this.config.jobBackoffMs,
        rerunMaxMs: this.config.jobBackoffMaxMs,
      }),
      {
        connection: this.connection,
        prefix: this.prefix,
        concurrency: this.config.workerConcurrency,
        // A crashed owner's active jobs are picked up by the next owner about as fast as the
        // bind itself is taken over.
        lockDuration: Math.max(5_000, this.config.leaseTtlMs),
        stalledInterval: Math.max(5_000, this.config.leaseTtlMs),
        // Reruns are idempotent (acknowledged segments are never sent again): an owner killed
        // again and again must not fail the pushes it held.
        maxStalledCount: 1_000_000,
      },
    );
    worker.on('failed', (job, err) => {
      if (!job) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1);
      this.log.warn(
        `sms job ${job.id} on ${bind.id} failed (attempt ${job.attemptsMade}): ${err.message}`,
      );
      if (final) void this.requeueUnsent(bind.id, job.data, err.message).catch(() => undefined);
    });
    worker.on('error', (err) =>
      isConnectionError(err)
        ? redisErrors.error(`sms-${bind.id}`, err)
        : this.log.warn(`sms worker ${bind.id}: ${err.message}`),
    );
    this.workers.set(bind.id, worker);
  }

  /**
   * A queue job out of BullMQ attempts (unexpected errors only): its pushes are not failed for
   * that. Those past their deadline end `expired`, the others go back on the queue as a new job.
   */
  private async requeueUnsent(bindId: string, data: SmsJobData, why: string): Promise<void> {
    const now = Date.now();
    const live = [];
    for (const p of data.pushes) {
      if (p.deadline !== undefined && now >= p.deadline) {
        await this.transport.correlator.markFailed(
          p.pushId,
          PUSH_FAILURE_CODES.expired,
          `deadline passed before the SMSC accepted the message (last: ${why})`,
        );
      } else live.push(p);
    }
    if (!live.length) return;
    await this.queueFor(bindId).add(
      'push',
      { pushes: live },
      {
        jobId: `p-${live[0].pushId.replace(/:/g, '_')}-r${now}`,
        delay: this.config.jobBackoffMaxMs,
      },
    );
  }

  /**
   * Stops consuming a bind's queue. On shutdown or a change the active jobs get the grace period
   * on the open connection; when the lease is lost the connection is already closed and this
   * process must not wait for anything (its tick would hold the bind from being taken back).
   * Never waits without bound: a BullMQ worker whose connection broke under it may never close.
   */
  private async stopWorker(
    bindId: string,
    reason: 'shutdown' | 'lease-lost' | 'reconfigured' = 'shutdown',
  ): Promise<void> {
    const w = this.workers.get(bindId);
    if (!w) return;
    this.workers.delete(bindId);
    const grace = this.gateway.shutdownGraceMs;
    if (reason === 'lease-lost') {
      if (!(await settlesWithin(w.close(true), Math.min(grace, 5_000))))
        this.log.warn(`sms worker of ${bindId} did not close after losing the lease; left behind`);
      return;
    }
    const closing = w.close();
    if (await settlesWithin(closing, grace)) return;
    // Jobs still waiting on an unreachable SMSC: close the bind so they fail over to a retry.
    await this.transport.owned(bindId)?.close(0);
    if (!(await settlesWithin(closing, grace)))
      this.log.warn(`sms worker of ${bindId} did not close within twice the grace; left behind`);
  }

  private readiness(): { ok: boolean; detail: unknown } {
    if (this.registry.list().length === 0) return { ok: true, detail: 'no SMSC configured' };
    const paused = this.registry
      .list()
      .filter((b) => b.paused)
      .map((b) => ({ id: b.config.id, paused: true }));
    const binds = this.transport.health();
    const ok = !runsWorker(this.gateway)
      ? true
      : binds.every(
          (b) => b.owner === 'other' || (b.owner === 'this' && b.connection?.state === 'bound'),
        );
    return { ok, detail: [...binds, ...paused] };
  }
}

/** Whether `p` settles (either way) within `ms`. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms))),
  ]);
  clearTimeout(timer);
  return settled;
}
