import { DmHandset, dmServerNonce } from '../dm-handset/dm-handset';
import { OmaCpHandset } from '../handsets/oma-cp-handset';
import { OmaDmHandsetFront } from '../handsets/oma-dm-handset';
import { OpenStagePhone } from '../phone/openstage-phone';
import type { NotificationPackage0 } from '@dm-bridge/wap-push';
import { ApplicationCounter } from './application-counter';
import type { DmHandsetSpec, FleetSpec } from './fleet-spec';
import { FleetSmsc } from './fleet-smsc';
import { Latency, latencyHttpAgent, latencyHttpsAgent } from './latency-agent';
import { applyDmFault, applyPhoneFault, dmAgent, phoneAgent } from './device-faults';

interface DmDevice {
  spec: DmHandsetSpec;
  handset: DmHandset;
  front: OmaDmHandsetFront;
  running: boolean;
  /** a notification that came during a session: served when it ends */
  owed?: NotificationPackage0;
}

const valueText = (v: string | Uint8Array | undefined): string =>
  v === undefined ? '' : typeof v === 'string' ? v : Buffer.from(v).toString('base64');

/** Every string in a decoded provisioning document (parameter names and values). */
function strings(x: unknown, out = new Set<string>()): Set<string> {
  if (typeof x === 'string') out.add(x);
  else if (Array.isArray(x)) for (const e of x) strings(e, out);
  else if (x && typeof x === 'object') for (const e of Object.values(x)) strings(e, out);
  return out;
}

/**
 * The devices of one resilience run in one process: an SMSC with OMA CP handsets and the SMS
 * side of OMA DM handsets, the DM clients, and OpenStage phones, with knobs to inject faults and
 * counters of what each device applied. The device-side protocol checks are the handsets' own.
 */
export class ResilienceFleet {
  readonly applied = new ApplicationCounter();
  readonly dmLatency = new Latency();
  readonly wpLatency = new Latency();
  /** DM handsets ignore package #0 (a device that never answers) */
  dmSilent = false;
  readonly stats = {
    dmNotifications: 0,
    dmSessions: 0,
    dmSessionsCompleted: 0,
    dmSessionErrors: 0,
    dmOwedSessions: 0,
    wpContactMe: 0,
    wpInteractions: 0,
    wpInteractionErrors: 0,
    cpDocuments: 0,
  };
  readonly errors: string[] = [];
  smsc?: FleetSmsc;
  private readonly dm = new Map<string, DmDevice>();
  private readonly cp = new Map<string, OmaCpHandset>();
  readonly phones: OpenStagePhone[] = [];

  constructor(private readonly spec: FleetSpec) {}

  async start(): Promise<void> {
    const s = this.spec;
    if (s.smsc)
      this.smsc = new FleetSmsc(s.smsc.port, s.smsc.accounts, s.smsc.receiptDelayMs, s.smsc.host);
    if (s.dm) {
      const agent = latencyHttpAgent(this.dmLatency);
      for (const spec of s.dm.handsets) this.addDm(spec, s.dm.serverUrl, agent);
    }
    for (const c of s.cp ?? []) this.addCp(c.msisdn, c.imsi, c.pin);
    await this.smsc?.start();
    for (const [msisdn, f] of Object.entries(s.faults ?? {}))
      if (f.receiptStat) this.smsc?.smsc?.setReceiptStat(msisdn, f.receiptStat);
    if (s.phones) {
      const agent = latencyHttpsAgent(this.wpLatency);
      for (const mac of s.phones.macs)
        await this.addPhone(mac, s.phones.gatewayUrl, agent, s.phones.contactHost);
    }
  }

  private noteError(msg: string): void {
    process.stdout.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: 'warn', context: 'Fleet', msg })}\n`,
    );
    this.errors.push(msg);
    if (this.errors.length > 200) this.errors.shift();
  }

  private addDm(
    spec: DmHandsetSpec,
    serverUrl: string,
    agent: DmHandset['options']['agent'],
  ): void {
    const handset = new DmHandset({
      devId: spec.devId,
      serverUrl,
      serverId: spec.serverId,
      serverPassword: spec.serverPassword,
      clientName: spec.clientName,
      clientPassword: spec.clientPassword,
      serverAuth: 'md5',
      clientAuth: 'md5',
      encoding: 'wbxml',
      maxMsgSize: spec.maxMsgSize,
      nonces: { server: spec.serverNonce, client: spec.clientNonce },
      agent: dmAgent(this.spec.faults?.[spec.devId], agent),
    });
    applyDmFault(handset, this.spec.faults?.[spec.devId]);
    const front = new OmaDmHandsetFront({
      msisdn: spec.msisdn,
      serverId: spec.serverId,
      serverPassword: spec.serverPassword,
      // the handset's own rule: its newest nonce, or the one the server last proved it holds
      nonce: dmServerNonce(handset),
      nonceResync: spec.nonceResync,
      onTrigger: (pkg0) => this.onDmTrigger(dev, pkg0),
    });
    const dev: DmDevice = { spec, handset, front, running: false };
    const tree = handset.tree;
    const replace = tree.replace.bind(tree);
    const add = tree.add.bind(tree);
    tree.replace = (uri, value, format, type) => {
      replace(uri, value, format, type);
      this.applied.add(spec.devId, uri, valueText(value));
    };
    tree.add = (uri, value, format, type) => {
      add(uri, value, format, type);
      this.applied.add(spec.devId, uri, valueText(value));
    };
    this.dm.set(spec.devId, dev);
    this.smsc?.addHandset(dev.front);
  }

  private onDmTrigger(dev: DmDevice, pkg0: NotificationPackage0): void {
    this.stats.dmNotifications++;
    if (this.dmSilent || this.spec.faults?.[dev.spec.devId]?.silent) return;
    if (dev.running) dev.owed = pkg0;
    else this.runDmSession(dev, pkg0);
  }

  /** One server-initiated session; a notification that came meanwhile starts the next one. */
  private runDmSession(dev: DmDevice, pkg0: NotificationPackage0): void {
    dev.running = true;
    this.stats.dmSessions++;
    dev.handset
      .runSession({ initiator: 'server', sessionId: pkg0.sessionIdHex })
      .then(
        (s) => {
          if (s.ended === 'completed') this.stats.dmSessionsCompleted++;
        },
        (err: Error) => {
          this.stats.dmSessionErrors++;
          this.noteError(`dm ${dev.spec.devId}: ${err.message}`);
        },
      )
      .finally(() => {
        dev.running = false;
        const owed = dev.owed;
        dev.owed = undefined;
        if (owed) {
          this.stats.dmOwedSessions++;
          this.runDmSession(dev, owed);
        }
      });
  }

  private addCp(msisdn: string, imsi: string, pin?: string): void {
    const h = new OmaCpHandset({ msisdn, imsi, pin });
    this.cp.set(msisdn, h);
    this.smsc?.addHandset({
      msisdn,
      receiveSms: (ud, from) => {
        const before = h.documents.length;
        h.receiveSms(ud, from);
        for (const doc of h.documents.slice(before)) {
          this.stats.cpDocuments++;
          for (const v of strings(doc.document)) this.applied.add(msisdn, 'document', v);
        }
      },
    });
  }

  private async addPhone(
    mac: string,
    gatewayUrl: string,
    agent: ReturnType<typeof latencyHttpsAgent>,
    contactHost?: string,
  ): Promise<void> {
    const phone = await new OpenStagePhone({
      gatewayUrl,
      mac,
      contactHost,
      keepLog: false,
      agent: phoneAgent(this.spec.faults?.[mac], agent),
    }).start();
    const items = phone.items;
    const set = items.set.bind(items);
    const counting = (key: string, value: string) => {
      this.applied.add(mac, key, value);
      return set(key, value);
    };
    // counted only once the factory items are loaded (start() loads them)
    items.set = counting;
    phone.on('contact-me', () => this.stats.wpContactMe++);
    phone.on('interaction', (l: { error?: string }) => {
      this.stats.wpInteractions++;
      if (l.error) {
        this.stats.wpInteractionErrors++;
        this.noteError(`wp ${mac}: ${l.error}`);
      }
    });
    this.phones.push(phone);
  }

  /** Every phone sends start-up (the gateway registers unknown phones); resolves when all did. */
  async phonesStartUp(): Promise<{ ok: number; failed: number }> {
    const logs = await Promise.allSettled(this.phones.map((p) => p.startUp()));
    const failed = logs.filter((l) => l.status === 'rejected' || l.value.error).length;
    // faults that would also spoil registration take effect once the phones are registered
    for (const p of this.phones) applyPhoneFault(p, this.spec.faults?.[p.options.mac]);
    return { ok: logs.length - failed, failed };
  }

  /** In a call for `ms`: writes are answered busy (a `share` of the phones, from the first). */
  phonesBusy(ms: number, share = 1): number {
    const n = Math.round(this.phones.length * share);
    for (const p of this.phones.slice(0, n)) p.setBusy(ms);
    return n;
  }

  counts(): unknown {
    const rejected = {
      dmNotifications: [...this.dm.values()].reduce((a, d) => a + d.front.rejected.length, 0),
      cpPushes: [...this.cp.values()].reduce((a, h) => a + h.rejected.length, 0),
    };
    // package #0 accepted only with the resync nonce (DM Notification §6.2)
    const dmNonceResyncs = [...this.dm.values()].reduce((a, d) => a + d.front.resynced, 0);
    return {
      applied: this.applied.toJSON(),
      stats: { ...this.stats, dmNonceResyncs, rejected },
      smsc: this.smsc
        ? {
            submits: this.smsc.submits,
            starts: this.smsc.starts,
            up: !!this.smsc.smsc,
            maxPerSecond: this.smsc.maxPerSecond,
          }
        : undefined,
      errors: this.errors.slice(-50),
    };
  }

  async stop(): Promise<void> {
    await Promise.all(this.phones.map((p) => p.stop()));
    await this.smsc?.stop();
  }
}
