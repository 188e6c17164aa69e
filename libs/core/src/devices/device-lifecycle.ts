import type { DeviceInput } from './device-input';
import type { Device } from './device.model';

/**
 * What a protocol side keeps beside a device record (e.g. the gateway's OMA DM account) follows
 * the record through this port: core calls it after each write has been stored, with the stored
 * records (secrets still sealed; the listener is given the means to open them when it is built).
 * Core knows nothing of what the listener keeps. A listener that throws makes the API call fail
 * after the device write (the write stays): a retried PATCH or the protocol side's own fallback
 * repairs what was not kept.
 */
export interface DeviceLifecycleListener {
  /** Devices just created (REST create: one; an import batch: the rows written). */
  created(devices: Device[]): Promise<void>;
  /** A device was replaced by `next` (PATCH, tag change, import upsert); `patch` is what asked. */
  updated(previous: Device, next: Device, patch: DeviceInput): Promise<void>;
  /** A device was deleted. */
  deleted(device: Device): Promise<void>;
}

export const NO_DEVICE_LIFECYCLE: DeviceLifecycleListener = {
  created: async () => undefined,
  updated: async () => undefined,
  deleted: async () => undefined,
};
