import { Protocol } from '../devices/device.model';

export type ParameterType = 'string' | 'int' | 'bool' | 'url' | 'host' | 'enum';

/** A protocol-neutral parameter and where it lives in each protocol's tree by default. */
export interface ParameterDefinition {
  name: string;
  type: ParameterType;
  description?: string;
  enum?: string[];
  min?: number;
  max?: number;
  maxLength?: number;
  /** Passwords, PINs: sealed at rest, masked in responses and previews. */
  secret?: boolean;
  readOnly?: boolean;
  /** Default binding per protocol: a Workpoint item, a DM node URI, a CP `CHAR/…/PARM` path. */
  bindings: Partial<Record<Protocol, string>>;
}

/**
 * A profile: which protocol and models it covers, per-model binding overrides, and desired
 * values applied at every contact (Workpoint, DM).
 */
export interface Profile {
  id: string;
  protocol: Protocol;
  description?: string;
  models?: string[];
  bindings?: Record<string, string>;
  desired?: Record<string, unknown>;
}

/** Where a unified path lands in one protocol's tree. */
export interface ProtocolPath {
  protocol: Protocol;
  /** Workpoint item name, DM node URI (`./…`) or CP characteristic path ending in a parm. */
  path: string;
  /** Catalog name, absent for raw paths. */
  parameter?: string;
  secret?: boolean;
}
