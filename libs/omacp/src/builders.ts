import { ProvisioningDocumentError } from './errors';
import { characteristic, parm, type ProvCharacteristic, type ProvNode } from './model';

/**
 * Builders for the common provisioning cases (OMA-WAP-ProvCont-V1_1 §5, application
 * characteristics from the OMNA registry: w2 browser, w4 MMS, w7 OMA DM). Each returns a
 * characteristic; combine them with provisioningDocument([...]).
 */
function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') {
    throw new ProvisioningDocumentError('PROV_BUILDER_INVALID', `${what} is required`);
  }
  return value;
}

function optional(name: string, value: string | number | undefined): ProvNode[] {
  return value === undefined ? [] : [parm(name, String(value))];
}

function many(name: string, values: readonly (string | number)[] | undefined): ProvNode[] {
  return (values ?? []).map((v) => parm(name, String(v)));
}

export interface NapAuthInput {
  /** PAP, CHAP or MD5. */
  type: string;
  name?: string;
  secret?: string;
}

export interface NapdefInput {
  napId: string;
  name: string;
  /** APN for packet bearers (NAP-ADDRTYPE APN), or another address with addressType. */
  apn: string;
  addressType?: string;
  /** Default GSM-GPRS. */
  bearer?: string;
  dnsAddresses?: readonly string[];
  /** INTERNET flag parm (no value) when the NAP reaches the Internet. */
  internet?: boolean;
  auth?: NapAuthInput;
}

/** NAPDEF + NAPAUTHINFO: a packet data access point (APN). */
export function buildNapdef(input: NapdefInput): ProvCharacteristic {
  const children: ProvNode[] = [
    parm('NAPID', required(input.napId, 'NAPDEF napId')),
    parm('BEARER', input.bearer ?? 'GSM-GPRS'),
    parm('NAME', required(input.name, 'NAPDEF name')),
    ...(input.internet ? [parm('INTERNET')] : []),
    parm('NAP-ADDRESS', required(input.apn, 'NAPDEF apn')),
    parm('NAP-ADDRTYPE', input.addressType ?? 'APN'),
    ...many('DNS-ADDR', input.dnsAddresses),
  ];
  if (input.auth) {
    children.push(
      characteristic('NAPAUTHINFO', [
        parm('AUTHTYPE', required(input.auth.type, 'NAPAUTHINFO type')),
        ...optional('AUTHNAME', input.auth.name),
        ...optional('AUTHSECRET', input.auth.secret),
      ]),
    );
  }
  return characteristic('NAPDEF', children);
}

export interface PortInput {
  portNbr: number;
  services?: readonly string[];
}

function buildPort(p: PortInput): ProvCharacteristic {
  if (!Number.isInteger(p.portNbr) || p.portNbr < 0 || p.portNbr > 65535) {
    throw new ProvisioningDocumentError(
      'PROV_BUILDER_INVALID',
      `PORTNBR ${p.portNbr} out of range`,
    );
  }
  return characteristic('PORT', [
    parm('PORTNBR', String(p.portNbr)),
    ...many('SERVICE', p.services),
  ]);
}

export interface PxPhysicalInput {
  physicalProxyId: string;
  address: string;
  /** Default IPV4. */
  addressType?: string;
  toNapId: string | readonly string[];
  ports?: readonly PortInput[];
}

export interface PxLogicalInput {
  proxyId: string;
  name: string;
  startPage?: string;
  domains?: readonly string[];
  ports?: readonly PortInput[];
  physical: readonly PxPhysicalInput[];
}

/** PXLOGICAL with its PXPHYSICAL proxies (WAP/HTTP proxy for browser or MMS). */
export function buildPxLogical(input: PxLogicalInput): ProvCharacteristic {
  if (input.physical.length === 0) {
    throw new ProvisioningDocumentError('PROV_BUILDER_INVALID', 'PXLOGICAL needs a PXPHYSICAL');
  }
  return characteristic('PXLOGICAL', [
    parm('PROXY-ID', required(input.proxyId, 'PXLOGICAL proxyId')),
    parm('NAME', required(input.name, 'PXLOGICAL name')),
    ...many('DOMAIN', input.domains),
    ...optional('STARTPAGE', input.startPage),
    ...(input.ports ?? []).map(buildPort),
    ...input.physical.map((ph) =>
      characteristic('PXPHYSICAL', [
        parm('PHYSICAL-PROXY-ID', required(ph.physicalProxyId, 'PXPHYSICAL physicalProxyId')),
        parm('PXADDR', required(ph.address, 'PXPHYSICAL address')),
        parm('PXADDRTYPE', ph.addressType ?? 'IPV4'),
        ...many('TO-NAPID', typeof ph.toNapId === 'string' ? [ph.toNapId] : ph.toNapId),
        ...(ph.ports ?? []).map(buildPort),
      ]),
    ),
  ]);
}

export interface LinkInput {
  /** PXLOGICAL PROXY-ID to use (TO-PROXY), or … */
  toProxy?: string;
  /** … a NAPDEF NAPID for direct access (TO-NAPID). */
  toNapId?: string;
}

export interface BrowserApplicationInput extends LinkInput {
  name?: string;
  startPage?: string;
  bookmarks?: readonly { name: string; uri: string }[];
}

/** APPLICATION w2: the browser, with start page and bookmarks as RESOURCEs. */
export function buildBrowserApplication(input: BrowserApplicationInput = {}): ProvCharacteristic {
  const resources = [
    ...(input.startPage ? [{ name: 'Home', uri: input.startPage, start: true }] : []),
    ...(input.bookmarks ?? []).map((b) => ({ ...b, start: false })),
  ];
  return characteristic('APPLICATION', [
    parm('APPID', 'w2'),
    ...optional('NAME', input.name),
    ...optional('TO-PROXY', input.toProxy),
    ...optional('TO-NAPID', input.toNapId),
    ...resources.map((r) =>
      characteristic('RESOURCE', [
        parm('URI', r.uri),
        parm('NAME', r.name),
        ...(r.start ? [parm('STARTPAGE')] : []),
      ]),
    ),
  ]);
}

export interface MmsApplicationInput extends LinkInput {
  /** MMSC URL (ADDR). */
  mmsc: string;
  name?: string;
}

/** APPLICATION w4: MMS user agent with the MMSC address. */
export function buildMmsApplication(input: MmsApplicationInput): ProvCharacteristic {
  return characteristic('APPLICATION', [
    parm('APPID', 'w4'),
    ...optional('NAME', input.name),
    ...optional('TO-PROXY', input.toProxy),
    ...optional('TO-NAPID', input.toNapId),
    parm('ADDR', required(input.mmsc, 'MMS mmsc')),
  ]);
}

export interface AppAuthInput {
  /** APPSRV (server credentials → DMAcc SRVCRED) or CLIENT (client credentials → CLCRED). */
  level: string;
  /** e.g. DIGEST, BASIC, HMAC. */
  type?: string;
  name?: string;
  secret?: string;
  /** Nonce (AAUTHDATA), base64 text. */
  data?: string;
}

export interface DmApplicationInput extends LinkInput {
  /** DM server identifier (PROVIDER-ID → DMAcc ServerID). */
  serverId: string;
  name?: string;
  /** DM server URL. */
  address: string;
  /**
   * 'parm' (default) puts ADDR directly in APPLICATION, as the shared cp_bootstrap vector does;
   * 'appaddr' uses an APPADDR characteristic (with ADDRTYPE and an optional port).
   */
  addressForm?: 'parm' | 'appaddr';
  addressType?: string;
  port?: number;
  serverAuth?: AppAuthInput;
  clientAuth?: AppAuthInput;
  /** The w7 INIT parm: ask the client to start a session right after bootstrap. */
  init?: boolean;
}

function buildAppAuth(a: AppAuthInput): ProvCharacteristic {
  return characteristic('APPAUTH', [
    parm('AAUTHLEVEL', required(a.level, 'APPAUTH level')),
    ...optional('AAUTHTYPE', a.type),
    ...optional('AAUTHNAME', a.name),
    ...optional('AAUTHSECRET', a.secret),
    ...optional('AAUTHDATA', a.data),
  ]);
}

/** APPLICATION w7: the OMA DM account bootstrap (gives the handset its DMAcc). */
export function buildDmApplication(input: DmApplicationInput): ProvCharacteristic {
  const address = required(input.address, 'DM server address');
  const children: ProvNode[] = [
    parm('APPID', 'w7'),
    parm('PROVIDER-ID', required(input.serverId, 'DM serverId')),
    ...optional('NAME', input.name),
  ];
  if ((input.addressForm ?? 'parm') === 'parm') children.push(parm('ADDR', address));
  children.push(...optional('TO-PROXY', input.toProxy), ...optional('TO-NAPID', input.toNapId));
  if (input.init) children.push(parm('INIT'));
  if (input.addressForm === 'appaddr') {
    children.push(
      characteristic('APPADDR', [
        parm('ADDR', address),
        ...optional('ADDRTYPE', input.addressType),
        ...(input.port !== undefined ? [buildPort({ portNbr: input.port })] : []),
      ]),
    );
  }
  if (input.serverAuth) children.push(buildAppAuth(input.serverAuth));
  if (input.clientAuth) children.push(buildAppAuth(input.clientAuth));
  return characteristic('APPLICATION', children);
}

export interface BootstrapInput {
  /** Provisioning context name shown to the user. */
  name?: string;
  provUrl?: string;
  proxyId?: string;
  networks?: readonly string[];
  country?: string;
  contextAllow?: number;
}

/** BOOTSTRAP: names the provisioning context (and the trusted proxy / ProvURL). */
export function buildBootstrap(input: BootstrapInput = {}): ProvCharacteristic {
  return characteristic('BOOTSTRAP', [
    ...optional('NAME', input.name),
    ...many('NETWORK', input.networks),
    ...optional('COUNTRY', input.country),
    ...optional('PROXY-ID', input.proxyId),
    ...optional('PROVURL', input.provUrl),
    ...optional('CONTEXT-ALLOW', input.contextAllow),
  ]);
}
