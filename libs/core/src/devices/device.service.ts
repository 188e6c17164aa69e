import { ParameterCatalog } from '../catalog/parameter-catalog';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { MASKED, SecretBox } from '../secrets/secret-box';
import { normaliseMac } from '../addressing/mac';
import { normaliseMsisdn } from '../addressing/msisdn';
import {
  ADDRESS_TOKEN,
  checkCredentials,
  checkId,
  checkProtocol,
  checkTags,
  DeviceInput,
  normaliseAddressing,
} from './device-input';
import {
  Device,
  DeviceCredentials,
  Inventory,
  InventoryEntry,
  InventoryObservation,
  Protocol,
  PROTOCOLS,
  SECRET_CREDENTIAL_FIELDS,
  UniqueAddressKind,
} from './device.model';
import { DeviceFilter, DeviceRepository, Page, WriteOutcome } from './device.repository';
import { DeviceLifecycleListener, NO_DEVICE_LIFECYCLE } from './device-lifecycle';
import { newId } from '../util/ids';

/** A device as the API shows it: secrets replaced by a mask, times as ISO strings. */
export interface DeviceView {
  id: string;
  protocol: Protocol;
  addressing: Device['addressing'];
  credentials: Record<string, string>;
  profile?: string;
  model?: string;
  tags: string[];
  desired?: Record<string, unknown>;
  lastContact?: string;
  createdAt: string;
  updatedAt: string;
  inventory?: Inventory;
}

/** Exact search keys of `DeviceService.search` (addresses as clients write them). */
export interface DeviceSearch {
  id?: string;
  msisdn?: string;
  mac?: string;
  devId?: string;
}

export interface ImportRowResult {
  row: number;
  id?: string;
  ok: boolean;
  code?: string;
  message?: string;
}

export interface DeviceServiceOptions {
  /** Country code for national MSISDNs (`0…`), e.g. `49`. */
  defaultCountryCode?: string;
  /**
   * The SMSC binds a device may name in `addressing.bind` (unset or undefined: any); a function
   * is asked at each check (the gateway's live bind list).
   */
  knownBinds?: readonly string[] | (() => readonly string[] | undefined);
}

const SECRET_FIELDS: readonly string[] = SECRET_CREDENTIAL_FIELDS;

/** A device's credentials in plaintext: for protocol adapters only, never for the API or logs. */
export function openCredentials(
  box: SecretBox,
  device: Pick<Device, 'credentials'>,
): DeviceCredentials {
  const out: Record<string, string> = { ...(device.credentials as Record<string, string>) };
  for (const f of SECRET_FIELDS) if (out[f] !== undefined) out[f] = box.open(out[f]);
  return out as DeviceCredentials;
}

export class DeviceService {
  constructor(
    private readonly repo: DeviceRepository,
    private readonly box: SecretBox,
    private readonly catalog: () => ParameterCatalog,
    private readonly options: DeviceServiceOptions = {},
    /** told of every stored create, update and delete (the gateway keeps DM accounts with it) */
    private readonly lifecycle: DeviceLifecycleListener = NO_DEVICE_LIFECYCLE,
  ) {}

  /** Validates, normalises and seals a client's device; throws ValidationError on bad input. */
  build(input: DeviceInput, now = Date.now()): Device {
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      throw new ValidationError('invalid-device', 'a device must be a JSON object');
    }
    const protocol = checkProtocol(input.protocol);
    const device: Device = {
      id: input.id === undefined ? newId('d') : checkId(input.id),
      protocol,
      addressing: normaliseAddressing(protocol, input.addressing, this.options),
      credentials: this.seal(checkCredentials(input.credentials)),
      tags: input.tags === undefined ? [] : checkTags(input.tags),
      createdAt: now,
      updatedAt: now,
    };
    this.applyProfileAndModel(device, input);
    if (input.desired !== undefined) device.desired = this.checkDesired(device, input.desired);
    return device;
  }

  private applyProfileAndModel(device: Device, input: DeviceInput): void {
    if (input.profile) {
      const profile = this.catalog().requireProfile(input.profile);
      if (profile.protocol !== device.protocol) {
        throw new ValidationError(
          'profile-mismatch',
          `profile '${profile.id}' is for ${profile.protocol}, not ${device.protocol}`,
        );
      }
      device.profile = profile.id;
    } else if (input.profile === null) delete device.profile;
    if (typeof input.model === 'string' && input.model) device.model = input.model.slice(0, 128);
    else if (input.model === null) delete device.model;
  }

  private checkDesired(device: Device, desired: unknown): Record<string, unknown> {
    if (!desired || typeof desired !== 'object' || Array.isArray(desired)) {
      throw new ValidationError('invalid-desired', 'desired must be an object of parameter values');
    }
    const out: Record<string, string> = {};
    const catalog = this.catalog();
    for (const [path, value] of Object.entries(desired as Record<string, unknown>)) {
      const target = catalog.resolve(path, device);
      const text = catalog.validateValue(path, value);
      out[path] = target.secret ? this.box.seal(text) : text;
    }
    return out;
  }

  private seal(c: DeviceCredentials): DeviceCredentials {
    const out: Record<string, string> = { ...(c as Record<string, string>) };
    for (const f of SECRET_FIELDS)
      if (out[f] !== undefined && !SecretBox.isSealed(out[f])) out[f] = this.box.seal(out[f]);
    return out as DeviceCredentials;
  }

  /** Plaintext credentials, for the protocol adapters only (never for the API). */
  revealCredentials(device: Device): DeviceCredentials {
    return openCredentials(this.box, device);
  }

  view(device: Device, lastContact?: number, inventory?: Inventory): DeviceView {
    const credentials: Record<string, string> = {};
    for (const [k, v] of Object.entries(device.credentials))
      credentials[k] = SECRET_FIELDS.includes(k) ? MASKED : v;
    const view: DeviceView = {
      id: device.id,
      protocol: device.protocol,
      addressing: device.addressing,
      credentials,
      tags: device.tags,
      createdAt: new Date(device.createdAt).toISOString(),
      updatedAt: new Date(device.updatedAt).toISOString(),
    };
    if (device.profile) view.profile = device.profile;
    if (device.model) view.model = device.model;
    if (device.desired) {
      view.desired = Object.fromEntries(
        Object.entries(device.desired).map(([k, v]) => [k, SecretBox.isSealed(v) ? MASKED : v]),
      );
    }
    if (lastContact) view.lastContact = new Date(lastContact).toISOString();
    if (inventory) view.inventory = inventory;
    return view;
  }

  async create(input: DeviceInput): Promise<Device> {
    const device = this.build(input);
    const [outcome] = await this.repo.createMany([device]);
    this.throwUnlessOk(outcome, device.id);
    await this.lifecycle.created([device]);
    return device;
  }

  private throwUnlessOk(outcome: WriteOutcome, id: string): void {
    if (!outcome.ok)
      throw new ConflictError(
        outcome.code === 'exists' ? 'device-exists' : 'address-taken',
        outcome.message,
        { id },
      );
  }

  /** Validates and writes one batch of an import; bad rows are reported, never fatal. */
  /** `dryRun`: validate only (conflicts with stored devices are found only by a real import). */
  async importBatch(
    rows: { row: number; input: DeviceInput }[],
    options: { dryRun?: boolean } = {},
  ): Promise<ImportRowResult[]> {
    const now = Date.now();
    const results: ImportRowResult[] = [];
    const valid: { row: number; device: Device }[] = [];
    for (const { row, input } of rows) {
      try {
        valid.push({ row, device: this.build(input, now) });
      } catch (err) {
        const e = err as ValidationError;
        results.push({
          row,
          ok: false,
          code: e.code ?? 'invalid-device',
          message: e.message,
          id: input?.id,
        });
      }
    }
    const outcomes = options.dryRun
      ? valid.map(() => ({ ok: true as const }))
      : await this.repo.createMany(valid.map((v) => v.device));
    if (!options.dryRun) {
      const written = valid.filter((_, i) => outcomes[i].ok).map((v) => v.device);
      if (written.length) await this.lifecycle.created(written);
    }
    outcomes.forEach((o, i) => {
      const { row, device } = valid[i];
      results.push(
        o.ok
          ? { row, id: device.id, ok: true }
          : { row, id: device.id, ok: false, code: o.code, message: o.message },
      );
    });
    return results.sort((a, b) => a.row - b.row);
  }

  async get(id: string): Promise<Device> {
    const d = await this.repo.get(id);
    if (!d) throw new NotFoundError('device', id);
    return d;
  }

  find(id: string): Promise<Device | null> {
    return this.repo.get(id);
  }

  async getView(id: string, withInventory = false): Promise<DeviceView> {
    const device = await this.get(id);
    const [lastContact] = await this.repo.getLastContacts([id]);
    return this.view(device, lastContact, withInventory ? await this.inventory(id) : undefined);
  }

  async findByAddress(
    protocol: Protocol,
    kind: UniqueAddressKind,
    value: string,
  ): Promise<Device | null> {
    const id = await this.repo.findIdByAddress(protocol, kind, value);
    return id ? this.repo.get(id) : null;
  }

  /** Applies a partial update; fields absent from the patch keep their value. */
  async update(id: string, patch: DeviceInput): Promise<Device> {
    for (let tries = 0; tries < 5; tries++) {
      const current = await this.get(id);
      if (patch.protocol !== undefined && patch.protocol !== current.protocol) {
        throw new ValidationError(
          'protocol-immutable',
          'a device cannot change protocol; delete and create it instead',
        );
      }
      const next: Device = { ...current, updatedAt: Date.now() };
      if (patch.addressing !== undefined) {
        next.addressing = normaliseAddressing(
          current.protocol,
          { ...current.addressing, ...patch.addressing },
          this.options,
        );
      }
      if (patch.credentials !== undefined) {
        next.credentials = this.seal({
          ...current.credentials,
          ...checkCredentials(patch.credentials),
        });
        for (const [k, v] of Object.entries(patch.credentials ?? {}))
          if (v === null) delete (next.credentials as any)[k];
      }
      if (patch.tags !== undefined) next.tags = checkTags(patch.tags);
      this.applyProfileAndModel(next, patch);
      if (patch.desired !== undefined) next.desired = this.checkDesired(next, patch.desired);
      const outcome = await this.repo.replace(current, next);
      if (outcome === 'stale') continue;
      this.throwUnlessOk(outcome, id);
      await this.lifecycle.updated(current, next, patch);
      return next;
    }
    throw new ConflictError(
      'concurrent-update',
      `device '${id}' is being changed concurrently; retry`,
    );
  }

  async changeTags(id: string, add: string[], remove: string[]): Promise<Device> {
    const current = await this.get(id);
    const tags = new Set(current.tags);
    for (const t of checkTags(add)) tags.add(t);
    for (const t of checkTags(remove)) tags.delete(t);
    return this.update(id, { tags: [...tags] });
  }

  async delete(id: string): Promise<void> {
    const current = await this.get(id);
    if (await this.repo.delete(current)) await this.lifecycle.deleted(current);
  }

  /** Cursor pagination over the narrowest index; other filters are applied while scanning. */
  async list(
    filter: DeviceFilter,
    cursor: string | undefined,
    limit: number,
  ): Promise<Page<Device>> {
    const items: Device[] = [];
    let after = cursor;
    for (let round = 0; round < 50; round++) {
      const batch = Math.max(limit - items.length, 1);
      const scan = await this.repo.scanIds(filter, after, batch);
      items.push(...(await this.keepMatching(await this.repo.getMany(scan.ids), filter)));
      after = scan.cursor;
      if (!after || items.length >= limit) return { items, nextCursor: after };
    }
    return { items, nextCursor: after };
  }

  /** The devices (of those found) that pass every filter, last contact included. */
  private async keepMatching(found: (Device | null)[], filter: DeviceFilter): Promise<Device[]> {
    const devices = found.filter((d): d is Device => !!d && matches(d, filter));
    if (filter.lastContactBefore === undefined) return devices;
    const contacts = await this.repo.getLastContacts(devices.map((d) => d.id));
    return devices.filter(
      (_, i) => contacts[i] === undefined || contacts[i]! < filter.lastContactBefore!,
    );
  }

  /**
   * Exact look-ups: by id and by unique addresses (normalised as device creation does, looked up
   * in every protocol's address index unless `filter.protocol` narrows it). A device must match
   * every key given and every filter; at most one device per protocol can.
   */
  async search(keys: DeviceSearch, filter: DeviceFilter = {}): Promise<Device[]> {
    const protocols = filter.protocol ? [filter.protocol] : [...PROTOCOLS];
    const addresses: [UniqueAddressKind, string][] = [];
    if (keys.msisdn !== undefined)
      addresses.push(['msisdn', normaliseMsisdn(keys.msisdn, this.options.defaultCountryCode)]);
    if (keys.mac !== undefined) addresses.push(['mac', normaliseMac(keys.mac)]);
    if (keys.devId !== undefined) {
      if (!ADDRESS_TOKEN.test(keys.devId))
        throw new ValidationError(
          'invalid-addressing',
          'devId must be printable ASCII without spaces or control characters',
          { field: 'devId' },
        );
      addresses.push(['devId', keys.devId]);
    }
    let ids: Set<string> | undefined;
    if (keys.id !== undefined) ids = new Set([checkId(keys.id)]);
    for (const [kind, value] of addresses) {
      const found = await Promise.all(
        protocols.map((p) => this.repo.findIdByAddress(p, kind, value)),
      );
      const these = new Set(found.filter((x): x is string => !!x));
      ids = ids ? new Set([...ids].filter((x) => these.has(x))) : these;
    }
    if (!ids?.size) return [];
    return this.keepMatching(await this.repo.getMany([...ids].sort()), filter);
  }

  /** Builds the last-contact index for data written before it existed (once per shard). */
  ensureIndexes(): Promise<number> {
    return this.repo.ensureLastContactIndex();
  }

  /**
   * One batch of matching device ids for campaign fan-out; `next` continues the scan (absent at
   * the end).
   */
  async selectBatch(
    filter: DeviceFilter,
    after: string | undefined,
    batch = 1000,
  ): Promise<{ ids: string[]; next?: string }> {
    const scan = await this.repo.scanIds(filter, after, batch);
    const needsRecord =
      filter.profile !== undefined || filter.model !== undefined || (filter.tag && filter.protocol);
    if (!needsRecord) return { ids: scan.ids, next: scan.cursor };
    const devices = await this.repo.getMany(scan.ids);
    return {
      ids: devices.filter((d): d is Device => !!d && matches(d, filter)).map((d) => d.id),
      next: scan.cursor,
    };
  }

  getMany(ids: string[]) {
    return this.repo.getMany(ids);
  }

  lastContacts(ids: string[]) {
    return this.repo.getLastContacts(ids);
  }

  /** The device was in touch; `inventory` holds values it reported on its own. */
  async recordContact(id: string, at = Date.now(), inventory?: Inventory): Promise<void> {
    await this.repo.setLastContact(id, at);
    if (inventory) await this.recordValues(id, inventory, { at, source: 'reported' });
  }

  /** Values learned about a device (reported, read or written by a job), with how. */
  async recordValues(id: string, values: Inventory, how: InventoryObservation): Promise<void> {
    if (Object.keys(values).length) await this.repo.mergeInventory(id, values, how);
  }

  /** The last value known of each path. */
  async inventory(id: string): Promise<Inventory> {
    const out: Inventory = {};
    for (const [path, e] of Object.entries(await this.repo.getInventory(id))) out[path] = e.value;
    return out;
  }

  /** Each value with when and how it was learned. */
  inventoryDetail(id: string): Promise<Record<string, InventoryEntry>> {
    return this.repo.getInventory(id);
  }

  count(filter?: Pick<DeviceFilter, 'protocol' | 'tag'>) {
    return this.repo.count(filter);
  }
}

export function matches(d: Device, f: DeviceFilter): boolean {
  return (
    (!f.protocol || d.protocol === f.protocol) &&
    (!f.tag || d.tags.includes(f.tag)) &&
    (!f.profile || d.profile === f.profile) &&
    (!f.model || d.model === f.model) &&
    (!f.idPrefix || d.id.startsWith(f.idPrefix))
  );
}
