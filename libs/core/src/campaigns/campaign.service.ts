import type { Redis } from 'ioredis';
import { Device, Protocol, PROTOCOLS } from '../devices/device.model';
import { DeviceService } from '../devices/device.service';
import { CoreError, InvalidTransitionError, NotFoundError, ValidationError } from '../errors';
import { event, EventPublisher } from '../events/core-event';
import { isTerminal, Job, JOB_STATES, JobState } from '../jobs/job.model';
import { WAITING_STATES } from '../jobs/job-state-machine';
import { JobService } from '../jobs/job.service';
import { newId } from '../util/ids';
import { CoreKeys } from '../util/redis-keys';
import {
  Campaign,
  CampaignInput,
  CampaignSelection,
  CampaignState,
  ProtocolProgress,
} from './campaign.model';

/*
 * Campaign hash fields: m meta JSON · s state · fo fan-out cursor · fd "1" when fan-out is complete ·
 * jobs · skipped · reason · u updated-at. The finished-job counters (done · n:<job state>) live
 * with the jobs, one hash per shard, kept by the job transition script (see
 * JobService.campaignCounts).
 */

/** KEYS: the campaign, the set of active campaigns (same slot: both deployment-wide). */
const SET_STATE = `
local s = redis.call('HGET', KEYS[1], 's')
if not s then return {'missing'} end
if not string.find(','..ARGV[1]..',', ','..s..',', 1, true) then return {'denied', s} end
redis.call('HSET', KEYS[1], 's', ARGV[2], 'u', ARGV[3])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'reason', ARGV[4]) end
if ARGV[5] == '1' then redis.call('SREM', KEYS[2], ARGV[6]) end
return {'ok', s}
`;

const FINAL_STATES: CampaignState[] = ['completed', 'cancelled', 'stopped'];

/** The protocol letters of the per-protocol counters (see the job repository). */
const PROTOCOL_LETTERS: Record<string, Protocol> = { c: 'omacp', d: 'omadm', w: 'workpoint' };

const FAILURE_STATES: JobState[] = ['failed', 'expired'];

interface Meta {
  name?: string;
  sel: CampaignSelection;
  ops: Campaign['operations'];
  rate: number;
  ratio: number;
  min: number;
  dls: number;
  ca: number;
}

/** Campaign orchestration hooks the worker side provides (fan-out queue). */
export interface CampaignScheduler {
  /** `key` makes the request idempotent: one fan-out job per campaign and key. */
  fanOut(campaignId: string, key?: string): Promise<void>;
}

export class CampaignService {
  private readonly keys: CoreKeys;
  fanOutScheduler: CampaignScheduler = { fanOut: async () => undefined };
  private readonly stateCache = new Map<string, { state: CampaignState | null; until: number }>();
  /** `campaign.progress` events of one campaign are at least this far apart (per process). */
  progressIntervalMs = 500;
  private readonly progressTimers = new Map<string, { last: number; timer?: NodeJS.Timeout }>();

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly devices: DeviceService,
    private readonly jobs: JobService,
    private readonly events: EventPublisher,
  ) {
    this.keys = new CoreKeys(prefix);
  }

  private validate(input: CampaignInput): Meta {
    if (!input || typeof input !== 'object')
      throw new ValidationError('invalid-campaign', 'a campaign must be a JSON object');
    const sel = input.selection;
    if (!sel || typeof sel !== 'object')
      throw new ValidationError('invalid-selection', 'selection is required');
    if (
      sel.deviceIds !== undefined &&
      (!Array.isArray(sel.deviceIds) || sel.deviceIds.some((d) => typeof d !== 'string'))
    ) {
      throw new ValidationError(
        'invalid-selection',
        'selection.deviceIds must be an array of device ids',
      );
    }
    if (sel.protocol !== undefined && !PROTOCOLS.includes(sel.protocol)) {
      throw new ValidationError(
        'invalid-selection',
        `selection.protocol must be one of ${PROTOCOLS.join(', ')}`,
      );
    }
    if (
      !sel.deviceIds &&
      !sel.tag &&
      !sel.protocol &&
      !sel.profile &&
      !sel.model &&
      !(sel as any).all
    ) {
      throw new ValidationError(
        'invalid-selection',
        'selection needs deviceIds, tag, protocol, profile, model or all: true',
      );
    }
    if (!Array.isArray(input.operations) || !input.operations.length) {
      throw new ValidationError('invalid-operations', 'operations must be a non-empty array');
    }
    // seed 002: the certificate is the phone's own (with its private key, which a campaign
    // would also keep unsealed in its definition)
    if (input.operations.some((o) => (o as { op?: unknown })?.op === 'secureBootstrap'))
      throw new ValidationError(
        'per-device-operation',
        "secureBootstrap installs one phone's own certificate and private key: create one job per device (POST /v1/jobs), not a campaign",
      );
    const rate = input.ratePerSecond ?? 100;
    if (typeof rate !== 'number' || !(rate > 0) || rate > 100000)
      throw new ValidationError('invalid-rate', 'ratePerSecond must be in (0, 100000]');
    const ratio = input.failureThreshold?.ratio ?? 1;
    const min = input.failureThreshold?.minSample ?? 20;
    if (typeof ratio !== 'number' || ratio < 0 || ratio > 1)
      throw new ValidationError(
        'invalid-threshold',
        'failureThreshold.ratio must be between 0 and 1',
      );
    if (!Number.isInteger(min) || min < 1)
      throw new ValidationError(
        'invalid-threshold',
        'failureThreshold.minSample must be a positive integer',
      );
    const dls = input.deadlineSeconds ?? 24 * 3600;
    if (typeof dls !== 'number' || dls < 1 || dls > 30 * 86400)
      throw new ValidationError(
        'invalid-deadline',
        'deadlineSeconds must be between 1 and 2592000',
      );
    return { name: input.name, sel, ops: input.operations, rate, ratio, min, dls, ca: Date.now() };
  }

  async create(input: CampaignInput): Promise<Campaign> {
    const meta = this.validate(input);
    const id = newId('c');
    const now = Date.now();
    await this.redis
      .multi()
      .hset(
        this.keys.campaign(id),
        'm',
        JSON.stringify(meta),
        's',
        'running',
        'jobs',
        0,
        'skipped',
        0,
        'u',
        now,
      )
      .zadd(this.keys.allCampaigns(), now, id)
      .sadd(this.keys.activeCampaigns(), id)
      .exec();
    await this.fanOutScheduler.fanOut(id);
    await this.events.publish([event('campaign.state', { campaignId: id, state: 'running' })]);
    return this.get(id);
  }

  async get(id: string): Promise<Campaign> {
    const [h, counts] = await Promise.all([
      this.redis.hgetall(this.keys.campaign(id)),
      this.jobs.campaignCounts(id),
    ]);
    if (!h.m) throw new NotFoundError('campaign', id);
    const m = JSON.parse(h.m) as Meta;
    const byState: Campaign['progress']['byState'] = {};
    for (const s of JOB_STATES) if (counts[`n:${s}`]) byState[s] = counts[`n:${s}`];
    const byProtocol: Campaign['progress']['byProtocol'] = {};
    for (const [letter, protocol] of Object.entries(PROTOCOL_LETTERS)) {
      const p: ProtocolProgress = { jobs: 0, done: 0, byState: {} };
      for (const s of JOB_STATES) {
        const n = counts[`p:${letter}:${s}`] ?? 0;
        if (n <= 0) continue;
        p.byState[s] = n;
        p.jobs += n;
        if (isTerminal(s)) p.done += n;
      }
      if (p.jobs) byProtocol[protocol] = p;
    }
    const c: Campaign = {
      id,
      state: h.s as CampaignState,
      selection: m.sel,
      operations: m.ops,
      ratePerSecond: m.rate,
      failureThreshold: { ratio: m.ratio, minSample: m.min },
      deadlineSeconds: m.dls,
      createdAt: m.ca,
      updatedAt: Number(h.u),
      progress: {
        jobs: Number(h.jobs),
        skipped: Number(h.skipped),
        done: counts.done ?? 0,
        fanOutComplete: h.fd === '1',
        byState,
        byProtocol,
      },
    };
    if (m.name) c.name = m.name;
    if (h.reason) c.stopReason = h.reason;
    return c;
  }

  async list(
    after: string | undefined,
    limit: number,
  ): Promise<{ items: Campaign[]; nextCursor?: string }> {
    let ids: string[];
    if (!after) ids = await this.redis.zrevrange(this.keys.allCampaigns(), 0, limit - 1);
    else {
      const rank = await this.redis.zrevrank(this.keys.allCampaigns(), after);
      ids =
        rank === null
          ? []
          : await this.redis.zrevrange(this.keys.allCampaigns(), rank + 1, rank + limit);
    }
    const items = await Promise.all(ids.map((id) => this.get(id)));
    return { items, nextCursor: ids.length === limit ? ids[ids.length - 1] : undefined };
  }

  /** Campaign state with a one-second cache: wake-ups consult it for every job. */
  async stateOf(id: string): Promise<CampaignState | null> {
    const now = Date.now();
    const cached = this.stateCache.get(id);
    if (cached && cached.until > now) return cached.state;
    const state = (await this.redis.hget(this.keys.campaign(id), 's')) as CampaignState | null;
    if (this.stateCache.size > 1000) this.stateCache.clear();
    this.stateCache.set(id, { state, until: now + 1000 });
    return state;
  }

  private async setState(
    id: string,
    from: CampaignState[],
    to: CampaignState,
    reason = '',
  ): Promise<boolean> {
    const reply = (await this.redis.eval(
      SET_STATE,
      2,
      this.keys.campaign(id),
      this.keys.activeCampaigns(),
      from.join(','),
      to,
      Date.now(),
      reason,
      FINAL_STATES.includes(to) ? '1' : '0',
      id,
    )) as string[];
    if (reply[0] === 'missing') throw new NotFoundError('campaign', id);
    this.stateCache.delete(id);
    if (reply[0] !== 'ok') return false;
    await this.events.publish([
      event('campaign.state', {
        campaignId: id,
        state: to,
        from: reply[1],
        reason: reason || undefined,
      }),
    ]);
    return true;
  }

  async pause(id: string): Promise<Campaign> {
    if (!(await this.setState(id, ['running'], 'paused')))
      await this.refuse(id, 'paused', ['paused']);
    return this.get(id);
  }

  async resume(id: string): Promise<Campaign> {
    if (await this.setState(id, ['paused'], 'running')) {
      await this.releaseParked(id);
      const fd = await this.redis.hget(this.keys.campaign(id), 'fd');
      if (fd !== '1') await this.fanOutScheduler.fanOut(id);
    } else await this.refuse(id, 'running', ['running']);
    return this.get(id);
  }

  async cancel(id: string): Promise<Campaign> {
    if (await this.setState(id, ['running', 'paused'], 'cancelled'))
      await this.cancelActiveJobs(id);
    else await this.refuse(id, 'cancelled', ['cancelled']);
    return this.get(id);
  }

  private async refuse(id: string, to: CampaignState, idempotent: CampaignState[]): Promise<void> {
    const current = (await this.redis.hget(this.keys.campaign(id), 's')) as CampaignState;
    if (!idempotent.includes(current))
      throw new InvalidTransitionError('campaign', id, current, to);
  }

  private async cancelActiveJobs(id: string): Promise<void> {
    for await (const ids of this.jobs.campaignJobIds(id)) {
      const states = await Promise.all(ids.map((j) => this.jobs.getState(j)));
      await Promise.all(
        ids.map(async (jobId, k) => {
          const job =
            states[k] && WAITING_STATES.includes(states[k]!) ? await this.jobs.find(jobId) : null;
          if (job) await this.jobs.move(job, 'cancelled');
        }),
      );
    }
    await this.redis.del(`${this.keys.campaign(id)}:parked`);
  }

  /** A wake-up found its campaign paused: the job waits here until resume. */
  async park(campaignId: string, jobId: string): Promise<void> {
    await this.redis.rpush(`${this.keys.campaign(campaignId)}:parked`, jobId);
  }

  private async releaseParked(id: string): Promise<void> {
    const key = `${this.keys.campaign(id)}:parked`;
    const rate = (await this.get(id)).ratePerSecond;
    let index = 0;
    while (true) {
      const ids = (await this.redis.lpop(key, 500)) as string[] | null;
      if (!ids || !ids.length) return;
      const jobs = (await Promise.all(ids.map((j) => this.jobs.find(j)))).filter(
        (j): j is Job => !!j,
      );
      await this.jobs.schedule(
        jobs.map((job) => ({ job, wakeDelayMs: Math.floor((index++ * 1000) / rate) })),
      );
    }
  }

  /**
   * Creates the jobs for the next batch of selected devices and schedules their wake-ups, paced
   * at the campaign's rate. Safe to repeat after a crash: the batch's job ids are written ahead
   * (`wal`) before any job is created, so a rerun of the same batch reuses them and creates
   * nothing twice; the cursor and the counts move in one transaction at the end.
   */
  async fanOutBatch(id: string, batchSize = 1000): Promise<'more' | 'done' | 'halted'> {
    const key = this.keys.campaign(id);
    const [state, metaRaw, cursor, fd, jobsSoFar, walRaw] = await this.redis.hmget(
      key,
      's',
      'm',
      'fo',
      'fd',
      'jobs',
      'wal',
    );
    if (!metaRaw) throw new NotFoundError('campaign', id);
    if (state !== 'running' || fd === '1') return fd === '1' ? 'done' : 'halted';
    const meta = JSON.parse(metaRaw) as Meta;
    let ids: string[];
    let nextCursor: string | undefined;
    if (meta.sel.deviceIds) {
      const start = Number(cursor ?? 0);
      ids = meta.sel.deviceIds.slice(start, start + batchSize);
      nextCursor =
        start + batchSize < meta.sel.deviceIds.length ? String(start + ids.length) : undefined;
    } else {
      const batch = await this.devices.selectBatch(meta.sel, cursor || undefined, batchSize);
      ids = batch.ids;
      nextCursor = batch.next;
    }
    const wal = walRaw
      ? (JSON.parse(walRaw) as { at: string; ids: Record<string, string> })
      : undefined;
    const jobIds: Record<string, string> = wal && wal.at === (cursor ?? '') ? wal.ids : {};
    const devices = (await this.devices.getMany(ids)).filter((d): d is Device => !!d);
    const now = Date.now();
    const built: Job[] = [];
    let skipped = ids.length - devices.length;
    const base = Number(jobsSoFar ?? 0);
    for (const device of devices) {
      try {
        const ops = this.jobs.compileOperations(device, meta.ops);
        const job = this.jobs.buildJob(
          device,
          ops,
          {
            deadline: now + meta.dls * 1000,
            campaignId: id,
            id: jobIds[device.id],
            // paced at the campaign's rate, in order of creation
            firstStepAt: now + Math.floor(((base + built.length) * 1000) / meta.rate),
          },
          now,
        );
        jobIds[device.id] = job.id;
        built.push(job);
      } catch (err) {
        if (!(err instanceof CoreError)) throw err;
        skipped++;
      }
    }
    await this.redis.hset(key, 'wal', JSON.stringify({ at: cursor ?? '', ids: jobIds }));
    const outcomes = await this.jobs.createMany(built);
    // Jobs made by an interrupted earlier run of this batch count too: the counts move only here.
    const created = outcomes.length;
    await this.jobs.schedule(built.map((job) => ({ job, wakeDelayMs: job.nextStep!.at - now })));
    const multi = this.redis
      .multi()
      .hincrby(key, 'jobs', created)
      .hincrby(key, 'skipped', skipped)
      .hset(key, 'fo', nextCursor ?? '', 'u', Date.now())
      .hdel(key, 'wal');
    if (!nextCursor) multi.hset(key, 'fd', '1');
    await multi.exec();
    if (created) this.noteProgress(id);
    if (!nextCursor) await this.checkFinished(id);
    return nextCursor ? 'more' : 'done';
  }

  /**
   * A job of the campaign changed state (or jobs were created): publishes a `campaign.progress`
   * event with the counters, coalescing changes so that one campaign's events from this process
   * are at least `progressIntervalMs` apart; the last change is always published.
   */
  noteProgress(id: string): void {
    let t = this.progressTimers.get(id);
    if (!t) this.progressTimers.set(id, (t = { last: 0 }));
    if (t.timer) return;
    const slot = t;
    slot.timer = setTimeout(
      () => {
        slot.timer = undefined;
        slot.last = Date.now();
        this.publishProgress(id).catch(() => undefined);
      },
      Math.max(0, slot.last + this.progressIntervalMs - Date.now()),
    );
    slot.timer.unref?.();
  }

  private async publishProgress(id: string): Promise<void> {
    const c = await this.get(id);
    await this.events.publish([
      event('campaign.progress', { campaignId: id, state: c.state, progress: c.progress }),
    ]);
    const t = this.progressTimers.get(id);
    if (FINAL_STATES.includes(c.state) && t && !t.timer) this.progressTimers.delete(id);
  }

  /** After a campaign job finished: stop on the failure threshold, complete when all are done. */
  async checkFinished(id: string): Promise<void> {
    const h = await this.redis.hgetall(this.keys.campaign(id));
    if (!h.m || (h.s !== 'running' && h.s !== 'paused')) return;
    const meta = JSON.parse(h.m) as Meta;
    const counts = await this.jobs.campaignCounts(id);
    const done = counts.done ?? 0;
    const failed = FAILURE_STATES.reduce((n, s) => n + (counts[`n:${s}`] ?? 0), 0);
    if (done >= meta.min && failed / done > meta.ratio) {
      const reason = `failure ratio ${(failed / done).toFixed(2)} exceeded ${meta.ratio} after ${done} finished jobs`;
      if (await this.setState(id, ['running', 'paused'], 'stopped', reason))
        await this.cancelActiveJobs(id);
      return;
    }
    if (h.fd === '1' && done >= Number(h.jobs)) await this.setState(id, ['running'], 'completed');
  }

  /**
   * The reconciler's pass over active campaigns, for steps a crash can leave undone: the fan-out
   * job never queued after create (or lost), seen as a running campaign whose fan-out has not moved
   * for `stalledMs` (it is queued again, once per stall: the key is the last update time); and
   * the completion check after the last job, which ran in the process that finished that job.
   */
  async reconcile(stalledMs: number): Promise<{ refanned: number; checked: number }> {
    const ids = await this.redis.smembers(this.keys.activeCampaigns());
    let refanned = 0;
    for (const id of ids) {
      const [s, fd, u] = await this.redis.hmget(this.keys.campaign(id), 's', 'fd', 'u');
      if (!s || FINAL_STATES.includes(s as CampaignState)) {
        await this.redis.srem(this.keys.activeCampaigns(), id);
        continue;
      }
      if (fd === '1') await this.checkFinished(id);
      else if (s === 'running' && Date.now() - Number(u) >= stalledMs) {
        await this.fanOutScheduler.fanOut(id, `stalled-${u}`);
        refanned++;
      }
    }
    return { refanned, checked: ids.length };
  }
}
