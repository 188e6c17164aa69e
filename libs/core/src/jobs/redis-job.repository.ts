import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { newId } from '../util/ids';
import { ShardKeys } from '../util/redis-keys';
import { LuaScript } from '../util/redis-scripts';
import { RedisShards } from '../util/redis-shards';
import { pipelinePerShard, readPerShard } from '../util/shard-pipeline';
import { Job, JobState, OperationResult, TERMINAL_STATES } from './job.model';
import { JobFilter, JobRepository, TransitionOptions, TransitionOutcome } from './job.repository';

/*
 * Job hash fields, all short so that a queued job's hash stays listpack-encoded (~250 bytes):
 *   s state · d device id · c campaign id · cp the protocol letter of a campaign job · m compact JSON of the immutable part · u updated-at
 *   (base36) · r JSON results · a attempts and f faults as newline-separated JSON lines · n wakes
 *   · x token and xa due time (base36) of the job's one scheduled next step.
 * The compiled operations live once per distinct content under `ops:<hash>` (a campaign's
 * 100,000 jobs share one), referenced from `m`.
 */

/*
 * Every key below is in the job's shard (its device's); `b` is that shard's base and KEYS[1] the
 * job key. Every job that is not terminal is in the shard's `steps` set, scored by when its next
 * step is due; a step that is overdue by more than a grace period was lost (its process died
 * before queueing it in BullMQ, another slot) and the reconciler queues it again.
 */
const CREATE_JOB = `
local b, id, dev, camp, meta, now, idem, fp, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local jk = KEYS[1]
if redis.call('EXISTS', jk) == 1 then return id..' ' end
local ok, opsTtl = b..'ops:'..ARGV[11], tonumber(ARGV[13])
if not redis.call('SET', ok, ARGV[12], 'NX', 'PX', opsTtl) then
  local cur = redis.call('PTTL', ok)
  if cur >= 0 and cur < opsTtl then redis.call('PEXPIRE', ok, opsTtl) end
end
if idem ~= '' then
  local prev = redis.call('GET', b..'idem:'..idem)
  if prev then return prev end
  redis.call('SET', b..'idem:'..idem, id..' '..fp, 'PX', ttl)
end
redis.call('HSET', jk, 's', 'queued', 'd', dev, 'm', meta, 'u', now, 'x', '0', 'xa', ARGV[14])
if camp ~= '' then
  redis.call('HSET', jk, 'c', camp, 'cp', ARGV[15])
  redis.call('RPUSH', b..'cj:'..camp, id)
  redis.call('HINCRBY', b..'cc:'..camp, 'p:'..ARGV[15]..':queued', 1)
end
redis.call('ZADD', b..'jobs', tonumber(ARGV[10]), id)
redis.call('ZADD', b..'dj:'..dev, tonumber(ARGV[10]), id)
redis.call('ZADD', b..'steps', tonumber(ARGV[14], 36), id)
redis.call('HINCRBY', b..'jobstates', 'queued', 1)
return 'ok'
`;

/** An idempotency key living in another shard than its job: claimed first, carrying the job id. */
const CLAIM_IDEMPOTENCY_KEY = `
local prev = redis.call('GET', KEYS[1])
if prev then return prev end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
`;

/**
 * Campaign counters are per shard (`cc:<campaign>`) and summed when read: `done` and
 * `n:<final state>` count finished jobs; `p:<protocol letter>:<state>` count the campaign's jobs
 * now in each state, by protocol (kept for jobs whose hash has `cp`, i.e. created since these
 * counters exist).
 */
const TRANSITION = `
local b, id, allowed, to, now, terminal, retention = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local jk = KEYS[1]
local s = redis.call('HGET', jk, 's')
if not s then return {'missing'} end
if not string.find(','..allowed..',', ','..s..',', 1, true) then return {'denied', s} end
if to == '' then to = s end
redis.call('HSET', jk, 's', to, 'u', now)
if ARGV[8] ~= '' then
  local a = redis.call('HGET', jk, 'a')
  redis.call('HSET', jk, 'a', a and (a..'\\n'..ARGV[8]) or ARGV[8])
  redis.call('HINCRBY', jk, 'n', 1)
end
if ARGV[9] ~= '' then
  local f = redis.call('HGET', jk, 'f')
  redis.call('HSET', jk, 'f', f and (f..'\\n'..ARGV[9]) or ARGV[9])
end
if ARGV[10] ~= '' then redis.call('HSET', jk, 'r', ARGV[10]) end
if to == s then return {'ok', s} end
redis.call('HINCRBY', b..'jobstates', s, -1)
redis.call('HINCRBY', b..'jobstates', to, 1)
local cp = redis.call('HGET', jk, 'cp')
if cp then
  local cc = b..'cc:'..redis.call('HGET', jk, 'c')
  redis.call('HINCRBY', cc, 'p:'..cp..':'..s, -1)
  redis.call('HINCRBY', cc, 'p:'..cp..':'..to, 1)
end
if terminal == '1' then
  local dev = redis.call('HGET', jk, 'd')
  redis.call('ZREM', b..'dj:'..dev, id)
  redis.call('ZREM', b..'steps', id)
  redis.call('HDEL', jk, 'x', 'xa')
  local camp = redis.call('HGET', jk, 'c')
  if camp then
    redis.call('HINCRBY', b..'cc:'..camp, 'n:'..to, 1)
    redis.call('HINCRBY', b..'cc:'..camp, 'done', 1)
  end
  redis.call('PEXPIRE', jk, tonumber(retention))
end
return {'ok', s}
`;

const P2C: Record<Job['protocol'], string> = { workpoint: 'w', omadm: 'd', omacp: 'c' };
const C2P: Record<string, Job['protocol']> = { w: 'workpoint', d: 'omadm', c: 'omacp' };

/** Kept under 64 bytes so the hash stays listpack-encoded. */
interface Meta {
  /** protocol, one letter */
  p: string;
  /** hash of the operations (key `ops:<hash>`) */
  o: string;
  /** created-at and deadline, base36 ms */
  ca: string;
  dl: string;
  k?: string;
}

const OPS_SLACK_MS = 86400000;

function opsHash(json: string): string {
  return createHash('sha256').update(json).digest('base64url').slice(0, 12);
}

const PARTIAL_RESULT = `
local k = KEYS[1]
redis.call('HSET', k, ARGV[1], ARGV[2])
redis.call('PEXPIRE', k, ARGV[4])
if redis.call('HLEN', k) >= tonumber(ARGV[3]) then
  local all = redis.call('HGETALL', k)
  redis.call('DEL', k)
  return all
end
return false
`;

/**
 * Sets the job's next step (KEYS[1] job key; ARGV base, id, expected token or '' for any, token,
 * due time base36). Refused for a terminal job or when another step took the job meanwhile.
 */
const SET_NEXT_STEP = `
local jk, b, id = KEYS[1], ARGV[1], ARGV[2]
local s = redis.call('HGET', jk, 's')
if not s or redis.call('ZSCORE', b..'dj:'..redis.call('HGET', jk, 'd'), id) == false then return 0 end
if ARGV[3] ~= '' and redis.call('HGET', jk, 'x') ~= ARGV[3] then return 0 end
redis.call('HSET', jk, 'x', ARGV[4], 'xa', ARGV[5])
redis.call('ZADD', b..'steps', tonumber(ARGV[5], 36), id)
return 1
`;

const createScript = new LuaScript(CREATE_JOB);
const nextStepScript = new LuaScript(SET_NEXT_STEP);
const transitionScript = new LuaScript(TRANSITION);
const claimIdempotencyScript = new LuaScript(CLAIM_IDEMPOTENCY_KEY);
const partialResultScript = new LuaScript(PARTIAL_RESULT);

function lines<T>(raw: string | undefined): T[] {
  return raw ? raw.split('\n').map((l) => JSON.parse(l) as T) : [];
}

function decodeJob(
  id: string,
  h: Record<string, string>,
  operations: (hash: string) => Job['operations'],
): Job | null {
  if (!h.s) return null;
  const m = JSON.parse(h.m) as Meta;
  const job: Job = {
    id,
    deviceId: h.d,
    protocol: C2P[m.p],
    state: h.s as JobState,
    operations: operations(m.o),
    results: h.r ? JSON.parse(h.r) : [],
    attempts: lines(h.a),
    faults: lines(h.f),
    createdAt: parseInt(m.ca, 36),
    updatedAt: parseInt(h.u, 36),
    deadline: parseInt(m.dl, 36),
  };
  if (h.c) job.campaignId = h.c;
  if (m.k) job.idempotencyKey = m.k;
  if (h.x) job.nextStep = { token: h.x, at: parseInt(h.xa, 36) };
  return job;
}

export class RedisJobRepository implements JobRepository {
  /** Operations are immutable and content-addressed: safe to cache in any process. */
  private readonly opsCache = new Map<string, Job['operations']>();

  constructor(
    private readonly redis: Redis,
    private readonly shards: RedisShards,
    /** How long finished jobs stay readable. */
    private readonly retentionMs = 7 * 24 * 3600 * 1000,
    private readonly idempotencyTtlMs = 24 * 3600 * 1000,
  ) {}

  newJobId(deviceId: string): string {
    return this.shards.jobId(newId('j'), deviceId);
  }

  private shardOfJob(id: string): ShardKeys | null {
    return this.shards.ofJob(id);
  }

  private createArgs(job: Job, idempotencyKey: string, fingerprint = ''): (string | number)[] {
    const opsJson = JSON.stringify(job.operations);
    const hash = opsHash(opsJson);
    this.remember(hash, job.operations);
    const meta: Meta = {
      p: P2C[job.protocol],
      o: hash,
      ca: job.createdAt.toString(36),
      dl: job.deadline.toString(36),
    };
    if (job.idempotencyKey) meta.k = job.idempotencyKey;
    return [
      this.shards.ofDevice(job.deviceId).base,
      job.id,
      job.deviceId,
      job.campaignId ?? '',
      JSON.stringify(meta),
      job.createdAt.toString(36),
      idempotencyKey,
      fingerprint,
      this.idempotencyTtlMs,
      job.createdAt,
      hash,
      opsJson,
      Math.max(0, job.deadline - Date.now()) + this.retentionMs + OPS_SLACK_MS,
      (job.nextStep?.at ?? job.createdAt).toString(36),
      P2C[job.protocol],
    ];
  }

  private jobKey(job: Job): string {
    return this.shards.ofDevice(job.deviceId).job(job.id);
  }

  private remember(hash: string, ops: Job['operations']): void {
    if (this.opsCache.size >= 1000) this.opsCache.clear();
    this.opsCache.set(hash, ops);
  }

  /** Loads the operations of the given hashes that this process has not seen yet. */
  private async loadOps(refs: { hash: string; shard: ShardKeys }[]): Promise<void> {
    const missing = new Map<string, ShardKeys>();
    for (const r of refs) if (!this.opsCache.has(r.hash)) missing.set(r.hash, r.shard);
    if (!missing.size) return;
    const hashes = [...missing.keys()];
    const raws = await readPerShard(
      hashes,
      (h) => missing.get(h)!.index,
      (k, some) => this.redis.mget(some.map(this.shards.all()[k].operations)),
    );
    hashes.forEach((h, i) =>
      this.remember(h, raws[i] ? (JSON.parse(raws[i]!) as Job['operations']) : []),
    );
  }

  private decode(id: string, h: Record<string, string>): Job | null {
    return decodeJob(id, h, (hash) => this.opsCache.get(hash) ?? []);
  }

  /**
   * With the idempotency key in the job's shard, one script checks the key and creates the job.
   * Otherwise the key is claimed first in its own shard, naming the new job's id; a crash before
   * the job is written leaves a claim for a job that does not exist, which the retry of the same
   * request (same fingerprint) completes by creating the job under the claimed id.
   */
  async create(job: Job, fingerprint = '') {
    const key = job.idempotencyKey ?? '';
    const local = !key || this.shards.indexOf(key) === this.shards.indexOf(job.deviceId);
    let target = job;
    if (!local) {
      const prev = (await claimIdempotencyScript.run(
        this.redis,
        [this.shards.ofValue(key).idempotency(key)],
        [`${job.id} ${fingerprint}`, this.idempotencyTtlMs],
      )) as string | null;
      if (prev) {
        const [existingId, fp] = prev.split(' ');
        if (fp !== fingerprint || (await this.getState(existingId)) !== null)
          return { created: false as const, existingId, sameRequest: fp === fingerprint };
        target = { ...job, id: existingId };
      }
    }
    const reply = (await createScript.run(
      this.redis,
      [this.jobKey(target)],
      this.createArgs(target, local ? key : '', fingerprint),
    )) as string;
    if (reply === 'ok') return { created: true as const, jobId: target.id };
    const [existingId, fp] = reply.split(' ');
    return {
      created: false as const,
      existingId,
      sameRequest: target !== job || fp === fingerprint,
    };
  }

  /** Campaign jobs (no idempotency keys): one round trip per shard. */
  async createMany(jobs: Job[]) {
    const sha = await createScript.loadedSha(this.redis);
    const replies = await pipelinePerShard(
      this.redis,
      jobs,
      (job) => this.shards.indexOf(job.deviceId),
      (pipe, job) => pipe.evalsha(sha, 1, this.jobKey(job), ...this.createArgs(job, '')),
    );
    return replies.map((reply) =>
      reply === 'ok'
        ? { created: true as const }
        : { created: false as const, existingId: (reply as string).split(' ')[0] },
    );
  }

  async get(id: string): Promise<Job | null> {
    const shard = this.shardOfJob(id);
    if (!shard) return null;
    const h = await this.redis.hgetall(shard.job(id));
    if (!h.s) return null;
    await this.loadOps([{ hash: (JSON.parse(h.m) as Meta).o, shard }]);
    return this.decode(id, h);
  }

  async getMany(ids: string[]): Promise<(Job | null)[]> {
    if (!ids.length) return [];
    const known = ids.filter((id) => this.shardOfJob(id));
    const replies = await pipelinePerShard(
      this.redis,
      known,
      (id) => this.shardOfJob(id)!.index,
      (pipe, id) => pipe.hgetall(this.shardOfJob(id)!.job(id)),
    );
    const byId = new Map(known.map((id, i) => [id, replies[i] as Record<string, string>]));
    await this.loadOps(
      known
        .filter((id) => byId.get(id)!.s)
        .map((id) => ({
          hash: (JSON.parse(byId.get(id)!.m) as Meta).o,
          shard: this.shardOfJob(id)!,
        })),
    );
    return ids.map((id) => {
      const h = byId.get(id);
      return h ? this.decode(id, h) : null;
    });
  }

  async getState(id: string): Promise<JobState | null> {
    const shard = this.shardOfJob(id);
    if (!shard) return null;
    return (await this.redis.hget(shard.job(id), 's')) as JobState | null;
  }

  async transition(
    id: string,
    from: readonly JobState[],
    to: JobState | null,
    opts: TransitionOptions = {},
  ): Promise<TransitionOutcome> {
    const shard = this.shardOfJob(id);
    if (!shard) return { ok: false, reason: 'missing' };
    const reply = (await transitionScript.run(
      this.redis,
      [shard.job(id)],
      [
        shard.base,
        id,
        from.join(','),
        to ?? '',
        Date.now().toString(36),
        to && TERMINAL_STATES.includes(to) ? '1' : '0',
        this.retentionMs,
        opts.attempt ? JSON.stringify(opts.attempt) : '',
        opts.fault ? JSON.stringify(opts.fault) : '',
        opts.results ? JSON.stringify(opts.results) : '',
      ],
    )) as string[];
    if (reply[0] === 'ok') return { ok: true, from: reply[1] as JobState };
    if (reply[0] === 'missing') return { ok: false, reason: 'missing' };
    return { ok: false, reason: 'denied', current: reply[1] as JobState };
  }

  /**
   * Keeps one operation's result until the job has all of them; then returns them in order
   * (and forgets them). Protocols that answer operation by operation (OMA DM) use it.
   */
  async putPartialResult(
    id: string,
    index: number,
    result: OperationResult,
    total: number,
  ): Promise<OperationResult[] | null> {
    const shard = this.shardOfJob(id);
    if (!shard) return null;
    const reply = (await partialResultScript.run(
      this.redis,
      [shard.partialResults(id)],
      [index, JSON.stringify(result), total, this.retentionMs],
    )) as string[] | null;
    if (!reply) return null;
    const out: OperationResult[] = new Array(total);
    for (let i = 0; i < reply.length; i += 2)
      out[Number(reply[i])] = JSON.parse(reply[i + 1]) as OperationResult;
    return out;
  }

  pendingIds(deviceId: string): Promise<string[]> {
    return this.redis.zrange(this.shards.ofDevice(deviceId).deviceJobs(deviceId), 0, '-1');
  }

  async setNextStep(
    id: string,
    step: { token: string; at: number },
    expectToken?: string,
  ): Promise<boolean> {
    const shard = this.shardOfJob(id);
    if (!shard) return false;
    const reply = await nextStepScript.run(
      this.redis,
      [shard.job(id)],
      [shard.base, id, expectToken ?? '', step.token, Math.round(step.at).toString(36)],
    );
    return reply === 1;
  }

  /** Jobs whose next step was due before `before`, up to `limit` per shard. */
  async overdueSteps(before: number, limit: number): Promise<string[]> {
    const runs = await Promise.all(
      this.shards
        .all()
        .map((s) => this.redis.zrangebyscore(s.steps(), '-inf', `(${before}`, 'LIMIT', 0, limit)),
    );
    return runs.flat();
  }

  /** Newest first; the cursor is the last id returned (ids sort by creation time). */
  async list(filter: JobFilter, after: string | undefined, limit: number) {
    const items: Job[] = [];
    let cursor = after;
    for (let rounds = 0; rounds < 20 && items.length < limit; rounds++) {
      const ids = await this.scanIds(filter, cursor, limit);
      if (!ids.length) return { items };
      for (const job of await this.getMany(ids)) {
        if (
          job &&
          (!filter.state || job.state === filter.state) &&
          (!filter.deviceId || job.deviceId === filter.deviceId)
        ) {
          if (items.length < limit) items.push(job);
        }
      }
      cursor = ids[ids.length - 1];
      if (ids.length < limit) return { items };
    }
    return { items, nextCursor: items.length ? items[items.length - 1].id : cursor };
  }

  private async scanIds(
    filter: JobFilter,
    after: string | undefined,
    limit: number,
  ): Promise<string[]> {
    if (filter.campaignId) return this.scanCampaign(filter.campaignId, after, limit);
    const shards = this.shards.all();
    let score = '+inf';
    if (after) {
      const shard = this.shardOfJob(after);
      const s = shard && (await this.redis.zscore(shard.allJobs(), after));
      if (!s) return [];
      score = s;
    }
    // Each shard lists newest first down from the cursor's score; the merge orders by (score, id)
    // descending, the order ZREVRANGEBYSCORE gives inside one shard.
    const runs = await Promise.all(
      shards.map((s) =>
        this.redis.zrevrangebyscore(
          s.allJobs(),
          score,
          '-inf',
          'WITHSCORES',
          'LIMIT',
          0,
          limit + 50,
        ),
      ),
    );
    const entries: [number, string][] = [];
    for (const run of runs)
      for (let i = 0; i < run.length; i += 2) entries.push([Number(run[i + 1]), run[i]]);
    entries.sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0));
    let start = 0;
    if (after) {
      const s = Number(score);
      while (start < entries.length && entries[start][0] === s && entries[start][1] >= after)
        start++;
    }
    return entries.slice(start, start + limit).map((e) => e[1]);
  }

  /** A campaign's jobs, shard after shard, each shard's in creation order. */
  private async scanCampaign(
    campaignId: string,
    after: string | undefined,
    limit: number,
  ): Promise<string[]> {
    const shards = this.shards.all();
    let k = 0;
    let start = 0;
    if (after) {
      const shard = this.shardOfJob(after);
      if (!shard) return [];
      k = shard.index;
      const all = await this.redis.lrange(shard.campaignJobs(campaignId), 0, -1);
      start = all.indexOf(after) + 1;
    }
    const out: string[] = [];
    for (; k < shards.length && out.length < limit; k++, start = 0) {
      const ids = await this.redis.lrange(
        shards[k].campaignJobs(campaignId),
        start,
        start + limit - out.length - 1,
      );
      out.push(...ids);
    }
    return out;
  }

  /** A campaign's job ids shard by shard, in batches (cancel and progress walk them). */
  async *campaignJobIds(campaignId: string, batch = 500): AsyncGenerator<string[]> {
    for (const shard of this.shards.all()) {
      const key = shard.campaignJobs(campaignId);
      for (let i = 0; ; i += batch) {
        const ids = await this.redis.lrange(key, i, i + batch - 1);
        if (ids.length) yield ids;
        if (ids.length < batch) break;
      }
    }
  }

  /** A campaign's counters (`done`, `n:<state>`) summed over the shards. */
  campaignCounts(campaignId: string): Promise<Record<string, number>> {
    return this.sumOverShards((s) => s.campaignCounts(campaignId));
  }

  /** Drops index entries of jobs created before `before` (their hashes expired already). */
  async trimIndex(before: number): Promise<number> {
    const counts = await Promise.all(
      this.shards.all().map((s) => this.redis.zremrangebyscore(s.allJobs(), '-inf', `(${before}`)),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  countByState(): Promise<Record<string, number>> {
    return this.sumOverShards((s) => s.jobStates());
  }

  /** A counter hash that exists once per shard, field by field summed. */
  private async sumOverShards(key: (s: ShardKeys) => string): Promise<Record<string, number>> {
    const all = await Promise.all(this.shards.all().map((s) => this.redis.hgetall(key(s))));
    const out: Record<string, number> = {};
    for (const h of all) for (const [k, v] of Object.entries(h)) out[k] = (out[k] ?? 0) + Number(v);
    return out;
  }
}
