import { Device, PROTOCOLS, Protocol } from '../devices/device.model';
import { NotFoundError, ValidationError } from '../errors';
import { ParameterDefinition, Profile, ProtocolPath } from './parameter.model';
import defaultParameters from './default-parameters.json';
import defaultProfiles from './default-profiles.json';

const RAW = /^(workpoint|omadm|omacp):(.+)$/;

/**
 * The parameter catalog and profiles, as plain data. Resolves unified paths (catalog names or
 * raw `protocol:path`) to a device's protocol tree and validates values against their type.
 */
export class ParameterCatalog {
  private readonly parameters = new Map<string, ParameterDefinition>();
  private readonly profiles = new Map<string, Profile>();

  constructor(parameters: ParameterDefinition[], profiles: Profile[]) {
    for (const p of parameters) this.parameters.set(p.name, p);
    for (const p of profiles) this.profiles.set(p.id, p);
  }

  static withDefaults(
    extraParameters: ParameterDefinition[] = [],
    extraProfiles: Profile[] = [],
  ): ParameterCatalog {
    return new ParameterCatalog(
      [...(defaultParameters as ParameterDefinition[]), ...extraParameters],
      [...(defaultProfiles as Profile[]), ...extraProfiles],
    );
  }

  listParameters(): ParameterDefinition[] {
    return [...this.parameters.values()];
  }

  getParameter(name: string): ParameterDefinition | undefined {
    return this.parameters.get(name);
  }

  listProfiles(): Profile[] {
    return [...this.profiles.values()];
  }

  getProfile(id: string): Profile | undefined {
    return this.profiles.get(id);
  }

  requireProfile(id: string): Profile {
    const p = this.profiles.get(id);
    if (!p) throw new NotFoundError('profile', id);
    return p;
  }

  /** The profile a device uses: its own, else the protocol's default one. */
  profileFor(device: Pick<Device, 'protocol' | 'profile'>): Profile | undefined {
    if (device.profile) return this.profiles.get(device.profile);
    return this.listProfiles().find((p) => p.protocol === device.protocol);
  }

  resolve(path: string, device: Pick<Device, 'protocol' | 'profile'>): ProtocolPath {
    const raw = RAW.exec(path);
    if (raw) {
      const protocol = raw[1] as Protocol;
      if (protocol !== device.protocol) {
        throw new ValidationError(
          'protocol-mismatch',
          `raw path '${path}' is for ${protocol} but the device speaks ${device.protocol}`,
          { path },
        );
      }
      return { protocol, path: raw[2] };
    }
    const def = this.parameters.get(path);
    if (!def)
      throw new ValidationError('unknown-parameter', `unknown parameter '${path}'`, { path });
    const bound = this.profileFor(device)?.bindings?.[path] ?? def.bindings[device.protocol];
    if (!bound) {
      throw new ValidationError(
        'unbound-parameter',
        `parameter '${path}' has no binding for ${device.protocol}`,
        {
          path,
        },
      );
    }
    return { protocol: device.protocol, path: bound, parameter: def.name, secret: def.secret };
  }

  /** Checks a value for a catalog parameter; raw paths take strings as given. */
  validateValue(path: string, value: unknown): string {
    const def = this.parameters.get(path);
    const fail = (why: string) =>
      new ValidationError('invalid-value', `value for '${path}' ${why}`, { path });
    if (def?.readOnly)
      throw new ValidationError('read-only-parameter', `parameter '${path}' is read-only`, {
        path,
      });
    if (value === undefined || value === null) throw fail('is missing');
    if (typeof value === 'object') throw fail('must be a string, number or boolean');
    const text = String(value);
    if (!def) return text;
    switch (def.type) {
      case 'int': {
        if (!/^-?\d+$/.test(text)) throw fail('must be an integer');
        const n = Number(text);
        if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) {
          throw fail(`must be between ${def.min} and ${def.max}`);
        }
        break;
      }
      case 'bool':
        if (!['true', 'false'].includes(text)) throw fail('must be true or false');
        break;
      case 'url':
        if (!/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(text)) throw fail('must be an absolute URL');
        break;
      case 'host':
        if (!/^[A-Za-z0-9.:[\]-]{1,253}$/.test(text))
          throw fail('must be a host name or IP address');
        break;
      case 'enum':
        if (!def.enum?.includes(text)) throw fail(`must be one of ${def.enum?.join(', ')}`);
        break;
    }
    if (def.maxLength !== undefined && text.length > def.maxLength)
      throw fail(`exceeds ${def.maxLength} characters`);
    return text;
  }
}

export function validateParameterDefinition(input: unknown): ParameterDefinition {
  const d = input as ParameterDefinition;
  const fail = (why: string) => new ValidationError('invalid-parameter', why);
  if (
    !d ||
    typeof d !== 'object' ||
    typeof d.name !== 'string' ||
    !/^[a-z][a-z0-9._-]*$/.test(d.name)
  ) {
    throw fail('parameter needs a lower-case dotted name');
  }
  if (!['string', 'int', 'bool', 'url', 'host', 'enum'].includes(d.type)) {
    throw fail(`parameter type '${d.type}' is not supported`);
  }
  if (!isPlainObject(d.bindings)) {
    throw fail('parameter needs bindings per protocol');
  }
  for (const [k, v] of Object.entries(d.bindings)) {
    if (!(PROTOCOLS as readonly string[]).includes(k)) throw fail(`unknown protocol '${k}'`);
    if (typeof v !== 'string' || v === '')
      throw fail(`binding for ${k} must be a non-empty string`);
  }
  if (d.description !== undefined && typeof d.description !== 'string')
    throw fail('description must be a string');
  for (const k of ['min', 'max', 'maxLength'] as const) {
    if (d[k] !== undefined && (typeof d[k] !== 'number' || !Number.isFinite(d[k])))
      throw fail(`${k} must be a number`);
  }
  for (const k of ['secret', 'readOnly'] as const) {
    if (d[k] !== undefined && typeof d[k] !== 'boolean') throw fail(`${k} must be true or false`);
  }
  if (d.enum !== undefined || d.type === 'enum') {
    // YAML reads `enum: [0, 1]` as numbers, which would never match a value: say so
    if (!isStringList(d.enum) || d.enum.length === 0)
      throw fail('enum must be a non-empty list of strings (quote numbers in YAML)');
  }
  return d;
}

export function validateProfile(input: unknown): Profile {
  const p = input as Profile;
  const fail = (why: string) => new ValidationError('invalid-profile', why);
  if (
    !p ||
    typeof p !== 'object' ||
    typeof p.id !== 'string' ||
    !/^[A-Za-z0-9._-]{1,64}$/.test(p.id)
  ) {
    throw fail('profile needs an id of letters, digits, dot, dash, underscore');
  }
  if (!(PROTOCOLS as readonly string[]).includes(p.protocol)) {
    throw fail(`profile protocol must be one of ${PROTOCOLS.join(', ')}`);
  }
  if (p.description !== undefined && typeof p.description !== 'string')
    throw fail('description must be a string');
  if (p.models !== undefined && !isStringList(p.models))
    throw fail('models must be a list of strings');
  if (p.bindings !== undefined) {
    if (!isPlainObject(p.bindings)) throw fail('bindings must map parameter names to paths');
    for (const [k, v] of Object.entries(p.bindings)) {
      if (typeof v !== 'string' || v === '')
        throw fail(`binding for '${k}' must be a non-empty string`);
    }
  }
  if (p.desired !== undefined && !isPlainObject(p.desired))
    throw fail('desired must map parameter names to values');
  return p;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}
