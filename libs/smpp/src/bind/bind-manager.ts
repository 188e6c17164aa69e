import type Redis from 'ioredis';
import type { BindConfig } from '../config/bind-config';
import { describeBind } from '../config/bind-config';
import { BindLease } from './bind-lease';
import { BindHealth, ReceiptEvent, SmppBind, SmppBindOptions } from './smpp-bind';

export interface BindOwnershipHooks {
  /** This process now owns the bind (lease taken, connection started): start consuming its queue. */
  onOwned?(bind: SmppBind): Promise<void> | void;
  /** Ownership ends (shutdown or lease lost): stop consuming before the connection closes. */
  onReleased?(
    bind: SmppBind,
    reason: 'shutdown' | 'lease-lost' | 'reconfigured',
  ): Promise<void> | void;
  onReceipt?(receipt: ReceiptEvent): void;
  /**
   * Asked before taking a free lease: false when this configuration is no longer wanted (the bind
   * was paused, removed or changed elsewhere and this process has not heard yet), so a released
   * lease is not picked up by a process that is about to stop the bind anyway.
   */
  mayAcquire?(config: BindConfig): Promise<boolean> | boolean;
  log?(level: 'info' | 'warn', msg: string): void;
}

export interface BindManagerOptions {
  redis: Redis;
  /** Key prefix, e.g. "dmb:"; leases live under `<prefix>smpp:lease:<bindId>`. */
  prefix: string;
  binds: BindConfig[];
  /** Lease time to live; a dead owner's bind is taken over within about this long. */
  leaseTtlMs?: number;
  bindOptions?: SmppBindOptions;
}

export interface ManagedBindHealth {
  id: string;
  /** 'this' = this process holds the lease; 'other' = another process does; 'none' = nobody. */
  owner: 'this' | 'other' | 'none';
  connection?: BindHealth;
}

class BindSupervisor {
  private readonly lease: BindLease;
  private bind?: SmppBind;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private busy = false;
  private lastRenewed = 0;
  private toldWaiting = false;
  ownerSeen: 'other' | 'none' = 'none';

  constructor(
    readonly config: BindConfig,
    private readonly opts: BindManagerOptions,
    private readonly hooks: BindOwnershipHooks,
  ) {
    this.lease = new BindLease(
      opts.redis,
      `${opts.prefix}smpp:lease:${config.id}`,
      opts.leaseTtlMs ?? 10_000,
    );
  }

  get current(): SmppBind | undefined {
    return this.bind;
  }

  start(): void {
    void this.tick();
  }

  private schedule(): void {
    if (this.stopped) return;
    // Renew at a third of the TTL; contenders poll at the same pace so takeover is quick.
    this.timer = setTimeout(() => void this.tick(), Math.max(50, Math.floor(this.lease.ttlMs / 3)));
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.busy) return;
    this.busy = true;
    // The lease runs from when Redis ran the command, which is after this moment.
    const asked = Date.now();
    try {
      if (this.bind) {
        const kept = await this.lease.renew();
        if (!kept) await this.release('lease-lost');
        else this.renewed(asked);
      } else if ((await this.mayAcquire()) && (await this.lease.tryAcquire())) {
        this.lastRenewed = asked;
        await this.own();
      } else {
        const seen = (await this.lease.owner()) ? 'other' : 'none';
        if (seen !== this.ownerSeen || !this.toldWaiting) {
          this.toldWaiting = true;
          this.hooks.log?.(
            'info',
            `bind ${this.config.id}: not owned here (${seen === 'other' ? 'another process holds the lease' : 'lease free but not taken'})`,
          );
        }
        this.ownerSeen = seen;
      }
    } catch (e) {
      this.hooks.log?.(
        'warn',
        `bind ${this.config.id} lease check failed: ${(e as Error).message}`,
      );
      // Without Redis we cannot know whether the lease still holds: past its TTL, assume not.
      if (this.bind && Date.now() - this.lastRenewed > this.lease.ttlMs) {
        await this.release('lease-lost').catch(() => undefined);
      }
    } finally {
      this.busy = false;
      this.schedule();
    }
  }

  private async mayAcquire(): Promise<boolean> {
    if (!this.hooks.mayAcquire) return true;
    return this.hooks.mayAcquire(this.config);
  }

  /**
   * The connection may send only while the lease surely holds: until the TTL counted from
   * before the renewal, minus a margin for clock drift and a late timer. So two processes never
   * send on one bind at once, even when renewals stall (Redis slow or away).
   */
  private renewed(asked: number): void {
    this.lastRenewed = asked;
    const ttl = this.lease.ttlMs;
    this.bind?.setSendUntil(asked + ttl - Math.min(1_000, Math.floor(ttl / 4)));
  }

  private async own(): Promise<void> {
    const bind = new SmppBind(this.config, { ...this.opts.bindOptions, log: this.hooks.log });
    this.bind = bind;
    this.renewed(this.lastRenewed);
    if (this.hooks.onReceipt) bind.on('receipt', this.hooks.onReceipt);
    bind.start();
    this.hooks.log?.('info', `owning ${describeBind(this.config)}`);
    await this.hooks.onOwned?.(bind);
  }

  private async release(reason: 'shutdown' | 'lease-lost' | 'reconfigured'): Promise<void> {
    const bind = this.bind;
    if (!bind) return;
    this.bind = undefined;
    this.hooks.log?.('warn', `releasing bind ${this.config.id}: ${reason}`);
    if (reason === 'reconfigured') {
      // Paused, removed or changed: stop sending now (submits not yet written fail over to a
      // rerun of their queue job), give those written a moment for their answers, then unbind.
      await bind.close(2_000);
      await this.hooks.onReleased?.(bind, reason);
      return;
    }
    if (reason === 'lease-lost') {
      // Another process may already own the bind: stop sending at once; the consumer's jobs
      // fail with BindClosedError and are retried by whoever owns the bind now.
      await bind.close(0);
      await this.hooks.onReleased?.(bind, reason);
      this.toldWaiting = false;
      this.hooks.log?.('info', `released bind ${this.config.id}; competing for its lease again`);
      return;
    }
    // Shutdown: let the consumer finish its jobs on the open connection, then unbind.
    await this.hooks.onReleased?.(bind, reason);
    await bind.close(5_000);
  }

  async stop(reason: 'shutdown' | 'reconfigured' = 'shutdown'): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 10));
    if (this.bind) {
      await this.release(reason);
      await this.lease.release().catch(() => undefined);
    }
  }

  /** Crash semantics: drop the connection and stop renewing, but leave the lease to expire. */
  halt(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const bind = this.bind;
    this.bind = undefined;
    if (bind) void bind.close(0);
  }

  health(): ManagedBindHealth {
    return {
      id: this.config.id,
      owner: this.bind ? 'this' : this.ownerSeen,
      connection: this.bind?.health(),
    };
  }
}

/**
 * Runs the configured binds in this process: each bind is owned by exactly one process at a time
 * through a Redis lease; the owner opens the SMPP connection and (through the hooks) consumes the
 * bind's queue. When the owner dies its lease expires and another process takes the bind over.
 */
export class BindManager {
  private readonly supervisors = new Map<string, BindSupervisor>();
  private binds: BindConfig[];
  private started = false;
  /** Reconciliations run one after the other, so a stop and a start of one bind never overlap. */
  private updating: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: BindManagerOptions,
    private readonly hooks: BindOwnershipHooks = {},
  ) {
    checkUnique(options.binds);
    this.binds = options.binds;
    for (const b of options.binds)
      this.supervisors.set(b.id, new BindSupervisor(b, options, hooks));
  }

  get bindIds(): string[] {
    return this.binds.map((b) => b.id);
  }

  start(): void {
    this.started = true;
    for (const s of this.supervisors.values()) s.start();
  }

  /**
   * Runs exactly these binds from now on: a bind no longer listed (removed or paused) is stopped
   * as at shutdown (its jobs finish, it unbinds, its lease is released so no one waits a TTL);
   * a bind whose settings changed is stopped and started again with the new ones; a new bind
   * starts competing for its lease.
   */
  update(binds: BindConfig[]): Promise<void> {
    checkUnique(binds);
    const run = async () => {
      const next = new Map(binds.map((b) => [b.id, b]));
      const stopping: Promise<void>[] = [];
      for (const [id, s] of this.supervisors) {
        const want = next.get(id);
        if (want && sameConfig(want, s.config)) continue;
        this.supervisors.delete(id);
        stopping.push(s.stop('reconfigured'));
      }
      await Promise.all(stopping);
      this.binds = binds;
      for (const b of binds) {
        if (this.supervisors.has(b.id)) continue;
        const s = new BindSupervisor(b, this.options, this.hooks);
        this.supervisors.set(b.id, s);
        if (this.started) s.start();
      }
    };
    this.updating = this.updating.then(run, run);
    return this.updating;
  }

  async stop(): Promise<void> {
    this.started = false;
    await this.updating.catch(() => undefined);
    await Promise.all([...this.supervisors.values()].map((s) => s.stop()));
  }

  /**
   * Stops at once without releasing leases: to the other processes this looks exactly like a
   * crash (the leases expire after their TTL). For failover drills and tests.
   */
  halt(): void {
    for (const s of this.supervisors.values()) s.halt();
  }

  /** The local connection of a bind this process owns. */
  owned(bindId: string): SmppBind | undefined {
    return this.supervisors.get(bindId)?.current;
  }

  health(): ManagedBindHealth[] {
    return [...this.supervisors.values()].map((s) => s.health());
  }
}

function checkUnique(binds: BindConfig[]): void {
  const ids = new Set<string>();
  for (const b of binds) {
    if (ids.has(b.id)) throw new Error(`two SMPP binds are named "${b.id}"`);
    ids.add(b.id);
  }
}

function canonical(v: unknown): string {
  if (!v || typeof v !== 'object') return JSON.stringify(v) ?? 'undefined';
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${k}:${canonical(o[k])}`)
    .join(',')}}`;
}

/** Whether two configurations are the same (key order aside). */
export function sameBindConfig(a: BindConfig, b: BindConfig): boolean {
  return sameConfig(a, b);
}

function sameConfig(a: BindConfig, b: BindConfig): boolean {
  return canonical(a) === canonical(b);
}
