/**
 * Deployment-wide keys under `${prefix}core:`: configuration-sized data (campaign records, API
 * keys, catalog, webhooks) and the event channel. On a Redis Cluster they share the prefix's slot.
 */
export class CoreKeys {
  readonly base: string;
  constructor(prefix: string) {
    this.base = `${prefix}core:`;
  }
  campaign = (id: string) => `${this.base}c:${id}`;
  allCampaigns = () => `${this.base}campaigns`;
  /** Campaigns not in a final state, for the reconciler. */
  activeCampaigns = () => `${this.base}campaigns:active`;
  apiKey = (hash: string) => `${this.base}key:${hash}`;
  apiKeys = () => `${this.base}keys`;
  profiles = () => `${this.base}profiles`;
  parameters = () => `${this.base}params`;
  webhooks = () => `${this.base}webhooks`;
  deadLetters = () => `${this.base}webhook-dead`;
  eventsChannel = () => `${this.base}events`;
  /** The shard count the data was written with (see RedisShards). */
  shardCount = () => `${this.base}shards`;
}

/**
 * Keys of one shard (see RedisShards): devices and everything scoped to them, plus the shard's
 * part of each index and counter. All share one hash slot, so Lua scripts may touch any of them.
 */
export class ShardKeys {
  /** `<shard prefix>core:`, core's part of the shard. */
  readonly base: string;
  constructor(
    /** The shard's key prefix (see shardPrefix); other device-scoped stores build on it. */
    readonly prefix: string,
    readonly index: number,
  ) {
    this.base = `${prefix}core:`;
  }
  device = (id: string) => `${this.base}d:${id}`;
  inventory = (id: string) => `${this.base}inv:${id}`;
  lastContact = () => `${this.base}lc`;
  allDevices = () => `${this.base}ix:all`;
  /**
   * Devices by last contact: members `<last contact, base36 ms, 9 digits>:<id>` at score 0, so a
   * lexicographic range is a time range (never contacted: `000000000`).
   */
  lastContactIndex = () => `${this.base}ix:lc`;
  /** Set once the shard's lastContactIndex holds every device (see ensureLastContactIndex). */
  lastContactIndexReady = () => `${this.base}ix:lc:ready`;
  tagIndex = (t: string) => `${this.base}ix:t:${t}`;
  addressIndex = (p: string, kind: string) => `${this.base}ix:${p}:${kind}`;
  job = (id: string) => `${this.base}j:${id}`;
  partialResults = (id: string) => `${this.base}jr:${id}`;
  operations = (hash: string) => `${this.base}ops:${hash}`;
  allJobs = () => `${this.base}jobs`;
  deviceJobs = (deviceId: string) => `${this.base}dj:${deviceId}`;
  jobStates = () => `${this.base}jobstates`;
  idempotency = (key: string) => `${this.base}idem:${key}`;
  lock = (deviceId: string) => `${this.base}lock:${deviceId}`;
  campaignJobs = (id: string) => `${this.base}cj:${id}`;
  campaignCounts = (id: string) => `${this.base}cc:${id}`;
  /** Jobs that are not terminal, scored by when their next step is due. */
  steps = () => `${this.base}steps`;
}
