import {
  type PhoneItem as WorkpointItem,
  type PhoneMessage as WorkpointMessage,
  type ServiceMessage as DlsMessage,
  buildPhoneMessage,
  itemKeyOf as itemKey,
  parseServiceMessage,
} from './phone-wire';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { Agent, request } from 'node:https';
import { AddressInfo } from 'node:net';
import { READ_ONLY_ITEMS, WRITE_ONLY_ITEMS, defaultPhoneItems, isKnownItem } from './default-items';

export interface OpenStagePhoneOptions {
  /** the DLS address, e.g. https://127.0.0.1:18443/DeploymentService/LoginService */
  gatewayUrl: string;
  mac: string;
  /** item overrides, keyed `name` or `name[index]` */
  items?: Record<string, string>;
  /** the phone's maxItems (-1 = no limit) */
  maxItems?: number;
  /** items per ReadAllItems fragment (0 = never fragment) */
  fragmentSize?: number;
  /** contact-me requests closer than this are acknowledged but ignored (ADM: 300 s) */
  contactGapMs?: number;
  /** host/port of the contact-me listener (port 0 = ephemeral) */
  contactHost?: string;
  contactPort?: number;
  rebootDelayMs?: number;
  /** outcome of file deployments */
  fileDeployStatus?: 'ok' | 'failed';
  /** software-version after a SoftwareDeployment; default = file-sw-version of the message */
  versionAfterUpdate?: string;
  /** one nonce per interaction (DG p.34) or a fresh one per message (seen in the wild) */
  nonceMode?: 'per-interaction' | 'per-message';
  /** echo the cookie with its `; path=/` attribute, as real phones were seen doing */
  echoCookieAttributes?: boolean;
  /** older firmware (< V3R3) ignores send-solicited and waits for a contact-me */
  honourSendSolicited?: boolean;
  /** the status word of a busy reply: the seed's example writes `busy`, its prose `Busy` */
  busyStatus?: string;
  /** write `<ItemList/>` in messages without items (default: no ItemList, as the seed's busy reply) */
  emptyItemList?: boolean;
  /** called with each request/response round-trip time in ms (benchmarks) */
  onExchange?: (ms: number) => void;
  /** keep a log of interactions (off for benchmarks) */
  keepLog?: boolean;
  agent?: Agent;
}

export interface InteractionStep {
  action: string;
  items: WorkpointItem[];
}

export interface InteractionLog {
  reason: string;
  secure: boolean;
  steps: InteractionStep[];
  /** items of the final CleanUp (e.g. send-solicited) */
  cleanUp?: WorkpointItem[];
  error?: string;
}

/**
 * A simulated OpenStage desk phone speaking the Workpoint Interface: item store, start-up,
 * contact-me listener (204 then a solicited call back), busy periods, fragmented ReadAllItems,
 * small maxItems, unknown/read-only items, reboots on Restart and after SoftwareDeployment,
 * file-deployment status reports, secure-mode bootstrap (no PIN) onto mutual TLS.
 */
export class OpenStagePhone extends EventEmitter {
  readonly items = new Map<string, string>();
  readonly log: InteractionLog[] = [];
  private server?: Server;
  private agent: Agent;
  private ownAgent: boolean;
  private busyUntil = 0;
  private busyTimer?: NodeJS.Timeout;
  private solicitedOwed = false;
  private reconnecting = false;
  private lastContactMe = 0;
  private cookie?: string;
  private url: URL;
  private secure = false;
  private running = new Set<Promise<unknown>>();
  private stopped = false;
  contactMeUri = '';
  /** acknowledge contact-me requests but do not call back (as inside the phone's contact gap) */
  ignoreContactMe = false;
  /**
   * Cut session (tests): the next time this action arrives the phone carries it out, but its
   * answer never reaches the DLS (the connection drops); the interaction ends with an error.
   */
  cutAfterAction?: string;
  /** answer every action with status "failed" (a phone that declines everything) */
  refuseActions = false;

  constructor(readonly options: OpenStagePhoneOptions) {
    super();
    this.url = new URL(options.gatewayUrl);
    this.ownAgent = !options.agent;
    this.agent =
      options.agent ??
      new Agent({ keepAlive: true, rejectUnauthorized: false, maxSockets: 1, noDelay: true });
  }

  /** Opens the contact-me listener and loads the default item set. */
  async start(): Promise<this> {
    this.server = createServer((req, res) => this.onContactMe(req, res));
    await new Promise<void>((done) =>
      this.server!.listen(
        this.options.contactPort ?? 0,
        this.options.contactHost ?? '127.0.0.1',
        () => done(),
      ),
    );
    const { port } = this.server.address() as AddressInfo;
    this.contactMeUri = `http://${this.options.contactHost ?? '127.0.0.1'}:${port}/contact_dls.html/ContactDLS`;
    this.resetItems();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.busyTimer);
    await Promise.allSettled([...this.running]);
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
    if (this.ownAgent) this.agent.destroy();
  }

  private defaults?: [string, string][];

  /** Back to the factory item set (plus the configured overrides). */
  resetItems(): void {
    this.defaults ??= Object.entries({
      ...defaultPhoneItems(this.options.mac, this.contactMeUri),
      ...(this.options.items ?? {}),
    });
    this.items.clear();
    for (const [k, v] of this.defaults) this.items.set(k, v);
  }

  get isSecure(): boolean {
    return this.secure;
  }

  /** In a call for `ms`: writes and deployments are answered `busy`. */
  setBusy(ms: number): void {
    this.busyUntil = Date.now() + ms;
    clearTimeout(this.busyTimer);
    this.busyTimer = setTimeout(() => this.onIdle(), ms);
  }

  /** Waits for the next finished interaction that matches. */
  nextInteraction(
    match: (l: InteractionLog) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<InteractionLog> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('interaction', on);
        reject(
          new Error(`phone ${this.options.mac}: no matching interaction within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const on = (l: InteractionLog) => {
        if (!match(l)) return;
        clearTimeout(timer);
        this.off('interaction', on);
        resolve(l);
      };
      this.on('interaction', on);
    });
  }

  startUp(): Promise<InteractionLog> {
    return this.interact('start-up', this.basicItems());
  }

  solicited(): Promise<InteractionLog> {
    return this.interact('solicited', this.basicItems());
  }

  /** A change made in the phone's menu, reported with the changed items (V2R2+). */
  localChange(changes: Record<string, string>): Promise<InteractionLog> {
    for (const [k, v] of Object.entries(changes)) this.items.set(k, v);
    const items = [...this.basicItems(), ...Object.entries(changes).map(([k, v]) => toItem(k, v))];
    return this.interact('local-changes', items);
  }

  /** The phone aborts an interaction (e.g. password retries exceeded). */
  sendCleanUp(reason: string): Promise<InteractionLog> {
    return this.interact('clean-up', [{ name: 'cleanup-reason', value: reason }]);
  }

  /** Sends a raw body and returns the HTTP status and text (tests of odd requests). */
  async raw(
    body: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: string }> {
    return this.post(body, headers);
  }

  private basicItems(): WorkpointItem[] {
    const names = [
      'device-type',
      'related-device-type',
      'software-type',
      'software-version',
      'contact-me-uri',
      'mac-addr',
      'configuration-changed-flag',
      'e164',
      'part-number',
    ];
    return names
      .filter((n) => this.items.has(n))
      .map((n) => ({ name: n, value: this.items.get(n)! }));
  }

  private nonce(): string {
    return randomBytes(16).toString('hex').toUpperCase();
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    void p.finally(() => this.running.delete(p)).catch(() => undefined);
    return p;
  }

  /** Runs one interaction: opening message, then answer every DLS action until CleanUp. */
  interact(reason: string, items: WorkpointItem[]): Promise<InteractionLog> {
    return this.track(this.runInteraction(reason, items));
  }

  private async runInteraction(
    reason: string,
    openingItems: WorkpointItem[],
  ): Promise<InteractionLog> {
    const log: InteractionLog = { reason, secure: this.secure, steps: [] };
    let nonce = this.nonce();
    const maxItems = this.options.maxItems ?? -1;
    let msg: WorkpointMessage = { nonce, maxItems, fragment: 'final', reason, items: openingItems };
    let fragments: WorkpointItem[][] = [];
    const after: (() => void)[] = [];
    this.cookie = undefined;
    try {
      for (let step = 0; step < 200; step++) {
        const res = await this.post(
          buildPhoneMessage(msg, { emptyItemList: this.options.emptyItemList }),
        );
        if (res.status !== 200)
          throw new Error(`DLS answered HTTP ${res.status}: ${res.body.trim()}`);
        const dls = parseServiceMessage(res.body, msg.nonce);
        log.steps.push({ action: dls.action, items: dls.items });
        // seed 001: more items than maxItems must be fragmented by the DLS
        if (maxItems >= 0 && dls.items.length > maxItems)
          throw new Error(
            `DLS sent ${dls.action} with ${dls.items.length} items, above this phone's maxItems=${maxItems}`,
          );
        if (this.options.nonceMode === 'per-message') nonce = this.nonce();
        const reply = (
          action: string,
          items: WorkpointItem[],
          status = 'accepted',
          fragment: 'next' | 'final' = 'final',
        ) =>
          ({
            nonce,
            maxItems,
            fragment,
            reason: 'reply-to',
            action,
            status,
            items,
          }) as WorkpointMessage;
        if (dls.action === 'CleanUp') {
          log.cleanUp = dls.items;
          if (
            this.options.honourSendSolicited !== false &&
            dls.items.some((i) => i.name === 'send-solicited' && i.value === 'true')
          ) {
            this.solicitedOwed = true;
            if (Date.now() >= this.busyUntil) setImmediate(() => this.onIdle());
          }
          break;
        }
        if (this.refuseActions && dls.action !== 'GetNextFragment') {
          msg = reply(dls.action, [], 'failed');
          continue;
        }
        if (dls.action === 'Restart') {
          // the phone reboots at once, without answering (completion = its next start-up)
          const factory = dls.items.some(
            (i) => i.name === 'restart-type' && i.value === 'FactoryReset',
          );
          after.push(() => this.reboot(factory));
          break;
        }
        const handled = this.answer(dls, reply, fragments, after);
        if (this.cutAfterAction === dls.action) {
          this.cutAfterAction = undefined;
          throw new Error(`session cut after ${dls.action}`);
        }
        msg = handled.msg;
        fragments = handled.fragments;
      }
    } catch (err) {
      log.error = (err as Error).message;
    }
    if (this.options.keepLog !== false) this.log.push(log);
    this.emit('interaction', log);
    for (const f of after) f();
    return log;
  }

  private answer(
    dls: DlsMessage,
    reply: (
      action: string,
      items: WorkpointItem[],
      status?: string,
      fragment?: 'next' | 'final',
    ) => WorkpointMessage,
    fragments: WorkpointItem[][],
    after: (() => void)[],
  ): { msg: WorkpointMessage; fragments: WorkpointItem[][] } {
    const busy = Date.now() < this.busyUntil;
    switch (dls.action) {
      case 'ReadAllItems': {
        const all = [...this.items]
          .filter(([k]) => !WRITE_ONLY_ITEMS.has(k.replace(/\[.*$/, '')))
          .map(([k, v]) => toItem(k, v));
        const size = this.options.fragmentSize ?? 0;
        const parts = size > 0 ? chunk(all, size) : [all];
        const first = parts.shift() ?? [];
        return {
          msg: reply('ReadAllItems', first, 'accepted', parts.length > 0 ? 'next' : 'final'),
          fragments: parts,
        };
      }
      case 'GetNextFragment': {
        const next = fragments.shift() ?? [];
        const action = 'ReadAllItems';
        return {
          msg: reply(action, next, 'accepted', fragments.length > 0 ? 'next' : 'final'),
          fragments,
        };
      }
      case 'ReadItems': {
        const items = dls.items.map((i) => {
          const v = this.items.get(itemKey(i));
          return v === undefined ? { ...i, value: '', status: 'unknown item' } : { ...i, value: v };
        });
        return { msg: reply('ReadItems', items), fragments };
      }
      case 'WriteItems': {
        if (busy) return { msg: reply('WriteItems', [], this.busyWord), fragments };
        const refused: WorkpointItem[] = [];
        for (const it of dls.items) {
          const key = itemKey(it);
          if (READ_ONLY_ITEMS.has(it.name))
            refused.push({ name: it.name, index: it.index, value: '', status: 'read only' });
          else if (!this.items.has(key) && !isKnownItem(it.name))
            refused.push({ name: it.name, index: it.index, value: '', status: 'unknown item' });
          else this.items.set(key, it.value);
        }
        if (dls.items.some((i) => i.name === 'goto-secure-mode' && i.value === 'nopin'))
          after.push(() => this.enterSecureMode());
        return {
          msg: reply(
            'WriteItems',
            refused.map((r) =>
              r.index === undefined ? { name: r.name, value: '', status: r.status } : r,
            ),
          ),
          fragments,
        };
      }
      case 'SoftwareDeployment': {
        if (busy) return { msg: reply('SoftwareDeployment', [], this.busyWord), fragments };
        const version =
          this.options.versionAfterUpdate ??
          dls.items.find((i) => i.name === 'file-sw-version')?.value ??
          'unknown';
        after.push(() => {
          this.items.set('software-version', version);
          this.reboot(false);
        });
        return { msg: reply('SoftwareDeployment', []), fragments };
      }
      case 'FileDeployment': {
        const name =
          dls.items.find((i) => i.name === 'file-name' || i.name === 'file-https-base-url')
            ?.value ?? '';
        const type = dls.items.find((i) => i.name === 'file-type')?.value ?? '';
        // every deployed file is reported in the item store (ReadAllItems, DG p.245)
        const status = this.options.fileDeployStatus ?? 'ok';
        const indexes = [...new Set(dls.items.map((i) => i.index ?? 1))];
        for (const i of indexes) {
          const url = dls.items.find(
            (it) =>
              (it.index ?? 1) === i &&
              (it.name === 'file-name' || it.name === 'file-https-base-url'),
          )?.value;
          this.items.set(`file-deployment-status[${i}]`, status);
          this.items.set(`file-deployment-name[${i}]`, url?.split('/').pop() ?? '');
          this.items.set(`file-deployment-date[${i}]`, new Date().toISOString().slice(0, 10));
          this.items.set(`file-deployment-time[${i}]`, new Date().toISOString().slice(11, 23));
        }
        // DG p.55: a deployment of several files is not reported by a status message
        if (indexes.length > 1) return { msg: reply('FileDeployment', []), fragments };
        after.push(() => {
          const t = setTimeout(() => {
            if (this.stopped) return;
            void this.interact('status', [
              ...this.basicItems(),
              { name: 'file-deployment-name', value: name.split('/').pop() ?? name },
              { name: 'file-deployment-type', value: type },
              { name: 'file-deployment-status', value: this.options.fileDeployStatus ?? 'ok' },
            ]);
          }, this.options.rebootDelayMs ?? 20);
          t.unref();
        });
        return { msg: reply('FileDeployment', []), fragments };
      }
      default:
        // GetNextFragment handled above; anything else: the phone ends the interaction
        return {
          msg: {
            nonce: dls.nonce,
            maxItems: -1,
            fragment: 'final',
            reason: 'clean-up',
            items: [{ name: 'cleanup-reason', value: `unsupported action ${dls.action}` }],
          },
          fragments,
        };
    }
  }

  private reboot(factory: boolean): void {
    const version = this.items.get('software-version');
    this.solicitedOwed = false; // RAM only (DG p.72)
    this.busyUntil = 0;
    if (factory) {
      this.resetItems();
      if (version) this.items.set('software-version', version);
    }
    const t = setTimeout(() => {
      if (!this.stopped) void this.startUp();
    }, this.options.rebootDelayMs ?? 20);
    t.unref();
  }

  private enterSecureMode(): void {
    const pem = this.items.get('dls-client-certificate') ?? '';
    const cas = [...this.items].filter(([k]) => k.startsWith('dls-server-ca[')).map(([, v]) => v);
    const port = Number(this.items.get('dls-secure-port'));
    this.url = new URL(this.url.toString());
    this.url.port = String(port);
    if (this.ownAgent) this.agent.destroy();
    this.ownAgent = true;
    this.agent = new Agent({
      keepAlive: true,
      noDelay: true,
      maxSockets: 1,
      cert: pem,
      key: pem,
      ca: cas,
      rejectUnauthorized: true,
    });
    this.secure = true;
    this.items.set('dls-mode-secure', '1');
    const t = setTimeout(() => {
      if (!this.stopped) void this.startUp();
    }, this.options.rebootDelayMs ?? 20);
    t.unref();
  }

  private get busyWord(): string {
    return this.options.busyStatus ?? 'busy';
  }

  /**
   * No longer busy: the cached send-solicited indication makes the phone call back. Seed 000: it
   * is cleared only once that connection succeeded — a failed one keeps it (a restart clears it).
   */
  private onIdle(): void {
    if (!this.solicitedOwed || this.stopped || this.reconnecting) return;
    this.reconnecting = true;
    void this.solicited().then((log) => {
      this.reconnecting = false;
      if (log.error) {
        this.emit('solicited-failed', log.error);
        return;
      }
      const again = log.cleanUp?.some((i) => i.name === 'send-solicited' && i.value === 'true');
      if (!again) this.solicitedOwed = false;
      else if (Date.now() >= this.busyUntil) setImmediate(() => this.onIdle());
    });
  }

  /** Tries the owed solicited connection again (what a phone does at its next idle moment). */
  retryOwedSolicited(): void {
    this.onIdle();
  }

  /** true while the phone still owes the DLS a solicited call (seed 000's cached indication) */
  get owesSolicited(): boolean {
    return this.solicitedOwed;
  }

  private onContactMe(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const form = new URLSearchParams(
        req.method === 'GET' ? ((req.url ?? '').split('?')[1] ?? '') : body,
      );
      const path = (req.url ?? '').split('?')[0];
      if (path !== '/contact_dls.html/ContactDLS' || form.get('ContactMe') !== 'true') {
        res.writeHead(404, { 'content-type': 'text/html', 'content-length': 0 });
        res.end();
        return;
      }
      res.writeHead(204, { server: 'DlsClient', 'content-type': 'text/html' });
      res.end();
      const now = Date.now();
      if (now - this.lastContactMe < (this.options.contactGapMs ?? 0)) return; // contact gap: ignored
      if (this.ignoreContactMe) return;
      this.lastContactMe = now;
      this.emit('contact-me', form);
      setImmediate(() => {
        if (!this.stopped) void this.solicited();
      });
    });
  }

  private post(
    xml: string,
    extra: Record<string, string> = {},
  ): Promise<{ status: number; body: string }> {
    const body = Buffer.from(xml, 'utf8');
    const headers: Record<string, string | number> = {
      'content-type': 'text/xml',
      'content-length': body.length,
      ...extra,
    };
    if (this.cookie)
      headers.cookie = this.options.echoCookieAttributes ? `${this.cookie}; path=/` : this.cookie;
    const t0 = this.options.onExchange ? performance.now() : 0;
    return new Promise((resolve, reject) => {
      const r = request(
        {
          host: this.url.hostname,
          port: this.url.port,
          path: this.url.pathname,
          method: 'POST',
          headers,
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const set = res.headers['set-cookie']?.[0];
            if (set) {
              const pair = set.split(';')[0];
              this.cookie = pair.endsWith('=') ? undefined : pair;
            }
            this.options.onExchange?.(performance.now() - t0);
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', reject);
        },
      );
      r.on('error', reject);
      r.end(body);
    });
  }
}

function toItem(key: string, value: string): WorkpointItem {
  const m = /^(.*)\[(\d+)\]$/.exec(key);
  return m ? { name: m[1], index: Number(m[2]), value } : { name: key, value };
}

function chunk<T>(a: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < a.length; i += n) out.push(a.slice(i, i + n));
  return out;
}
