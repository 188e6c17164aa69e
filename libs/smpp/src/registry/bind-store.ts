import type Redis from 'ioredis';
import type { BindConfig } from '../config/bind-config';

/** Seals and opens secrets (core's SecretBox in the gateway): the password is stored sealed. */
export interface SecretSealer {
  seal(plain: string): string;
  open(sealed: string): string;
}

/** Where a bind came from: `SMPP_BINDS` at start (env wins at each start) or the API. */
export type BindOrigin = 'env' | 'api';

/** One bind as stored in Redis: its settings without the password, the password sealed. */
export interface StoredBind {
  config: Omit<BindConfig, 'password'>;
  /** sealed (`core.box`); '' when the SMSC takes no password */
  password: string;
  paused: boolean;
  origin: BindOrigin;
  createdAt: number;
  updatedAt: number;
}

/** The status the owner of a bind publishes every second (readable by every process). */
export interface PublishedBindStatus {
  /** the owning process (host:pid) */
  owner: string;
  state: string;
  receiver?: string;
  inFlight: number;
  queued: number;
  window: number;
  ratePerSecond: number;
  rateGuardMs?: number;
  throttledSince?: number;
  lastError?: string;
  lastProblem?: { message: string; at: number };
  at: number;
}

export const BIND_COUNTER_NAMES = [
  'submitted',
  'acknowledged',
  'throttled',
  'temporaryErrors',
  'permanentErrors',
  'genericNacks',
  'resubmitted',
  'receipts',
  'reconnects',
] as const;
export type BindCounterName = (typeof BIND_COUNTER_NAMES)[number];

/**
 * The SMSC binds of a deployment in Redis, shared by every gateway process:
 * `<prefix>smpp:binds` (hash id → StoredBind JSON), `<prefix>smpp:binds:version` (incremented
 * on every change; processes poll it), `<prefix>smpp:bind-status:<id>` (the owner's live status,
 * expires when the owner stops publishing) and `<prefix>smpp:bind-counters:<id>` (counters summed
 * over every owner since the bind was created).
 */
export class BindStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private get hashKey(): string {
    return `${this.prefix}smpp:binds`;
  }
  private get versionKey(): string {
    return `${this.prefix}smpp:binds:version`;
  }
  private statusKey(id: string): string {
    return `${this.prefix}smpp:bind-status:${id}`;
  }
  private countersKey(id: string): string {
    return `${this.prefix}smpp:bind-counters:${id}`;
  }

  async version(): Promise<number> {
    return Number((await this.redis.get(this.versionKey)) ?? 0);
  }

  async list(): Promise<StoredBind[]> {
    const all = await this.redis.hgetall(this.hashKey);
    return Object.values(all)
      .map((v) => JSON.parse(v) as StoredBind)
      .sort((a, b) => a.createdAt - b.createdAt || a.config.id.localeCompare(b.config.id));
  }

  async get(id: string): Promise<StoredBind | undefined> {
    const v = await this.redis.hget(this.hashKey, id);
    return v ? (JSON.parse(v) as StoredBind) : undefined;
  }

  /** Creates only if the id is free; false when a bind of that id exists. */
  async create(bind: StoredBind): Promise<boolean> {
    const created = await this.redis.hsetnx(this.hashKey, bind.config.id, JSON.stringify(bind));
    if (!created) return false;
    await this.redis.multi().del(this.countersKey(bind.config.id)).incr(this.versionKey).exec();
    return true;
  }

  async put(bind: StoredBind): Promise<void> {
    await this.redis
      .multi()
      .hset(this.hashKey, bind.config.id, JSON.stringify(bind))
      .incr(this.versionKey)
      .exec();
  }

  async remove(id: string): Promise<boolean> {
    const res = (await this.redis
      .multi()
      .hdel(this.hashKey, id)
      .del(this.countersKey(id), this.statusKey(id))
      .incr(this.versionKey)
      .exec()) as [[unknown, number], ...unknown[]];
    return res[0][1] === 1;
  }

  async publishStatus(id: string, status: PublishedBindStatus, ttlMs: number): Promise<void> {
    await this.redis.set(this.statusKey(id), JSON.stringify(status), 'PX', ttlMs);
  }

  async addCounters(id: string, delta: Partial<Record<BindCounterName, number>>): Promise<void> {
    const entries = Object.entries(delta).filter(([, n]) => n && n > 0);
    if (!entries.length) return;
    const m = this.redis.multi();
    for (const [k, n] of entries) m.hincrby(this.countersKey(id), k, n!);
    await m.exec();
  }

  async status(
    id: string,
  ): Promise<{ live?: PublishedBindStatus; counters: Record<BindCounterName, number> }> {
    const [live, counters] = await Promise.all([
      this.redis.get(this.statusKey(id)),
      this.redis.hgetall(this.countersKey(id)),
    ]);
    const c = Object.fromEntries(
      BIND_COUNTER_NAMES.map((k) => [k, Number(counters[k] ?? 0)]),
    ) as Record<BindCounterName, number>;
    return { live: live ? (JSON.parse(live) as PublishedBindStatus) : undefined, counters: c };
  }
}

/** Splits a full configuration into what is stored: the password sealed, the rest as is. */
export function toStoredBind(
  config: BindConfig,
  sealer: SecretSealer,
  fields: { paused: boolean; origin: BindOrigin; createdAt: number; updatedAt: number },
): StoredBind {
  const { password, ...rest } = config;
  return { config: rest, password: password ? sealer.seal(password) : '', ...fields };
}

/** The full configuration of a stored bind (password opened), for the process that binds. */
export function openStoredBind(bind: StoredBind, sealer: SecretSealer): BindConfig {
  return { ...bind.config, password: bind.password ? sealer.open(bind.password) : '' };
}
