/** Every Redis key core writes, under `${prefix}core:`. */
export class CoreKeys {
  readonly base: string;
  constructor(prefix: string) {
    this.base = `${prefix}core:`;
  }
  device = (id: string) => `${this.base}d:${id}`;
  inventory = (id: string) => `${this.base}inv:${id}`;
  lastContact = () => `${this.base}lc`;
  allDevices = () => `${this.base}ix:all`;
  tagIndex = (t: string) => `${this.base}ix:t:${t}`;
  addressIndex = (p: string, kind: string) => `${this.base}ix:${p}:${kind}`;
  job = (id: string) => `${this.base}j:${id}`;
  allJobs = () => `${this.base}jobs`;
  deviceJobs = (deviceId: string) => `${this.base}dj:${deviceId}`;
  jobStates = () => `${this.base}jobstates`;
  idempotency = (key: string) => `${this.base}idem:${key}`;
  lock = (deviceId: string) => `${this.base}lock:${deviceId}`;
  campaign = (id: string) => `${this.base}c:${id}`;
  allCampaigns = () => `${this.base}campaigns`;
  campaignJobs = (id: string) => `${this.base}cj:${id}`;
  apiKey = (hash: string) => `${this.base}key:${hash}`;
  apiKeys = () => `${this.base}keys`;
  profiles = () => `${this.base}profiles`;
  parameters = () => `${this.base}params`;
  webhooks = () => `${this.base}webhooks`;
  deadLetters = () => `${this.base}webhook-dead`;
  eventsChannel = () => `${this.base}events`;
}
