import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConflictError, Core, NotFoundError, ValidationError } from '@dm-bridge/core';
import {
  BindConfig,
  BindConfigError,
  BindStore,
  describeBind,
  openStoredBind,
  parseSmscUrl,
  sameBindConfig,
  StoredBind,
  toStoredBind,
} from '@dm-bridge/smpp';
import type { Redis } from 'ioredis';
import { Preflight, PREFLIGHT } from '../config/preflight';
import { CORE } from '../orchestration/orchestration.tokens';
import { REDIS, REDIS_PREFIX } from '../redis/redis.module';
import { SMS_CONFIG, SmsConfig } from './sms.config';

const BIND_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const CREATE_FIELDS = ['id', 'url', 'password', 'paused'];
const PATCH_FIELDS = ['url', 'password', 'paused'];

/** A bind change as the API takes it: an SMSC URL (as in SMPP_BINDS), a password, paused. */
export interface BindInput {
  id?: unknown;
  url?: unknown;
  password?: unknown;
  paused?: unknown;
}

/**
 * The SMSC binds of the deployment, from Redis (see BindStore), cached in every process and
 * re-read within SMPP_BINDS_POLL_MS of any change made anywhere (a version counter is polled).
 * `SMPP_BINDS` seeds it at start: the binds it names are written with the environment's settings
 * (env wins at every start; a pause survives), and env-made binds it no longer names are removed.
 * Passwords are sealed with core's SecretBox and opened only for the process that binds.
 */
@Injectable()
export class SmscBindRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('SmscBinds');
  readonly store: BindStore;
  private binds: StoredBind[] = [];
  private version = -1;
  private timer?: NodeJS.Timeout;
  private readonly listeners: Array<() => void> = [];
  private refreshing?: Promise<void>;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(REDIS_PREFIX) prefix: string,
    @Inject(SMS_CONFIG) private readonly config: SmsConfig,
    @Inject(CORE) private readonly core: Core,
    @Inject(PREFLIGHT) private readonly preflight: Preflight,
  ) {
    this.store = new BindStore(redis, prefix);
  }

  async onModuleInit(): Promise<void> {
    await this.seed();
    await this.refresh(true);
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.config.pollMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Called after every change this process sees (its own or another process's). */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  list(): StoredBind[] {
    return this.binds;
  }

  get(id: string): StoredBind | undefined {
    return this.binds.find((b) => b.config.id === id);
  }

  /** The bind a push naming none goes to: SMPP_DEFAULT_BIND, else the first bind. */
  defaultBindId(): string | undefined {
    return this.config.defaultBindId ?? this.binds[0]?.config.id;
  }

  /** Whether a bind exists; a miss re-reads Redis once (another process may just have added it). */
  async has(id: string): Promise<boolean> {
    if (this.get(id)) return true;
    await this.refresh(true).catch(() => undefined);
    return !!this.get(id);
  }

  /** The full configurations of the binds that should run (not paused), passwords opened. */
  activeConfigs(): BindConfig[] {
    const out: BindConfig[] = [];
    for (const b of this.binds) {
      if (b.paused) continue;
      try {
        out.push(openStoredBind(b, this.core.box));
      } catch {
        this.log.error(
          `bind ${b.config.id}: its password cannot be opened with this master key; not started`,
        );
      }
    }
    return out;
  }

  /**
   * Whether this exact configuration is still wanted (exists, not paused, same settings), after a
   * look at the version in Redis: asked by the bind manager before it takes a free lease.
   */
  async stillWanted(config: BindConfig): Promise<boolean> {
    await this.refresh();
    const b = this.get(config.id);
    if (!b || b.paused) return false;
    try {
      return sameBindConfig(openStoredBind(b, this.core.box), config);
    } catch {
      return false;
    }
  }

  async refresh(force = false): Promise<void> {
    if (this.refreshing) return this.refreshing;
    this.refreshing = (async () => {
      const v = await this.store.version();
      if (!force && v === this.version) return;
      this.binds = await this.store.list();
      this.version = v;
      // Core's device check (addressing.bind) reads this list: it is kept current in place.
      this.preflight.smsBinds.splice(
        0,
        this.preflight.smsBinds.length,
        ...this.binds.map((b) => b.config.id),
      );
      for (const fn of this.listeners) {
        try {
          fn();
        } catch (e) {
          this.log.warn(`bind change listener failed: ${(e as Error).message}`);
        }
      }
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  // ---- changes (the API) ------------------------------------------------------------------

  async create(input: BindInput): Promise<StoredBind> {
    checkFields(input, CREATE_FIELDS);
    const config = parseInput(input, undefined);
    const now = Date.now();
    const stored = toStoredBind(config, this.core.box, {
      paused: optionalBool(input.paused, 'paused') ?? false,
      origin: 'api',
      createdAt: now,
      updatedAt: now,
    });
    if (!(await this.store.create(stored)))
      throw new ConflictError('bind-exists', `an SMSC bind named "${config.id}" exists`);
    this.log.log(`bind ${describeBind(config)} created${stored.paused ? ' (paused)' : ''}`);
    await this.refresh(true);
    return stored;
  }

  async update(id: string, input: BindInput): Promise<StoredBind> {
    checkFields(input, PATCH_FIELDS);
    const current = await this.require(id);
    let config = openStoredBind(current, this.core.box);
    if (input.url !== undefined) {
      const next = parseInput({ url: input.url, password: input.password }, id);
      // A URL without a password keeps the stored one.
      config = { ...next, password: next.password || config.password };
    } else if (input.password !== undefined) {
      config = { ...config, password: checkPassword(input.password) };
    }
    const paused = optionalBool(input.paused, 'paused') ?? current.paused;
    const stored = toStoredBind(config, this.core.box, {
      paused,
      origin: current.origin,
      createdAt: current.createdAt,
      updatedAt: Date.now(),
    });
    await this.store.put(stored);
    this.log.log(`bind ${describeBind(config)} changed${paused ? ' (paused)' : ''}`);
    await this.refresh(true);
    return stored;
  }

  async setPaused(id: string, paused: boolean): Promise<StoredBind> {
    const current = await this.require(id);
    const stored = { ...current, paused, updatedAt: Date.now() };
    await this.store.put(stored);
    this.log.log(`bind ${id} ${paused ? 'paused' : 'resumed'}`);
    await this.refresh(true);
    return stored;
  }

  async remove(id: string): Promise<void> {
    if (!(await this.store.remove(id)))
      throw new NotFoundError('bind-not-found', `no SMSC bind named "${id}"`);
    this.log.log(`bind ${id} removed`);
    await this.refresh(true);
  }

  async require(id: string): Promise<StoredBind> {
    const b = await this.store.get(id);
    if (!b) throw new NotFoundError('bind-not-found', `no SMSC bind named "${id}"`);
    return b;
  }

  // ---- SMPP_BINDS at start ------------------------------------------------------------------

  private async seed(): Promise<void> {
    if (!this.config.binds.length) return;
    {
      const existing = new Map((await this.store.list()).map((b) => [b.config.id, b]));
      const now = Date.now();
      for (const [i, config] of this.config.binds.entries()) {
        const old = existing.get(config.id);
        if (old && sameStored(old, config, this.core)) continue;
        await this.store.put(
          toStoredBind(config, this.core.box, {
            paused: old?.paused ?? false,
            origin: 'env',
            // listed in SMPP_BINDS order
            createdAt: old?.createdAt ?? now + i,
            updatedAt: now,
          }),
        );
        this.log.log(`bind ${describeBind(config)} ${old ? 'updated' : 'added'} from SMPP_BINDS`);
      }
      const named = new Set(this.config.binds.map((b) => b.id));
      for (const b of existing.values()) {
        if (b.origin === 'env' && !named.has(b.config.id)) {
          await this.store.remove(b.config.id);
          this.log.log(`bind ${b.config.id} removed: SMPP_BINDS no longer names it`);
        }
      }
    }
  }
}

function sameStored(old: StoredBind, config: BindConfig, core: Core): boolean {
  try {
    return old.origin === 'env' && sameBindConfig(openStoredBind(old, core.box), config);
  } catch {
    return false;
  }
}

function checkFields(input: unknown, allowed: string[]): asserts input is BindInput {
  if (!input || typeof input !== 'object' || Array.isArray(input))
    throw new ValidationError('invalid-body', 'the request body must be a JSON object');
  const unknown = Object.keys(input).filter((k) => !allowed.includes(k));
  if (unknown.length)
    throw new ValidationError(
      'unknown-fields',
      `unknown field(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')} (allowed: ${allowed.join(', ')})`,
      { fields: unknown },
    );
}

function optionalBool(v: unknown, name: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean')
    throw new ValidationError('invalid-bind', `${name} must be a boolean`);
  return v;
}

function checkPassword(v: unknown): string {
  const control = typeof v === 'string' && [...v].some((ch) => ch < ' ' || ch === '\x7f');
  if (typeof v !== 'string' || v.length > 64 || control)
    throw new ValidationError(
      'invalid-bind',
      'password must be a string of up to 64 characters without control characters',
    );
  return v;
}

/** The URL (as in SMPP_BINDS) and optional password of an API body, checked like the env. */
function parseInput(input: BindInput, fixedId: string | undefined): BindConfig {
  if (typeof input.url !== 'string' || !input.url || input.url.length > 2048)
    throw new ValidationError(
      'invalid-bind',
      'url must be an SMSC URL: smpp://system_id:password@host:port?id=…&window=…&rate=…',
    );
  let config: BindConfig;
  try {
    config = parseSmscUrl(input.url, fixedId ?? '');
  } catch (e) {
    if (e instanceof BindConfigError) throw new ValidationError('invalid-bind', e.message);
    throw e;
  }
  if (input.id !== undefined) {
    if (typeof input.id !== 'string')
      throw new ValidationError('invalid-bind', 'id must be a string');
    if (config.id && config.id !== input.id && new URL(input.url).searchParams.has('id'))
      throw new ValidationError('invalid-bind', 'id and the URL parameter id differ');
    config.id = input.id;
  }
  if (fixedId !== undefined && config.id !== fixedId)
    throw new ValidationError('invalid-bind', `the URL names id "${config.id}", not "${fixedId}"`);
  if (!config.id) throw new ValidationError('invalid-bind', 'the bind needs an id (id or ?id=)');
  if (!BIND_ID.test(config.id))
    throw new ValidationError('invalid-bind', 'bind id must be 1-64 of A-Z a-z 0-9 _ . -');
  if (input.password !== undefined) {
    const pw = checkPassword(input.password);
    if (config.password && config.password !== pw)
      throw new ValidationError('invalid-bind', 'the password is given twice (URL and password)');
    config.password = pw;
  }
  return config;
}
