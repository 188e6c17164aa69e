import type { XmlDocument, XmlElement } from '@dm-bridge/wbxml';
import { DmProtocolError } from '../errors';
import type {
  AlertCommand,
  ContainerCommand,
  DmChal,
  DmCommand,
  DmCred,
  DmItem,
  DmLocation,
  DmMessage,
  DmMeta,
  ItemCommand,
  ItemCommandKind,
  ResultsCommand,
  StatusCommand,
  SyncHdr,
  SyncMlVersion,
} from './types';
import {
  childElements,
  findChild,
  findChildren,
  localName,
  opaqueBytes,
  optInt,
  optText,
  reqText,
  textOf,
} from './xml-tree-read';

const ITEM_COMMANDS = new Set<string>(['Get', 'Replace', 'Add', 'Delete', 'Exec', 'Copy']);

function readMeta(el: XmlElement | undefined, where: string): DmMeta | undefined {
  if (!el) return undefined;
  // Meta may wrap a MetInf element (some encoders) or carry MetInf children directly.
  const src = findChild(el, 'MetInf') ?? el;
  const m: DmMeta = {};
  const format = optText(src, 'Format');
  if (format !== undefined) m.format = format;
  const type = optText(src, 'Type');
  if (type !== undefined) m.type = type;
  const mark = optText(src, 'Mark');
  if (mark !== undefined) m.mark = mark;
  const size = optInt(src, 'Size', where);
  if (size !== undefined) m.size = size;
  const version = optText(src, 'Version');
  if (version !== undefined) m.version = version;
  const nextNonce = optText(src, 'NextNonce');
  if (nextNonce !== undefined) m.nextNonce = nextNonce;
  const maxMsgSize = optInt(src, 'MaxMsgSize', where);
  if (maxMsgSize !== undefined) m.maxMsgSize = maxMsgSize;
  const maxObjSize = optInt(src, 'MaxObjSize', where);
  if (maxObjSize !== undefined) m.maxObjSize = maxObjSize;
  return m;
}

function readLocation(el: XmlElement | undefined, where: string): DmLocation | undefined {
  if (!el) return undefined;
  const loc: DmLocation = { locURI: reqText(el, 'LocURI', where) };
  const name = optText(el, 'LocName');
  if (name !== undefined) loc.locName = name;
  return loc;
}

function readItem(el: XmlElement, cmdMeta: DmMeta | undefined, where: string): DmItem {
  const item: DmItem = {};
  const target = readLocation(findChild(el, 'Target'), `${where} Item/Target`);
  if (target) item.target = target;
  const source = readLocation(findChild(el, 'Source'), `${where} Item/Source`);
  if (source) item.source = source;
  const meta = readMeta(findChild(el, 'Meta'), where);
  if (meta) item.meta = meta;
  const dataEl = findChild(el, 'Data');
  if (dataEl) {
    const format = meta?.format ?? cmdMeta?.format;
    const bytes = opaqueBytes(dataEl);
    // OPAQUE is binary only when the Format says so; otherwise it is UTF-8 text (libwbxml's habit).
    item.data = bytes && format === 'bin' ? bytes : textOf(dataEl);
  }
  if (findChild(el, 'MoreData')) item.moreData = true;
  return item;
}

function readItems(el: XmlElement, cmdMeta: DmMeta | undefined, where: string): DmItem[] {
  return findChildren(el, 'Item').map((i) => readItem(i, cmdMeta, where));
}

function readCommand(el: XmlElement): DmCommand {
  const kind = localName(el);
  const cmdId = reqText(el, 'CmdID', `<${kind}>`);
  const where = `<${kind}> CmdID ${cmdId}`;
  const noResp = findChild(el, 'NoResp') ? true : undefined;
  if (ITEM_COMMANDS.has(kind)) {
    const meta = readMeta(findChild(el, 'Meta'), where);
    const cmd: ItemCommand = {
      kind: kind as ItemCommandKind,
      cmdId,
      items: readItems(el, meta, where),
    };
    if (noResp) cmd.noResp = true;
    if (meta) cmd.meta = meta;
    const corr = optText(el, 'Correlator');
    if (corr !== undefined) cmd.correlator = corr;
    return cmd;
  }
  switch (kind) {
    case 'Alert': {
      const cmd: AlertCommand = { kind, cmdId, items: readItems(el, undefined, where) };
      if (noResp) cmd.noResp = true;
      const data = optText(el, 'Data');
      if (data !== undefined) cmd.data = data;
      const corr = optText(el, 'Correlator');
      if (corr !== undefined) cmd.correlator = corr;
      return cmd;
    }
    case 'Atomic':
    case 'Sequence': {
      const cmd: ContainerCommand = { kind, cmdId, commands: [] };
      if (noResp) cmd.noResp = true;
      const meta = readMeta(findChild(el, 'Meta'), where);
      if (meta) cmd.meta = meta;
      for (const c of childElements(el)) {
        const n = localName(c);
        if (n === 'CmdID' || n === 'NoResp' || n === 'Meta') continue;
        cmd.commands.push(readCommand(c));
      }
      return cmd;
    }
    case 'Status': {
      const cmd: StatusCommand = {
        kind,
        cmdId,
        msgRef: reqText(el, 'MsgRef', where),
        cmdRef: reqText(el, 'CmdRef', where),
        cmd: reqText(el, 'Cmd', where),
        data: reqText(el, 'Data', where),
      };
      const targetRefs = findChildren(el, 'TargetRef').map(textOf);
      if (targetRefs.length) cmd.targetRefs = targetRefs;
      const sourceRefs = findChildren(el, 'SourceRef').map(textOf);
      if (sourceRefs.length) cmd.sourceRefs = sourceRefs;
      const chalEl = findChild(el, 'Chal');
      if (chalEl) {
        const chal: DmChal = { meta: readMeta(findChild(chalEl, 'Meta'), where) ?? {} };
        cmd.chal = chal;
      }
      const items = readItems(el, undefined, where);
      if (items.length) cmd.items = items;
      return cmd;
    }
    case 'Results': {
      const meta = readMeta(findChild(el, 'Meta'), where);
      const cmd: ResultsCommand = {
        kind,
        cmdId,
        cmdRef: reqText(el, 'CmdRef', where),
        items: readItems(el, meta, where),
      };
      const msgRef = optText(el, 'MsgRef');
      if (msgRef !== undefined) cmd.msgRef = msgRef;
      if (meta) cmd.meta = meta;
      const targetRefs = findChildren(el, 'TargetRef').map(textOf);
      if (targetRefs.length) cmd.targetRefs = targetRefs;
      const sourceRefs = findChildren(el, 'SourceRef').map(textOf);
      if (sourceRefs.length) cmd.sourceRefs = sourceRefs;
      return cmd;
    }
    default:
      throw new DmProtocolError(`unsupported SyncML command <${kind}>`, 406);
  }
}

function readHeader(el: XmlElement): SyncHdr {
  const w = '<SyncHdr>';
  const target = readLocation(findChild(el, 'Target'), `${w} Target`);
  const source = readLocation(findChild(el, 'Source'), `${w} Source`);
  if (!target) throw new DmProtocolError(`${w}: missing <Target>`);
  if (!source) throw new DmProtocolError(`${w}: missing <Source>`);
  const hdr: SyncHdr = {
    verDTD: reqText(el, 'VerDTD', w),
    verProto: reqText(el, 'VerProto', w),
    sessionId: reqText(el, 'SessionID', w),
    msgId: reqText(el, 'MsgID', w),
    target,
    source,
  };
  const respURI = optText(el, 'RespURI');
  if (respURI !== undefined) hdr.respURI = respURI;
  if (findChild(el, 'NoResp')) hdr.noResp = true;
  const credEl = findChild(el, 'Cred');
  if (credEl) {
    const cred: DmCred = { data: reqText(credEl, 'Data', `${w} Cred`) };
    const meta = readMeta(findChild(credEl, 'Meta'), `${w} Cred`);
    if (meta) cred.meta = meta;
    hdr.cred = cred;
  }
  const meta = readMeta(findChild(el, 'Meta'), w);
  if (meta) hdr.meta = meta;
  return hdr;
}

function versionOf(hdr: SyncHdr): SyncMlVersion {
  if (hdr.verDTD === '1.2') return '1.2';
  if (hdr.verDTD === '1.1') return '1.1';
  throw new DmProtocolError(
    `unsupported VerDTD ${JSON.stringify(hdr.verDTD)} (1.2 or 1.1 expected)`,
    505,
  );
}

/** Maps a parsed SyncML document (from XML text or WBXML) onto the DM message model. */
export function messageFromXmlDocument(doc: XmlDocument): DmMessage {
  const root = doc.root;
  if (localName(root) !== 'SyncML')
    throw new DmProtocolError(`root element is <${root.name}>, not <SyncML>`);
  const hdrEl = findChild(root, 'SyncHdr');
  const bodyEl = findChild(root, 'SyncBody');
  if (!hdrEl) throw new DmProtocolError('missing <SyncHdr>');
  if (!bodyEl) throw new DmProtocolError('missing <SyncBody>');
  const header = readHeader(hdrEl);
  if (!/^DM\/1\.[12]$/.test(header.verProto)) {
    throw new DmProtocolError(
      `unsupported VerProto ${JSON.stringify(header.verProto)} (DM/1.2 or DM/1.1 expected)`,
      505,
    );
  }
  const version = versionOf(header);
  const commands: DmCommand[] = [];
  let final = false;
  for (const c of childElements(bodyEl)) {
    if (localName(c) === 'Final') final = true;
    else commands.push(readCommand(c));
  }
  return { version, header, commands, final };
}
