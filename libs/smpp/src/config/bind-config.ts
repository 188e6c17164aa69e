/** How one SMSC connection ("bind") is configured. */
/**
 * transceiver: one connection for submits and receipts; transmitter: submits only (no receipts);
 * transmitter-receiver: a TX connection for submits plus an RX connection for receipts.
 */
export type BindMode = 'transceiver' | 'transmitter' | 'transmitter-receiver';

/**
 * Where the TP-UD goes in submit_sm: the whole TP-UD in short_message (most portable),
 * the message_payload TLV (0x0424, sm_length 0), or SAR TLVs with the UDH stripped
 * (the SMSC rebuilds the UDH; SMSC-dependent).
 */
export type PayloadMode = 'short_message' | 'message_payload' | 'sar';

/**
 * How an SMSC writes message ids. SMSCs differ: some answer submit_sm_resp with a hex id
 * and put the same id in decimal into the receipt text, so both are normalised per bind.
 */
export type MessageIdBase = 'text' | 'hex' | 'decimal';

export interface AddressConfig {
  ton: number;
  npi: number;
  address: string;
}

export interface BindConfig {
  /** Stable name; the queue, the lease and the counters are keyed by it. */
  id: string;
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType: string;
  mode: BindMode;
  source: AddressConfig;
  destinationTon: number;
  destinationNpi: number;
  /** SMPP relative/absolute time string, '' = SMSC default. */
  validityPeriod: string;
  /** Max unacknowledged submit_sm on this connection. */
  window: number;
  /** msg/s over any sliding 1-second window; 0 = unlimited. */
  ratePerSecond: number;
  /**
   * Margin added to the 1-s window so jitter cannot make the SMSC see more than the limit in
   * its own windows (ms): at least rateGuardMs, widened up to rateGuardMaxMs to the spread of
   * the SMSC's response times over the last 30 s.
   */
  rateGuardMs: number;
  rateGuardMaxMs: number;
  payloadMode: PayloadMode;
  dataCoding: number;
  registeredDelivery: boolean;
  enquireLinkMs: number;
  /** Answer time for any request PDU before the connection is treated as dead. */
  responseTimeoutMs: number;
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  submitIdBase: MessageIdBase;
  receiptIdBase: MessageIdBase;
}

export const BIND_DEFAULTS: Omit<BindConfig, 'id' | 'host' | 'port' | 'systemId' | 'password'> = {
  systemType: '',
  mode: 'transceiver',
  source: { ton: 5, npi: 0, address: 'DMBRIDGE' },
  destinationTon: 1,
  destinationNpi: 1,
  validityPeriod: '',
  window: 10,
  ratePerSecond: 0,
  rateGuardMs: 10,
  rateGuardMaxMs: 100,
  payloadMode: 'short_message',
  dataCoding: 0x04,
  registeredDelivery: true,
  enquireLinkMs: 30_000,
  responseTimeoutMs: 10_000,
  reconnectInitialMs: 500,
  reconnectMaxMs: 30_000,
  submitIdBase: 'text',
  receiptIdBase: 'text',
};

export class BindConfigError extends Error {
  override readonly name = 'BindConfigError';
}

/** Every query parameter an SMSC URL may carry; anything else is refused by name. */
export const URL_PARAMETERS: readonly string[] = [
  'id',
  'mode',
  'window',
  'rate',
  'rate_guard_ms',
  'rate_guard_max_ms',
  'source',
  'source_ton',
  'source_npi',
  'dest_ton',
  'dest_npi',
  'validity',
  'payload',
  'data_coding',
  'system_type',
  'submit_id',
  'receipt_id',
  'enquire_link_ms',
];

function safeDecode(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new BindConfigError(`SMSC ${what} is not valid percent-encoding`);
  }
}

/**
 * Parses `smpp://system_id:password@host:port?mode=transmitter&window=50&rate=200&...` into a
 * full bind configuration (defaults for everything not given).
 */
export function parseSmscUrl(url: string, id = 'default'): BindConfig {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BindConfigError(
      `SMSC address is not a URL (expected smpp://system_id:password@host:port)`,
    );
  }
  if (u.protocol !== 'smpp:') {
    throw new BindConfigError(`SMSC address must use smpp://, got ${u.protocol}`);
  }
  if (!u.hostname) throw new BindConfigError('SMSC address has no host');
  const q = u.searchParams;
  const unknown = [...new Set(q.keys())].filter((k) => !URL_PARAMETERS.includes(k));
  if (unknown.length) {
    throw new BindConfigError(
      `SMSC address has unknown parameter(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')} (known: ${URL_PARAMETERS.join(', ')})`,
    );
  }
  for (const k of q.keys()) {
    if (q.getAll(k).length > 1) throw new BindConfigError(`SMSC parameter ${k} is given twice`);
  }
  const systemId = safeDecode(u.username, 'system_id');
  if (!systemId) throw new BindConfigError('SMSC address has an empty system_id');
  const password = safeDecode(u.password, 'password');
  if (u.pathname && u.pathname !== '/')
    throw new BindConfigError(
      'SMSC address must have no path (smpp://system_id:password@host:port?…)',
    );
  const num = (name: string, dflt: number): number => {
    const v = q.get(name);
    if (v === null) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) {
      throw new BindConfigError(`SMSC parameter ${name} must be a non-negative number`);
    }
    return n;
  };
  const pick = <T extends string>(name: string, allowed: readonly T[], dflt: T): T => {
    const v = q.get(name);
    if (v === null) return dflt;
    if (!(allowed as readonly string[]).includes(v)) {
      throw new BindConfigError(`SMSC parameter ${name} must be one of ${allowed.join(', ')}`);
    }
    return v as T;
  };
  const bases = ['text', 'hex', 'decimal'] as const;
  return {
    ...BIND_DEFAULTS,
    id: q.get('id') ?? id,
    host: u.hostname,
    port: u.port ? Number(u.port) : 2775,
    systemId,
    password,
    systemType: q.get('system_type') ?? BIND_DEFAULTS.systemType,
    mode: pick(
      'mode',
      ['transceiver', 'transmitter', 'transmitter-receiver'] as const,
      BIND_DEFAULTS.mode,
    ),
    source: {
      ton: num('source_ton', BIND_DEFAULTS.source.ton),
      npi: num('source_npi', BIND_DEFAULTS.source.npi),
      address: q.get('source') ?? BIND_DEFAULTS.source.address,
    },
    destinationTon: num('dest_ton', BIND_DEFAULTS.destinationTon),
    destinationNpi: num('dest_npi', BIND_DEFAULTS.destinationNpi),
    validityPeriod: q.get('validity') ?? BIND_DEFAULTS.validityPeriod,
    window: Math.max(1, num('window', BIND_DEFAULTS.window)),
    ratePerSecond: num('rate', BIND_DEFAULTS.ratePerSecond),
    rateGuardMs: num('rate_guard_ms', BIND_DEFAULTS.rateGuardMs),
    rateGuardMaxMs: num('rate_guard_max_ms', BIND_DEFAULTS.rateGuardMaxMs),
    payloadMode: pick(
      'payload',
      ['short_message', 'message_payload', 'sar'] as const,
      BIND_DEFAULTS.payloadMode,
    ),
    dataCoding: num('data_coding', BIND_DEFAULTS.dataCoding),
    enquireLinkMs: num('enquire_link_ms', BIND_DEFAULTS.enquireLinkMs),
    submitIdBase: pick('submit_id', bases, BIND_DEFAULTS.submitIdBase),
    receiptIdBase: pick('receipt_id', bases, BIND_DEFAULTS.receiptIdBase),
  };
}

/** A bind description safe for logs and health output: never the password. */
export function describeBind(c: BindConfig): string {
  return `${c.id} (${c.systemId}@${c.host}:${c.port}, ${c.mode})`;
}

/**
 * The URL form of a configuration (what the API shows): every setting that differs from the
 * defaults, the password replaced by `********` unless `password` is given (it never is in
 * API answers).
 */
export function bindToUrl(c: BindConfig, password = c.password ? '********' : ''): string {
  const q = new URLSearchParams();
  q.set('id', c.id);
  const d = BIND_DEFAULTS;
  const add = (name: string, value: string | number, dflt: string | number) => {
    if (value !== dflt) q.set(name, String(value));
  };
  add('mode', c.mode, d.mode);
  add('window', c.window, d.window);
  add('rate', c.ratePerSecond, d.ratePerSecond);
  add('rate_guard_ms', c.rateGuardMs, d.rateGuardMs);
  add('rate_guard_max_ms', c.rateGuardMaxMs, d.rateGuardMaxMs);
  add('source', c.source.address, d.source.address);
  add('source_ton', c.source.ton, d.source.ton);
  add('source_npi', c.source.npi, d.source.npi);
  add('dest_ton', c.destinationTon, d.destinationTon);
  add('dest_npi', c.destinationNpi, d.destinationNpi);
  add('validity', c.validityPeriod, d.validityPeriod);
  add('payload', c.payloadMode, d.payloadMode);
  add('data_coding', c.dataCoding, d.dataCoding);
  add('system_type', c.systemType, d.systemType);
  add('submit_id', c.submitIdBase, d.submitIdBase);
  add('receipt_id', c.receiptIdBase, d.receiptIdBase);
  add('enquire_link_ms', c.enquireLinkMs, d.enquireLinkMs);
  const auth =
    encodeURIComponent(c.systemId) +
    (password ? `:${password === '********' ? password : encodeURIComponent(password)}` : '');
  const host = c.host.includes(':') ? `[${c.host}]` : c.host;
  return `smpp://${auth}@${host}:${c.port}?${q.toString()}`;
}
