import type Redis from 'ioredis';
import type { ReceiptState } from '../receipts/receipt-parser';

/** Outcome of a push once every segment is delivered or one failed for good. */
export interface PushOutcome {
  pushId: string;
  jobId: string;
  state: 'delivered' | 'failed';
  /** Stable failure code (see PushStatus.code). */
  code?: string;
  /** Readable reason of a failure. */
  error?: string;
}

/**
 * Stable codes of a failed push. `smsc-<ESME name>` (a permanent submit_sm_resp status, e.g.
 * `smsc-ESME_RINVDSTADR`) and `delivery-<stat>` (a receipt, e.g. `delivery-UNDELIV`) are built
 * from the SMSC's answer; these are fixed.
 */
export const PUSH_FAILURE_CODES = {
  /** The deadline passed before the SMSC accepted every segment (transient causes only). */
  expired: 'expired',
  /** The datagram cannot be sent as SMS at all (e.g. too many segments). */
  invalidPush: 'invalid-push',
} as const;

export interface PushStatus {
  pushId: string;
  jobId: string;
  bindId: string;
  destination: string;
  total: number;
  acked: number;
  delivered: number;
  failed: number;
  /**
   * `failed` only for a permanent cause (SMSC refusal, failed receipt, unsendable datagram) or
   * a passed deadline (`code: 'expired'`); transient causes keep it `submitting`.
   */
  state: 'submitting' | 'submitted' | 'delivered' | 'failed';
  /** With state failed: stable code, `smsc-ESME_…`, `delivery-<stat>`, `expired` or `invalid-push`. */
  code?: string;
  /** With state failed: a readable reason. */
  error?: string;
  /** Epoch ms: the push's deadline (transient causes are retried until then). */
  deadline?: number;
  /** Segment number (1-based) -> SMSC message id as acknowledged. */
  messageIds: Record<number, string>;
}

// Applies a final segment state once (HSETNX guards against duplicate receipts) and moves the
// push to delivered (all segments) or failed (any segment), announcing that on the stream.
const APPLY = `
local function apply(pushKey, stream, pushId, seg, state, stat)
  if state ~= 'delivered' and state ~= 'failed' then return false end
  if redis.call('hsetnx', pushKey, 'st:' .. seg, state .. ':' .. stat) == 0 then return false end
  local n = redis.call('hincrby', pushKey, state, 1)
  local cur = redis.call('hget', pushKey, 'state')
  if cur == 'delivered' or cur == 'failed' then return false end
  local final = false
  local code, err = '', ''
  if state == 'failed' then
    code = 'delivery-' .. stat
    err = 'SMSC delivery receipt ' .. stat .. ' for segment ' .. seg .. ' of '
      .. (redis.call('hget', pushKey, 'total') or '1')
    redis.call('hset', pushKey, 'state', 'failed', 'code', code, 'error', err)
    final = 'failed'
  elseif n >= tonumber(redis.call('hget', pushKey, 'total') or '1') then
    redis.call('hset', pushKey, 'state', 'delivered')
    final = 'delivered'
  end
  if final then
    local jobId = redis.call('hget', pushKey, 'jobId') or ''
    redis.call('xadd', stream, 'MAXLEN', '~', '100000', '*', 'pushId', pushId, 'jobId', jobId,
      'state', final, 'code', code, 'error', err)
  end
  return final
end
`;

// Batched scripts: one call per batch instead of one per segment keeps the gateway's Redis
// client cheap at thousands of segments per second. Keys are derived from ARGV[1] (the prefix), so
// on a Redis Cluster the prefix must be a hash tag (`{dmb}:`, as the gateway makes it) and every
// call names one key of that slot in KEYS (the outcomes stream) so the call reaches its master.
const KEYS_LUA = `
local P = ARGV[1]
local function pushKey(id) return P .. 'smpp:push:' .. id end
local function msgKey(bind, id) return P .. 'smpp:msg:' .. bind .. ':' .. id end
local function earlyKey(bind, id) return P .. 'smpp:early:' .. bind .. ':' .. id end
`;

// ARGV: prefix, ttl, then per ack: pushId, bindId, segment, canonicalId, rawId. KEYS: stream.
// Returns per ack the final state an early receipt caused, or ''.
const ACK_MANY = `${APPLY}${KEYS_LUA}
local ttl = ARGV[2]
local out = {}
for i = 3, #ARGV, 5 do
  local pushId, bind, seg, canon, raw = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local pk = pushKey(pushId)
  redis.call('set', msgKey(bind, canon), pushId .. '|' .. seg, 'EX', ttl)
  if redis.call('hsetnx', pk, 'id:' .. seg, raw) == 1 then
    local acked = redis.call('hincrby', pk, 'acked', 1)
    if redis.call('hget', pk, 'state') == 'submitting' and acked >= tonumber(redis.call('hget', pk, 'total') or '1') then
      redis.call('hset', pk, 'state', 'submitted')
    end
  end
  local ek = earlyKey(bind, canon)
  local early = redis.call('get', ek)
  local final = false
  if early then
    redis.call('del', ek)
    local sep = string.find(early, ':', 1, true)
    final = apply(pk, KEYS[1], pushId, seg, string.sub(early, 1, sep - 1), string.sub(early, sep + 1))
  end
  out[#out + 1] = final or ''
end
return out
`;

// ARGV: prefix, ttl, then per receipt: bindId, canonicalId, state, stat. KEYS: stream.
// A receipt can overtake the ack write (the SMSC sends it right after submit_sm_resp): it is
// parked under the early key and applied by ACK_MANY. Returns per receipt {final or '', pushId or ''}.
const RECEIPT_MANY = `${APPLY}${KEYS_LUA}
local ttl = ARGV[2]
local out = {}
for i = 3, #ARGV, 4 do
  local bind, canon, state, stat = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local ref = redis.call('get', msgKey(bind, canon))
  if not ref then
    if state == 'delivered' or state == 'failed' then
      redis.call('set', earlyKey(bind, canon), state .. ':' .. stat, 'EX', ttl)
    end
    out[#out + 1] = { '', '' }
  else
    local sep = string.find(ref, '|', 1, true)
    local pushId = string.sub(ref, 1, sep - 1)
    local final = apply(pushKey(pushId), KEYS[1], pushId, string.sub(ref, sep + 1), state, stat)
    out[#out + 1] = { final or '', pushId }
  end
end
return out
`;

// ARGV: prefix, ttl, then per push: pushId, total, jobId, bindId, destination, refModulo (0 = none),
// deadline (epoch ms, 0 = none).
// KEYS: stream (unused, routes the call on a cluster).
// Returns per push {ref or -1, state before, acked segment numbers...}.
const REGISTER_MANY = `${KEYS_LUA}
local ttl = ARGV[2]
local out = {}
for i = 3, #ARGV, 7 do
  local pushId, total, jobId, bind, dest, mod = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], tonumber(ARGV[i + 5])
  local pk = pushKey(pushId)
  redis.call('hsetnx', pk, 'state', 'submitting')
  redis.call('hset', pk, 'total', total, 'jobId', jobId, 'bindId', bind, 'destination', dest)
  if ARGV[i + 6] ~= '0' then redis.call('hset', pk, 'deadline', ARGV[i + 6]) end
  redis.call('expire', pk, ttl)
  local ref = -1
  if mod > 0 then
    local r = redis.call('hget', pk, 'ref')
    if r then ref = tonumber(r) else
      local counter = P .. 'smpp:concat-ref:' .. dest
      ref = redis.call('incr', counter) % mod
      redis.call('expire', counter, ttl)
      redis.call('hset', pk, 'ref', ref)
    end
  end
  local entry = { ref, redis.call('hget', pk, 'state') }
  for _, f in ipairs(redis.call('hkeys', pk)) do
    if string.sub(f, 1, 3) == 'id:' then entry[#entry + 1] = string.sub(f, 4) end
  end
  out[#out + 1] = entry
end
return out
`;

// KEYS: pushKey, stream   ARGV: pushId, code, error
const FAIL = `
local cur = redis.call('hget', KEYS[1], 'state')
if cur and cur ~= 'submitting' then return false end
redis.call('hset', KEYS[1], 'state', 'failed', 'code', ARGV[2], 'error', ARGV[3])
local jobId = redis.call('hget', KEYS[1], 'jobId') or ''
redis.call('xadd', KEYS[2], 'MAXLEN', '~', '100000', '*', 'pushId', ARGV[1], 'jobId', jobId,
  'state', 'failed', 'code', ARGV[2], 'error', ARGV[3])
return 'failed'
`;

export interface PushRegistration {
  pushId: string;
  jobId: string;
  bindId: string;
  destination: string;
  segments: number;
  ref16?: boolean;
  /** Epoch ms, recorded so status() can show it. */
  deadline?: number;
}

export interface RegisteredPush {
  concatRef?: number;
  /** State before this registration ('submitting' for a new push). */
  state: PushStatus['state'];
  /** Segment numbers the SMSC already acknowledged. */
  acked: Set<number>;
}

export interface SegmentAck {
  pushId: string;
  bindId: string;
  segment: number;
  messageId: string;
  canonicalId: string;
}

export interface ReceiptInput {
  bindId: string;
  canonicalId: string;
  state: ReceiptState;
  stat: string;
}

/**
 * Message-id correlation in Redis: which push (and job) each SMSC message id belongs to, and the
 * delivered/failed roll-up of multipart pushes. Final outcomes are appended to the stream
 * `<prefix>smpp:outcomes` (fields pushId, jobId, state, error) for the job engine to consume.
 */
export class ReceiptCorrelator {
  readonly outcomesStream: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds = 3 * 24 * 3600,
  ) {
    this.outcomesStream = `${prefix}smpp:outcomes`;
    for (const [name, lua, keys] of [
      ['dmbSmppAckMany', ACK_MANY, 1],
      ['dmbSmppReceiptMany', RECEIPT_MANY, 1],
      ['dmbSmppRegisterMany', REGISTER_MANY, 1],
      ['dmbSmppFail', FAIL, 2],
    ] as const) {
      if (!(redis as any)[name]) redis.defineCommand(name, { numberOfKeys: keys, lua });
    }
  }

  pushKey(pushId: string): string {
    return `${this.prefix}smpp:push:${pushId}`;
  }

  /**
   * Creates the push records (idempotent: a retried job keeps what it had), allocates each
   * multipart push its concatenation reference once (from the per-destination counter, so two
   * pushes in flight to one handset never share one, and a retry reuses the same reference),
   * and reports which segments the SMSC already acknowledged (a retry must not resend them).
   */
  async register(pushes: PushRegistration[]): Promise<RegisteredPush[]> {
    if (pushes.length > BATCH) return chunked(pushes, (c) => this.register(c));
    if (!pushes.length) return [];
    const args: Array<string | number> = [this.prefix, this.ttlSeconds];
    for (const r of pushes) {
      const mod = r.segments > 1 ? (r.ref16 ? 0x10000 : 0x100) : 0;
      args.push(r.pushId, r.segments, r.jobId, r.bindId, r.destination, mod, r.deadline ?? 0);
    }
    // KEYS[1] (the outcomes stream) is unused by the script: it only routes the call on a cluster
    const res = (await (this.redis as any).dmbSmppRegisterMany(
      this.outcomesStream,
      ...args,
    )) as Array<[number, string, ...string[]]>;
    return res.map(([ref, state, ...acked]) => ({
      concatRef: ref >= 0 ? ref : undefined,
      state: state as PushStatus['state'],
      acked: new Set(acked.map(Number)),
    }));
  }

  /** Records acknowledged segments; returns outcomes that became final (early receipts). */
  async recordAcks(acks: SegmentAck[]): Promise<PushOutcome[]> {
    if (acks.length > BATCH) return chunked(acks, (c) => this.recordAcks(c));
    if (!acks.length) return [];
    const args: Array<string | number> = [this.outcomesStream, this.prefix, this.ttlSeconds];
    for (const a of acks) args.push(a.pushId, a.bindId, a.segment, a.canonicalId, a.messageId);
    const res = (await (this.redis as any).dmbSmppAckMany(...args)) as string[];
    const out: PushOutcome[] = [];
    res.forEach((v, i) => {
      if (v === 'delivered' || v === 'failed')
        out.push({ pushId: acks[i].pushId, jobId: '', state: v });
    });
    return out;
  }

  async recordReceipts(
    receipts: ReceiptInput[],
  ): Promise<Array<{ pushId?: string; final?: 'delivered' | 'failed' }>> {
    if (receipts.length > BATCH) return chunked(receipts, (c) => this.recordReceipts(c));
    if (!receipts.length) return [];
    const args: Array<string | number> = [this.outcomesStream, this.prefix, this.ttlSeconds];
    for (const r of receipts) args.push(r.bindId, r.canonicalId, r.state, r.stat);
    const res = (await (this.redis as any).dmbSmppReceiptMany(...args)) as Array<[string, string]>;
    return res.map(([state, pushId]) => ({
      pushId: pushId || undefined,
      final: state === 'delivered' || state === 'failed' ? state : undefined,
    }));
  }

  /**
   * A push that cannot be sent (permanent SMPP error, bad input, deadline passed): failed with
   * a stable code and a readable reason, announced on the outcomes stream. Only a push still
   * `submitting` changes; returns whether it did.
   */
  async markFailed(pushId: string, code: string, error: string): Promise<boolean> {
    const r = await (this.redis as any).dmbSmppFail(
      this.pushKey(pushId),
      this.outcomesStream,
      pushId,
      code,
      error.slice(0, 500),
    );
    return r === 'failed';
  }

  async status(pushId: string): Promise<PushStatus | undefined> {
    const h = await this.redis.hgetall(this.pushKey(pushId));
    if (!h || !h.state) return undefined;
    const messageIds: Record<number, string> = {};
    for (const [f, v] of Object.entries(h))
      if (f.startsWith('id:')) messageIds[Number(f.slice(3))] = v;
    return {
      pushId,
      jobId: h.jobId ?? '',
      bindId: h.bindId ?? '',
      destination: h.destination ?? '',
      total: Number(h.total ?? 0),
      acked: Number(h.acked ?? 0),
      delivered: Number(h.delivered ?? 0),
      failed: Number(h.failed ?? 0),
      state: h.state as PushStatus['state'],
      code: h.code || undefined,
      error: h.error || undefined,
      deadline: h.deadline ? Number(h.deadline) : undefined,
      messageIds,
    };
  }
}

/** Items per script call: keeps argument lists and script run time small. */
const BATCH = 500;

async function chunked<T, R>(items: T[], f: (chunk: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(...(await f(items.slice(i, i + BATCH))));
  return out;
}
