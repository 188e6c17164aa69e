import {
  Device,
  Inventory,
  InventoryEntry,
  InventoryObservation,
  Protocol,
  UniqueAddressKind,
} from './device.model';

export interface DeviceFilter {
  protocol?: Protocol;
  tag?: string;
  profile?: string;
  model?: string;
  /** ids starting with this (served by the id-ordered indexes) */
  idPrefix?: string;
  /** last contact before this time (ms), or never */
  lastContactBefore?: number;
}

export interface Page<T> {
  items: T[];
  /** Opaque; absent on the last page. */
  nextCursor?: string;
}

/** Outcome of one row of a bulk write. */
export type WriteOutcome =
  { ok: true } | { ok: false; code: 'exists' | 'address-taken'; message: string };

/**
 * Storage of devices. Implementations keep unique addresses (per protocol) consistent with the
 * device records: a write either applies entirely or reports why not.
 */
export interface DeviceRepository {
  get(id: string): Promise<Device | null>;
  getMany(ids: string[]): Promise<(Device | null)[]>;
  /** Creates many devices in one round trip per batch; returns one outcome per device. */
  createMany(devices: Device[]): Promise<WriteOutcome[]>;
  /** Replaces `previous` by `next`; false when the stored record is no longer `previous`. */
  replace(previous: Device, next: Device): Promise<WriteOutcome | 'stale'>;
  delete(device: Device): Promise<boolean>;
  findIdByAddress(
    protocol: Protocol,
    kind: UniqueAddressKind,
    value: string,
  ): Promise<string | null>;
  /**
   * Up to `count` ids from the narrowest index for the filter (tag, else protocol, else all),
   * continuing after the opaque `after`; `cursor` continues the scan and is absent at the end.
   */
  scanIds(
    filter: DeviceFilter,
    after: string | undefined,
    count: number,
  ): Promise<{ ids: string[]; cursor?: string }>;
  count(filter?: Pick<DeviceFilter, 'protocol' | 'tag'>): Promise<number>;
  getInventory(id: string): Promise<Record<string, InventoryEntry>>;
  /** Merges values into the stored inventory (the last value learned of each path wins). */
  mergeInventory(id: string, values: Inventory, how: InventoryObservation): Promise<void>;
  setLastContact(id: string, at: number): Promise<void>;
  getLastContacts(ids: string[]): Promise<(number | undefined)[]>;
  /** Indexes devices stored before the last-contact index existed; a no-op once done. */
  ensureLastContactIndex(): Promise<number>;
}
