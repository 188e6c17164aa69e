import type { RedisShards } from '@dm-bridge/core';
import { encodingOfContentType, type DmDeviceAccount, type DmSessionState } from '@dm-bridge/omadm';
import type Redis from 'ioredis';

/** What the store holds for one device between two messages. */
export interface StoredDmSession {
  /** compare-and-set version; '' when nothing is stored */
  version: string;
  state?: DmSessionState;
  /** the exact bytes of the last reply and how they went out, for retransmissions */
  reply?: Buffer;
  contentType?: string;
  hmac?: string;
}

export interface LoadedDevice {
  session: StoredDmSession;
  account?: DmDeviceAccount;
  notificationSessionId?: string;
}

export interface DmCommit {
  deviceId: string;
  expectedVersion: string;
  state: DmSessionState;
  reply: Uint8Array;
  contentType: string;
  hmac?: string;
  ttlMs: number;
  /** when an open session counts as idle (epoch ms); undefined once the session ended */
  idleDeadline?: number;
  clientNonce?: string;
  serverNonce?: string;
}

/**
 * Session record = the device's lock: one hash per device whose version is compared and bumped
 * atomically, so two gateway processes never both advance one device's session; its TTL ends
 * abandoned sessions. Nonce updates of the account are written in the same script. All three keys
 * (session, account, the shard's active set) are in the device's shard, so in one hash slot.
 */
const COMMIT_LUA = `
local v = redis.call('HGET', KEYS[1], 'v')
if (v or '') ~= ARGV[1] then return 0 end
local nv = (tonumber(v) or 0) + 1
redis.call('HSET', KEYS[1], 'v', nv, 's', ARGV[2], 'r', ARGV[3], 'c', ARGV[4], 'h', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
if ARGV[7] ~= '-' then redis.call('HSET', KEYS[2], 'clientNonce', string.sub(ARGV[7], 2)) end
if ARGV[8] ~= '-' then redis.call('HSET', KEYS[2], 'serverNonce', string.sub(ARGV[8], 2)) end
if ARGV[9] == '' then redis.call('ZREM', KEYS[3], ARGV[10]) else redis.call('ZADD', KEYS[3], ARGV[9], ARGV[10]) end
return nv
`;

/** Closes a session found idle by the sweeper, keeping its cached reply; same version check. */
const CLOSE_LUA = `
local v = redis.call('HGET', KEYS[1], 'v')
if (v or '') ~= ARGV[1] then return 0 end
local nv = (tonumber(v) or 0) + 1
redis.call('HSET', KEYS[1], 'v', nv, 's', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[4])
return nv
`;

/**
 * Writes a device's account from its core record (DmAccountSync). `rev` is the record's
 * updatedAt: a write older than the stored one is dropped, so two PATCHes landing out of order
 * leave the newer. ARGV[1] `replace` (a new device or a new DevId) first drops what an earlier
 * device with this DevId left (account, session, notification, sweeper entry); `update` keeps
 * the nonces negotiated in sessions unless ARGV[3]/ARGV[4] say the record sets them (a nonce
 * missing from the stored account is always written).
 */
const ACCOUNT_LUA = `
local rev = redis.call('HGET', KEYS[1], 'rev')
if rev and tonumber(rev) > tonumber(ARGV[2]) then return 0 end
if ARGV[1] == 'replace' then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  redis.call('ZREM', KEYS[4], ARGV[13])
end
redis.call('HSET', KEYS[1], 'rev', ARGV[2], 'clientAuth', ARGV[5], 'clientName', ARGV[6],
  'clientPassword', ARGV[7], 'serverAuth', ARGV[9], 'serverName', ARGV[10],
  'serverPassword', ARGV[11])
if ARGV[3] == '1' or redis.call('HEXISTS', KEYS[1], 'clientNonce') == 0 then
  redis.call('HSET', KEYS[1], 'clientNonce', ARGV[8])
end
if ARGV[4] == '1' or redis.call('HEXISTS', KEYS[1], 'serverNonce') == 0 then
  redis.call('HSET', KEYS[1], 'serverNonce', ARGV[12])
end
return 1
`;

const ACCOUNT_FIELDS = [
  'clientAuth',
  'clientName',
  'clientPassword',
  'clientNonce',
  'serverAuth',
  'serverName',
  'serverPassword',
  'serverNonce',
] as const;

type CommitRedis = Redis & {
  dmCommit(session: string, account: string, active: string, ...args: string[]): Promise<number>;
  dmClose(session: string, active: string, ...args: string[]): Promise<number>;
  dmAccount(
    account: string,
    session: string,
    notification: string,
    active: string,
    ...args: string[]
  ): Promise<number>;
};

/**
 * The cached reply travels as a string: XML as its own UTF-8 text, WBXML as base64. A Buffer
 * argument would make ioredis write the command in several socket writes (a syscall each) — on
 * the hot path that cost more than the base64.
 */
function replyToStored(reply: Uint8Array, contentType: string): string {
  const b = Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
  return encodingOfContentType(contentType) === 'xml' ? b.toString('utf8') : b.toString('base64');
}

function replyFromStored(stored: Buffer, contentType: string | undefined): Buffer {
  return encodingOfContentType(contentType) === 'xml'
    ? stored
    : Buffer.from(stored.toString('latin1'), 'base64');
}

/** Encrypts account passwords at rest (core's SecretBox under the master key). */
export interface AccountSecretSealer {
  seal(plain: string): string;
  /** returns a value that was never sealed unchanged (accounts written before sealing) */
  open(stored: string): string;
}

const PLAIN: AccountSecretSealer = { seal: (p) => p, open: (s) => s };

/**
 * Keys live in the device's shard (`shards.ofDevice(deviceId).prefix`, the deployment prefix with
 * one shard), beside core's keys of the same device: `dm:sess:`, `dm:acct:` and `dm:notif:` plus
 * the device id, and one sweeper index `dm:active` per shard.
 */
export class DmSessionStore {
  private readonly redis: CommitRedis;

  constructor(
    redis: Redis,
    private readonly shards: RedisShards,
    private readonly secrets: AccountSecretSealer = PLAIN,
  ) {
    const scripts: [string, number, string][] = [
      ['dmCommit', 3, COMMIT_LUA],
      ['dmClose', 2, CLOSE_LUA],
      ['dmAccount', 4, ACCOUNT_LUA],
    ];
    for (const [name, numberOfKeys, lua] of scripts)
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys, lua });
    this.redis = redis as CommitRedis;
  }

  /** How many shards the sessions are spread over (the sweeper walks each). */
  get shardCount(): number {
    return this.shards.count;
  }

  private prefixOf(deviceId: string): string {
    return this.shards.ofDevice(deviceId).prefix;
  }

  sessionKey(deviceId: string): string {
    return `${this.prefixOf(deviceId)}dm:sess:${deviceId}`;
  }

  accountKey(deviceId: string): string {
    return `${this.prefixOf(deviceId)}dm:acct:${deviceId}`;
  }

  /** Shard `shard`'s sorted set of open sessions by idle deadline, for the sweeper. */
  activeKey(shard = 0): string {
    return `${this.shards.all()[shard].prefix}dm:active`;
  }

  /** The sweeper's index that holds this device's open session. */
  activeKeyOf(deviceId: string): string {
    return `${this.prefixOf(deviceId)}dm:active`;
  }

  notificationKey(deviceId: string): string {
    return `${this.prefixOf(deviceId)}dm:notif:${deviceId}`;
  }

  /**
   * Session, account and last notification of a device in one round trip. Three plain commands
   * rather than an explicit pipeline: on an auto-pipelining connection they leave together with
   * every other session's commands of this tick, in one socket write.
   */
  async load(deviceId: string): Promise<LoadedDevice> {
    const p = this.prefixOf(deviceId);
    const [sess, acct, notif] = await Promise.all([
      this.redis.hgetallBuffer(`${p}dm:sess:${deviceId}`) as Promise<Record<string, Buffer>>,
      this.redis.hmget(`${p}dm:acct:${deviceId}`, ...ACCOUNT_FIELDS),
      this.redis.get(`${p}dm:notif:${deviceId}`),
    ]);
    const session: StoredDmSession = { version: sess.v ? sess.v.toString() : '' };
    if (sess.s) session.state = JSON.parse(sess.s.toString('utf8')) as DmSessionState;
    if (sess.c) session.contentType = sess.c.toString();
    if (sess.r) session.reply = replyFromStored(sess.r, session.contentType);
    if (sess.h && sess.h.length) session.hmac = sess.h.toString();
    const out: LoadedDevice = { session };
    if (acct[0]) {
      out.account = {
        deviceId,
        clientAuth: acct[0] as DmDeviceAccount['clientAuth'],
        clientName: acct[1] ?? '',
        clientPassword: acct[2] ? this.secrets.open(acct[2]) : '',
        clientNonce: acct[3] ?? '',
        serverAuth: (acct[4] ?? 'none') as DmDeviceAccount['serverAuth'],
        serverName: acct[5] ?? '',
        serverPassword: acct[6] ? this.secrets.open(acct[6]) : '',
        serverNonce: acct[7] ?? '',
      };
    }
    if (notif) out.notificationSessionId = notif;
    return out;
  }

  /** Stores the new state and reply if nobody else advanced the session meanwhile. */
  async commit(c: DmCommit): Promise<boolean> {
    const p = this.prefixOf(c.deviceId);
    const n = await this.redis.dmCommit(
      `${p}dm:sess:${c.deviceId}`,
      `${p}dm:acct:${c.deviceId}`,
      `${p}dm:active`,
      c.expectedVersion,
      JSON.stringify(c.state),
      replyToStored(c.reply, c.contentType),
      c.contentType,
      c.hmac ?? '',
      String(c.ttlMs),
      c.clientNonce === undefined ? '-' : `=${c.clientNonce}`,
      c.serverNonce === undefined ? '-' : `=${c.serverNonce}`,
      c.idleDeadline === undefined ? '' : String(c.idleDeadline),
      c.deviceId,
    );
    return n > 0;
  }

  /** Devices of shard `shard` whose open session passed its idle deadline (oldest first). */
  async idleSessions(now: number, limit: number, shard: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.activeKey(shard), '-inf', now, 'LIMIT', 0, limit);
  }

  async forgetActive(deviceId: string): Promise<void> {
    await this.redis.zrem(this.activeKeyOf(deviceId), deviceId);
  }

  /** Stores the closed state of an idle session unless the device spoke meanwhile. */
  async closeIdle(
    deviceId: string,
    expectedVersion: string,
    state: DmSessionState,
    ttlMs: number,
  ): Promise<boolean> {
    const n = await this.redis.dmClose(
      this.sessionKey(deviceId),
      this.activeKeyOf(deviceId),
      expectedVersion,
      JSON.stringify(state),
      String(ttlMs),
      deviceId,
    );
    return n > 0;
  }

  /** Creates or replaces a device's DM account (provisioning, tests, the demo). */
  async saveAccount(a: DmDeviceAccount): Promise<void> {
    await this.redis.hset(this.accountKey(a.deviceId), {
      clientAuth: a.clientAuth,
      clientName: a.clientName,
      clientPassword: a.clientPassword ? this.secrets.seal(a.clientPassword) : '',
      clientNonce: a.clientNonce,
      serverAuth: a.serverAuth,
      serverName: a.serverName,
      serverPassword: a.serverPassword ? this.secrets.seal(a.serverPassword) : '',
      serverNonce: a.serverNonce,
    });
  }

  /**
   * Writes the account a device record asks for (see ACCOUNT_LUA): `replace` for a new device or
   * DevId, else an update keeping the nonces negotiated meanwhile unless `setNonces` names them.
   * False when a newer record's account is already stored.
   */
  async writeAccount(
    a: DmDeviceAccount,
    o: {
      replace: boolean;
      rev: number;
      setNonces?: { client?: boolean; server?: boolean };
    },
  ): Promise<boolean> {
    const id = a.deviceId;
    const n = await this.redis.dmAccount(
      this.accountKey(id),
      this.sessionKey(id),
      this.notificationKey(id),
      this.activeKeyOf(id),
      o.replace ? 'replace' : 'update',
      String(o.rev),
      o.setNonces?.client ? '1' : '0',
      o.setNonces?.server ? '1' : '0',
      a.clientAuth,
      a.clientName,
      a.clientPassword ? this.secrets.seal(a.clientPassword) : '',
      a.clientNonce,
      a.serverAuth,
      a.serverName,
      a.serverPassword ? this.secrets.seal(a.serverPassword) : '',
      a.serverNonce,
      id,
    );
    return n > 0;
  }

  /**
   * Drops everything kept for a DevId: account, session (an open one is refused from its next
   * message on), last notification and sweeper entry. The device was deleted or changed DevId.
   */
  async forgetDevice(deviceId: string): Promise<void> {
    await Promise.all([
      this.redis.del(
        this.accountKey(deviceId),
        this.sessionKey(deviceId),
        this.notificationKey(deviceId),
      ),
      this.redis.zrem(this.activeKeyOf(deviceId), deviceId),
    ]);
  }

  async account(deviceId: string): Promise<DmDeviceAccount | undefined> {
    return (await this.load(deviceId)).account;
  }

  /** Records the session id (hex) of the package #0 just sent, so Alert 1200 can be matched to it. */
  async recordNotification(deviceId: string, sessionIdHex: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.notificationKey(deviceId), sessionIdHex, 'PX', ttlMs);
  }
}
