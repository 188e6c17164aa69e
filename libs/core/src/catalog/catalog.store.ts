import type { Redis } from 'ioredis';
import { CoreKeys } from '../util/redis-keys';
import {
  ParameterCatalog,
  validateParameterDefinition,
  validateProfile,
} from './parameter-catalog';
import { ParameterDefinition, Profile } from './parameter.model';

/**
 * The catalog as data: shipped defaults overlaid with definitions and profiles created through
 * the API (stored in Redis, so every gateway process sees them). Each process keeps a copy that
 * it reloads after its own writes and at most `refreshMs` after another process's.
 */
export class CatalogStore {
  private readonly keys: CoreKeys;
  private catalog = ParameterCatalog.withDefaults();
  private loadedAt = 0;
  private loading?: Promise<void>;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly refreshMs = 5000,
  ) {
    this.keys = new CoreKeys(prefix);
  }

  /** The current catalog; triggers a background reload when stale. */
  current = (): ParameterCatalog => {
    if (Date.now() - this.loadedAt > this.refreshMs && !this.loading) {
      this.loading = this.reload()
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => (this.loading = undefined));
    }
    return this.catalog;
  };

  async reload(): Promise<ParameterCatalog> {
    const [params, profiles] = await Promise.all([
      this.redis.hvals(this.keys.parameters()),
      this.redis.hvals(this.keys.profiles()),
    ]);
    this.catalog = ParameterCatalog.withDefaults(
      params.map((p) => JSON.parse(p) as ParameterDefinition),
      profiles.map((p) => JSON.parse(p) as Profile),
    );
    this.loadedAt = Date.now();
    return this.catalog;
  }

  async saveParameter(input: unknown): Promise<ParameterDefinition> {
    const def = validateParameterDefinition(input);
    await this.redis.hset(this.keys.parameters(), def.name, JSON.stringify(def));
    await this.reload();
    return def;
  }

  async saveProfile(input: unknown): Promise<Profile> {
    const profile = validateProfile(input);
    await this.redis.hset(this.keys.profiles(), profile.id, JSON.stringify(profile));
    await this.reload();
    return profile;
  }
}
