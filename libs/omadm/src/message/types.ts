/**
 * SyncML DM 1.2 message model (SyncML RepPro 1.2 restricted to what OMA DM uses; 1.1 accepted).
 * Plain data: safe to JSON-serialise except `Uint8Array` item data (see session/state codec).
 */

export type SyncMlVersion = '1.1' | '1.2';

/** MetInf values; every field optional as in the DTD. */
export interface DmMeta {
  format?: string;
  type?: string;
  mark?: string;
  size?: number;
  version?: string;
  nextNonce?: string;
  maxMsgSize?: number;
  maxObjSize?: number;
}

export interface DmLocation {
  locURI: string;
  locName?: string;
}

export interface DmCred {
  meta?: DmMeta;
  data: string;
}

export interface DmChal {
  meta: DmMeta;
}

export interface SyncHdr {
  verDTD: string;
  verProto: string;
  sessionId: string;
  msgId: string;
  target: DmLocation;
  source: DmLocation;
  respURI?: string;
  noResp?: boolean;
  cred?: DmCred;
  meta?: DmMeta;
}

/** Item Data: text (STR_I/STR_T, XML text) or raw bytes (WBXML OPAQUE, Format bin). */
export type DmData = string | Uint8Array;

export interface DmItem {
  target?: DmLocation;
  source?: DmLocation;
  meta?: DmMeta;
  data?: DmData;
  moreData?: boolean;
}

export type ItemCommandKind = 'Get' | 'Replace' | 'Add' | 'Delete' | 'Exec' | 'Copy';
export type ContainerKind = 'Atomic' | 'Sequence';
export type DmCommandKind = ItemCommandKind | ContainerKind | 'Alert' | 'Status' | 'Results';

export interface ItemCommand {
  kind: ItemCommandKind;
  cmdId: string;
  noResp?: boolean;
  meta?: DmMeta;
  /** Exec only. */
  correlator?: string;
  items: DmItem[];
}

export interface AlertCommand {
  kind: 'Alert';
  cmdId: string;
  noResp?: boolean;
  /** the alert code, e.g. "1201" */
  data?: string;
  correlator?: string;
  items: DmItem[];
}

export interface ContainerCommand {
  kind: ContainerKind;
  cmdId: string;
  noResp?: boolean;
  meta?: DmMeta;
  commands: DmCommand[];
}

export interface StatusCommand {
  kind: 'Status';
  cmdId: string;
  msgRef: string;
  cmdRef: string;
  cmd: string;
  targetRefs?: string[];
  sourceRefs?: string[];
  chal?: DmChal;
  /** the status code, e.g. "200" */
  data: string;
  items?: DmItem[];
}

export interface ResultsCommand {
  kind: 'Results';
  cmdId: string;
  msgRef?: string;
  cmdRef: string;
  meta?: DmMeta;
  targetRefs?: string[];
  sourceRefs?: string[];
  items: DmItem[];
}

export type DmCommand =
  ItemCommand | AlertCommand | ContainerCommand | StatusCommand | ResultsCommand;

export interface DmMessage {
  /** SyncML 1.2 unless the peer spoke 1.1 (namespace SYNCML:SYNCML1.1, public id 0x0FD3). */
  version: SyncMlVersion;
  header: SyncHdr;
  commands: DmCommand[];
  final: boolean;
}

export function isItemCommand(c: DmCommand): c is ItemCommand {
  return (
    c.kind === 'Get' ||
    c.kind === 'Replace' ||
    c.kind === 'Add' ||
    c.kind === 'Delete' ||
    c.kind === 'Exec' ||
    c.kind === 'Copy'
  );
}
