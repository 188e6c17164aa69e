import { ParameterCatalog } from '../catalog/parameter-catalog';
import { ProtocolPath } from '../catalog/parameter.model';
import { SecretBox } from '../secrets/secret-box';
import { Device } from './device.model';

export interface DesiredValue {
  parameter: string;
  target: ProtocolPath;
  /** plaintext (secrets opened): for the protocol engine only */
  value: string;
}

/**
 * A device's desired state in its own protocol's tree: its profile's desired values overlaid
 * with its own. Values without a binding for the device's protocol are left out.
 */
export function desiredState(
  device: Device,
  catalog: ParameterCatalog,
  box: SecretBox,
): DesiredValue[] {
  const values = { ...(catalog.profileFor(device)?.desired ?? {}), ...(device.desired ?? {}) };
  const out: DesiredValue[] = [];
  for (const [parameter, raw] of Object.entries(values)) {
    try {
      const target = catalog.resolve(parameter, device);
      out.push({ parameter, target, value: SecretBox.isSealed(raw) ? box.open(raw) : String(raw) });
    } catch {
      // not bound for this protocol: another kind of device's setting
    }
  }
  return out;
}
