import type { Redis } from 'ioredis';
import { CoreKeys } from '../util/redis-keys';
import {
  ParameterCatalog,
  validateParameterDefinition,
  validateProfile,
} from './parameter-catalog';
import { ParameterDefinition, Profile } from './parameter.model';
import type { CatalogFile } from './catalog-file';

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

  /**
   * Upserts a whole validated catalog file (CATALOG_DIR at start, `POST /v1/catalog`): one write
   * per hash and one reload. Same-named entries already stored are replaced.
   */
  async saveCatalog(file: CatalogFile): Promise<{ parameters: number; profiles: number }> {
    const parameters = file.parameters.map(validateParameterDefinition);
    const profiles = file.profiles.map(validateProfile);
    if (parameters.length > 0)
      await this.redis.hset(
        this.keys.parameters(),
        Object.fromEntries(parameters.map((d) => [d.name, JSON.stringify(d)])),
      );
    if (profiles.length > 0)
      await this.redis.hset(
        this.keys.profiles(),
        Object.fromEntries(profiles.map((p) => [p.id, JSON.stringify(p)])),
      );
    await this.reload();
    return { parameters: parameters.length, profiles: profiles.length };
  }
}
