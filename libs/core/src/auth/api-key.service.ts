import type { Redis } from 'ioredis';
import { createHash, randomBytes } from 'node:crypto';
import { NotFoundError, ValidationError } from '../errors';
import { CoreKeys } from '../util/redis-keys';
import { newId } from '../util/ids';

export const API_SCOPES = ['read', 'write', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export interface ApiKeyRecord {
  id: string;
  name: string;
  scope: ApiScope;
  createdAt: string;
}

const RANK: Record<ApiScope, number> = { read: 1, write: 2, admin: 3 };

export function scopeAllows(held: ApiScope, needed: ApiScope): boolean {
  return RANK[held] >= RANK[needed];
}

function hashKey(plain: string): string {
  return createHash('sha256').update(plain).digest('base64url');
}

/**
 * API keys: only a SHA-256 of each key is stored (keys are 256-bit random, so a plain hash is
 * enough). Verified keys are cached briefly so hot endpoints cost no extra Redis round trip.
 */
export class ApiKeyService {
  private readonly keys: CoreKeys;
  private readonly cache = new Map<string, { record: ApiKeyRecord | null; until: number }>();

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly cacheMs = 5000,
  ) {
    this.keys = new CoreKeys(prefix);
  }

  async create(name: string, scope: ApiScope): Promise<{ key: string; record: ApiKeyRecord }> {
    if (typeof name !== 'string' || !name || name.length > 100)
      throw new ValidationError('invalid-name', 'name must be 1 to 100 characters');
    if (!API_SCOPES.includes(scope))
      throw new ValidationError('invalid-scope', `scope must be one of ${API_SCOPES.join(', ')}`);
    const key = `dmb_${randomBytes(32).toString('base64url')}`;
    const record: ApiKeyRecord = {
      id: newId('k'),
      name,
      scope,
      createdAt: new Date().toISOString(),
    };
    const hash = hashKey(key);
    await this.redis
      .multi()
      .set(this.keys.apiKey(hash), JSON.stringify(record))
      .hset(this.keys.apiKeys(), record.id, hash)
      .exec();
    return { key, record };
  }

  async verify(plain: string): Promise<ApiKeyRecord | null> {
    const hash = hashKey(plain);
    const cached = this.cache.get(hash);
    const now = Date.now();
    if (cached && cached.until > now) return cached.record;
    const raw = await this.redis.get(this.keys.apiKey(hash));
    const record = raw ? (JSON.parse(raw) as ApiKeyRecord) : null;
    if (this.cache.size > 10000) this.cache.clear();
    this.cache.set(hash, { record, until: now + this.cacheMs });
    return record;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const hashes = Object.values(await this.redis.hgetall(this.keys.apiKeys()));
    if (!hashes.length) return [];
    const raws = await this.redis.mget(hashes.map((h) => this.keys.apiKey(h)));
    return raws.filter((r): r is string => !!r).map((r) => JSON.parse(r) as ApiKeyRecord);
  }

  async revoke(id: string): Promise<void> {
    const hash = await this.redis.hget(this.keys.apiKeys(), id);
    if (!hash) throw new NotFoundError('api-key', id);
    await this.redis.multi().del(this.keys.apiKey(hash)).hdel(this.keys.apiKeys(), id).exec();
    this.cache.delete(hash);
  }

  /** Adds an operator-supplied key (e.g. from configuration) by its plaintext. */
  async ensure(plain: string, name: string, scope: ApiScope): Promise<void> {
    const hash = hashKey(plain);
    if (await this.redis.exists(this.keys.apiKey(hash))) return;
    const record: ApiKeyRecord = {
      id: newId('k'),
      name,
      scope,
      createdAt: new Date().toISOString(),
    };
    await this.redis
      .multi()
      .set(this.keys.apiKey(hash), JSON.stringify(record))
      .hset(this.keys.apiKeys(), record.id, hash)
      .exec();
  }

  /**
   * First start: with no key at all, create an admin key and hand back its plaintext for the
   * caller to print once. A lock makes sure two processes starting together create one key.
   */
  async bootstrapAdminKey(): Promise<string | null> {
    if ((await this.redis.hlen(this.keys.apiKeys())) > 0) return null;
    const lock = `${this.keys.apiKeys()}:bootstrap`;
    if ((await this.redis.set(lock, '1', 'EX', 30, 'NX')) !== 'OK') return null;
    if ((await this.redis.hlen(this.keys.apiKeys())) > 0) return null;
    const { key } = await this.create('bootstrap-admin', 'admin');
    return key;
  }
}
