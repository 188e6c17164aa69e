import { OpenStagePhone } from '../../apps/simulator/src/phone/openstage-phone';
import { WorkpointRuntime } from '../../apps/gateway/src/workpoint/workpoint.module';
import type { ApiFixture } from './api-fixture';

/** Settings a gateway needs for these phones: contact-me at once, no contact gap. */
export const PHONE_FLEET_ENV = {
  WORKPOINT_CONTACT_GAP_MS: '0',
  WORKPOINT_CONTACT_BACKOFF_MS: '50',
  WORKPOINT_CONTACT_TIMEOUT_MS: '1000',
};

/**
 * Simulated OpenStage phones behind a test gateway: real devices on the production path (core
 * job → wake-up → contact-me → HTTPS session through the Workpoint engine → results). A phone is
 * created as a core device through the REST API and starts up once, so the gateway knows where
 * to send contact-me. `silent` phones acknowledge contact-me but never call back; `failing`
 * ones answer every action with status "failed".
 */
export class PhoneFleet {
  readonly phones = new Map<string, OpenStagePhone>();
  private seq = 0;

  constructor(
    private readonly f: ApiFixture,
    /** second byte pair of the MACs, so two fleets of one gateway never share one */
    private readonly macBase = 0,
  ) {}

  private get url(): string {
    const port = this.f.gw.app.get(WorkpointRuntime).defaultListener!.port;
    return `https://127.0.0.1:${port}/DeploymentService/LoginService`;
  }

  /** A MAC of this fleet not used yet. */
  mac(): string {
    const n = (this.macBase << 16) + ++this.seq;
    const hex = n.toString(16).toUpperCase().padStart(6, '0').slice(-6);
    return `00:1A:E8:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
  }

  /** Creates the devices (one import) and their phones, and starts every phone up once. */
  async add(
    ids: string[],
    o: { tags?: string[]; silent?: boolean; failing?: boolean } = {},
  ): Promise<OpenStagePhone[]> {
    const macs = ids.map(() => this.mac());
    const rows = ids.map((id, i) => ({
      id,
      protocol: 'workpoint',
      addressing: { mac: macs[i].toLowerCase() },
      ...(o.tags ? { tags: o.tags } : {}),
    }));
    const res = await this.f.call('POST', '/v1/devices/import', rows);
    if (res.body?.created !== ids.length)
      throw new Error(`device import: ${JSON.stringify(res.body)}`);
    return this.attach(ids, macs, o);
  }

  /** Phones for devices that exist already (`macs[i]` is device `ids[i]`'s), started up once. */
  async attach(
    ids: string[],
    macs: string[],
    o: { silent?: boolean; failing?: boolean } = {},
  ): Promise<OpenStagePhone[]> {
    const phones = await Promise.all(
      ids.map((_, i) =>
        new OpenStagePhone({
          gatewayUrl: this.url,
          mac: macs[i].toUpperCase(),
          rebootDelayMs: 10,
        }).start(),
      ),
    );
    for (let i = 0; i < ids.length; i += 20)
      await Promise.all(
        phones.slice(i, i + 20).map(async (p) => {
          const log = await p.startUp();
          if (log.error) throw new Error(`start-up of ${p.options.mac}: ${log.error}`);
        }),
      );
    ids.forEach((id, i) => {
      phones[i].ignoreContactMe = !!o.silent;
      phones[i].refuseActions = !!o.failing;
      this.phones.set(id, phones[i]);
    });
    return phones;
  }

  get(id: string): OpenStagePhone {
    const p = this.phones.get(id);
    if (!p) throw new Error(`no phone ${id}`);
    return p;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.phones.values()].map((p) => p.stop()));
  }
}
