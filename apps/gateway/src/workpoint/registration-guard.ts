import type { RedisShards } from '@dm-bridge/core';
import type Redis from 'ioredis';
import { BlockList, isIP } from 'node:net';
import { contactNetworks } from './contact-me-uri';

/** Networks phones are expected from unless WORKPOINT_TRUSTED_NETWORKS says otherwise. */
export const DEFAULT_TRUSTED_NETWORKS = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '127.0.0.0/8',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
  '::1/128',
];

export interface RegistrationLimits {
  /** new phones per source address per hour */
  perSource: number;
  /** new phones per hour, all sources */
  total: number;
  trustedNetworks: string[];
}

const HOUR = 3_600_000;
const COUNT = `local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n`;

/**
 * Plug & play defences: registration budgets (a source, and everyone together, may announce only
 * so many new phones an hour — every start-up of an unknown MAC otherwise creates a device) and
 * the networks phones are expected from (a first start-up from elsewhere is quarantined).
 */
export class RegistrationGuard {
  private readonly trusted: BlockList;

  constructor(
    private readonly redis: Redis,
    private readonly shards: RedisShards,
    private readonly limits: RegistrationLimits,
  ) {
    this.trusted = contactNetworks(limits.trustedNetworks);
  }

  /** true when `ip` lies in a trusted network */
  trustedSource(ip: string): boolean {
    const plain = ip.replace(/^::ffff:(?=\d+\.)/, '');
    const type = isIP(plain);
    return type !== 0 && this.trusted.check(plain, type === 6 ? 'ipv6' : 'ipv4');
  }

  /** Counts one new phone from `ip`; undefined when admitted, else why not. */
  async admit(ip: string, now = Date.now()): Promise<string | undefined> {
    const hour = Math.floor(now / HOUR);
    const src = `${this.shards.ofValue(ip).prefix}wp:reg:${hour}:${ip}`;
    const all = `${this.shards.prefix}wp:reg:${hour}`;
    const [fromSource, total] = await Promise.all([
      this.redis.eval(COUNT, 1, src, String(HOUR)) as Promise<number>,
      this.redis.eval(COUNT, 1, all, String(HOUR)) as Promise<number>,
    ]);
    if (fromSource > this.limits.perSource)
      return `registration budget of ${this.limits.perSource} new phones an hour from ${ip} spent`;
    if (total > this.limits.total)
      return `registration budget of ${this.limits.total} new phones an hour spent`;
    return undefined;
  }
}
