import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { CoreKeys } from '../util/redis-keys';
import { loadScript } from '../util/redis-scripts';
import { Job, JobState, OperationResult, TERMINAL_STATES } from './job.model';
import { JobFilter, JobRepository, TransitionOptions, TransitionOutcome } from './job.repository';

/*
 * Job hash fields, all short so that a queued job's hash stays listpack-encoded (~250 bytes):
 *   s state · d device id · c campaign id · m compact JSON of the immutable part · u updated-at
 *   (base36) · r JSON results · a attempts and f faults as newline-separated JSON lines · n wakes.
 * The compiled operations live once per distinct content under `ops:<hash>` (a campaign's
 * 100,000 jobs share one), referenced from `m`.
 */

const CREATE_JOB = `
local b, id, dev, camp, meta, now, idem, fp, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local jk = b..'j:'..id
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
redis.call('HSET', jk, 's', 'queued', 'd', dev, 'm', meta, 'u', now)
if camp ~= '' then
  redis.call('HSET', jk, 'c', camp)
  redis.call('RPUSH', b..'cj:'..camp, id)
end
redis.call('ZADD', b..'jobs', tonumber(ARGV[10]), id)
redis.call('ZADD', b..'dj:'..dev, tonumber(ARGV[10]), id)
redis.call('HINCRBY', b..'jobstates', 'queued', 1)
return 'ok'
`;

const TRANSITION = `
local b, id, allowed, to, now, terminal, retention = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local jk = b..'j:'..id
local s = redis.call('HGET', jk, 's')
if not s then return {'missing'} end
if not string.find(','..allowed..',', ','..s..',', 1, true) then return {'denied', s} end
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
redis.call('HINCRBY', b..'jobstates', s, -1)
redis.call('HINCRBY', b..'jobstates', to, 1)
if terminal == '1' then
  local dev = redis.call('HGET', jk, 'd')
  redis.call('ZREM', b..'dj:'..dev, id)
  local camp = redis.call('HGET', jk, 'c')
  if camp then
    redis.call('HINCRBY', b..'c:'..camp, 'n:'..to, 1)
    redis.call('HINCRBY', b..'c:'..camp, 'done', 1)
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

class Script {
  private sha?: string;
  constructor(private readonly source: string) {}

  /**
   * The scripts name their keys in ARGV; `routingKey` is passed as the one KEYS entry (unused by
   * the script) so a Redis Cluster runs it on the master that owns the prefix's hash slot.
   */
  async run(redis: Redis, routingKey: string, args: (string | number)[]): Promise<unknown> {
    this.sha ??= await loadScript(redis, this.source);
    try {
      return await redis.evalsha(this.sha, 1, routingKey, ...args);
    } catch (err) {
      if (!String(err).includes('NOSCRIPT')) throw err;
      this.sha = undefined;
      return redis.eval(this.source, 1, routingKey, ...args);
    }
  }

  async loadedSha(redis: Redis): Promise<string> {
    this.sha ??= await loadScript(redis, this.source);
    return this.sha;
  }
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

const createScript = new Script(CREATE_JOB);

const transitionScript = new Script(TRANSITION);

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
  return job;
}

export class RedisJobRepository implements JobRepository {
  private readonly keys: CoreKeys;
  /** Operations are immutable and content-addressed: safe to cache in any process. */
  private readonly opsCache = new Map<string, Job['operations']>();

  constructor(
    private readonly redis: Redis,
    prefix: string,
    /** How long finished jobs stay readable. */
    private readonly retentionMs = 7 * 24 * 3600 * 1000,
    private readonly idempotencyTtlMs = 24 * 3600 * 1000,
  ) {
    this.keys = new CoreKeys(prefix);
  }

  private createArgs(job: Job, fingerprint = ''): (string | number)[] {
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
      this.keys.base,
      job.id,
      job.deviceId,
      job.campaignId ?? '',
      JSON.stringify(meta),
      job.createdAt.toString(36),
      job.idempotencyKey ?? '',
      fingerprint,
      this.idempotencyTtlMs,
      job.createdAt,
      hash,
      opsJson,
      Math.max(0, job.deadline - Date.now()) + this.retentionMs + OPS_SLACK_MS,
    ];
  }

  private remember(hash: string, ops: Job['operations']): void {
    if (this.opsCache.size >= 1000) this.opsCache.clear();
    this.opsCache.set(hash, ops);
  }

  /** Loads the operations of the given hashes that this process has not seen yet. */
  private async loadOps(hashes: string[]): Promise<void> {
    const missing = [...new Set(hashes)].filter((h) => !this.opsCache.has(h));
    if (!missing.length) return;
    const raws = await this.redis.mget(missing.map((h) => `${this.keys.base}ops:${h}`));
    missing.forEach((h, i) =>
      this.remember(h, raws[i] ? (JSON.parse(raws[i]!) as Job['operations']) : []),
    );
  }

  private decode(id: string, h: Record<string, string>): Job | null {
    return decodeJob(id, h, (hash) => this.opsCache.get(hash) ?? []);
  }

  async create(job: Job, fingerprint = '') {
    const reply = (await createScript.run(
      this.redis,
      this.keys.base,
      this.createArgs(job, fingerprint),
    )) as string;
    if (reply === 'ok') return { created: true as const };
    const [existingId, fp] = reply.split(' ');
    return { created: false as const, existingId, sameRequest: fp === fingerprint };
  }

  async createMany(jobs: Job[]) {
    const sha = await createScript.loadedSha(this.redis);
    const pipe = this.redis.pipeline();
    for (const job of jobs) pipe.evalsha(sha, 1, this.keys.base, ...this.createArgs(job));
    const replies = (await pipe.exec()) ?? [];
    return replies.map(([err, reply]) => {
      if (err) throw err;
      return reply === 'ok'
        ? { created: true as const }
        : { created: false as const, existingId: (reply as string).split(' ')[0] };
    });
  }

  async get(id: string): Promise<Job | null> {
    const h = await this.redis.hgetall(this.keys.job(id));
    if (!h.s) return null;
    await this.loadOps([(JSON.parse(h.m) as Meta).o]);
    return this.decode(id, h);
  }

  async getMany(ids: string[]): Promise<(Job | null)[]> {
    if (!ids.length) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.keys.job(id));
    const hashes = ((await pipe.exec()) ?? []).map(([err, h]) => {
      if (err) throw err;
      return h as Record<string, string>;
    });
    await this.loadOps(hashes.filter((h) => h.s).map((h) => (JSON.parse(h.m) as Meta).o));
    return hashes.map((h, i) => this.decode(ids[i], h));
  }

  async getState(id: string): Promise<JobState | null> {
    return (await this.redis.hget(this.keys.job(id), 's')) as JobState | null;
  }

  async transition(
    id: string,
    from: readonly JobState[],
    to: JobState,
    opts: TransitionOptions = {},
  ): Promise<TransitionOutcome> {
    const reply = (await transitionScript.run(this.redis, this.keys.base, [
      this.keys.base,
      id,
      from.join(','),
      to,
      Date.now().toString(36),
      TERMINAL_STATES.includes(to) ? '1' : '0',
      this.retentionMs,
      opts.attempt ? JSON.stringify(opts.attempt) : '',
      opts.fault ? JSON.stringify(opts.fault) : '',
      opts.results ? JSON.stringify(opts.results) : '',
    ])) as string[];
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
    const reply = (await this.redis.eval(
      PARTIAL_RESULT,
      1,
      `${this.keys.base}jr:${id}`,
      index,
      JSON.stringify(result),
      total,
      this.retentionMs,
    )) as string[] | null;
    if (!reply) return null;
    const out: OperationResult[] = new Array(total);
    for (let i = 0; i < reply.length; i += 2)
      out[Number(reply[i])] = JSON.parse(reply[i + 1]) as OperationResult;
    return out;
  }

  pendingIds(deviceId: string): Promise<string[]> {
    return this.redis.zrange(this.keys.deviceJobs(deviceId), 0, '-1');
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
    if (filter.campaignId) {
      const all = await this.redis.lrange(this.keys.campaignJobs(filter.campaignId), 0, -1);
      const start = after ? all.indexOf(after) + 1 : 0;
      return all.slice(start, start + limit);
    }
    const key = this.keys.allJobs();
    if (!after) return this.redis.zrevrange(key, 0, limit - 1);
    const score = await this.redis.zscore(key, after);
    if (score === null) return [];
    const ids = await this.redis.zrevrangebyscore(key, score, '-inf', 'LIMIT', 0, limit + 50);
    const idx = ids.indexOf(after);
    return ids.slice(idx + 1, idx + 1 + limit);
  }

  /** Drops index entries of jobs created before `before` (their hashes expired already). */
  async trimIndex(before: number): Promise<number> {
    return this.redis.zremrangebyscore(this.keys.allJobs(), '-inf', `(${before}`);
  }

  async countByState(): Promise<Record<string, number>> {
    const raw = await this.redis.hgetall(this.keys.jobStates());
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  }
}
