import type { XmlDocument, XmlElement, XmlNode } from '@dm-bridge/wbxml';
import type {
  DmCommand,
  DmData,
  DmItem,
  DmLocation,
  DmMessage,
  DmMeta,
  StatusCommand,
  SyncHdr,
} from './types';

export const SYNCML_PUBLIC_ID = {
  '1.2': '-//SYNCML//DTD SyncML 1.2//EN',
  '1.1': '-//SYNCML//DTD SyncML 1.1//EN',
} as const;
export const SYNCML_NAMESPACE = { '1.2': 'SYNCML:SYNCML1.2', '1.1': 'SYNCML:SYNCML1.1' } as const;
export const METINF_NAMESPACE = 'syncml:metinf';

export interface TreeOptions {
  /**
   * XML text wants `xmlns` attributes (root namespace, `syncml:metinf` on MetInf elements); a WBXML
   * encoder selects code pages from its tables instead and must not see them as attributes.
   */
  namespaces: boolean;
  /** XML text cannot carry raw bytes: binary Data goes out as base64 text (Format must say b64). */
  binaryAsOpaque: boolean;
}

function el(
  name: string,
  children: XmlNode[] = [],
  attrs: XmlElement['attributes'] = [],
): XmlElement {
  return { kind: 'element', name, attributes: attrs, children };
}

function txt(name: string, value: string): XmlElement {
  return el(name, [{ kind: 'text', text: value }]);
}

class TreeWriter {
  private readonly metinfAttrs: XmlElement['attributes'];

  constructor(private readonly opts: TreeOptions) {
    this.metinfAttrs = opts.namespaces ? [{ name: 'xmlns', value: METINF_NAMESPACE }] : [];
  }

  private metinf(name: string, value: string | number): XmlElement {
    return el(name, [{ kind: 'text', text: String(value) }], this.metinfAttrs);
  }

  meta(m: DmMeta | undefined): XmlElement | undefined {
    if (!m) return undefined;
    const c: XmlElement[] = [];
    // MetInf DTD order: Format, Type, Mark, Size, Anchor, Version, NextNonce, MaxMsgSize, MaxObjSize.
    if (m.format !== undefined) c.push(this.metinf('Format', m.format));
    if (m.type !== undefined) c.push(this.metinf('Type', m.type));
    if (m.mark !== undefined) c.push(this.metinf('Mark', m.mark));
    if (m.size !== undefined) c.push(this.metinf('Size', m.size));
    if (m.version !== undefined) c.push(this.metinf('Version', m.version));
    if (m.nextNonce !== undefined) c.push(this.metinf('NextNonce', m.nextNonce));
    if (m.maxMsgSize !== undefined) c.push(this.metinf('MaxMsgSize', m.maxMsgSize));
    if (m.maxObjSize !== undefined) c.push(this.metinf('MaxObjSize', m.maxObjSize));
    return c.length ? el('Meta', c) : undefined;
  }

  location(name: string, loc: DmLocation): XmlElement {
    const c = [txt('LocURI', loc.locURI)];
    if (loc.locName !== undefined) c.push(txt('LocName', loc.locName));
    return el(name, c);
  }

  data(d: DmData): XmlElement {
    if (typeof d === 'string') return txt('Data', d);
    if (this.opts.binaryAsOpaque) return el('Data', [{ kind: 'opaque', data: d }]);
    return txt('Data', Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64'));
  }

  item(i: DmItem): XmlElement {
    const c: XmlElement[] = [];
    if (i.target) c.push(this.location('Target', i.target));
    if (i.source) c.push(this.location('Source', i.source));
    const meta = this.meta(i.meta);
    if (meta) c.push(meta);
    if (i.data !== undefined) c.push(this.data(i.data));
    if (i.moreData) c.push(el('MoreData'));
    return el('Item', c);
  }

  status(s: StatusCommand): XmlElement {
    const c: XmlElement[] = [
      txt('CmdID', s.cmdId),
      txt('MsgRef', s.msgRef),
      txt('CmdRef', s.cmdRef),
      txt('Cmd', s.cmd),
    ];
    for (const r of s.targetRefs ?? []) c.push(txt('TargetRef', r));
    for (const r of s.sourceRefs ?? []) c.push(txt('SourceRef', r));
    if (s.chal) c.push(el('Chal', [this.meta(s.chal.meta) ?? el('Meta')]));
    c.push(txt('Data', s.data));
    for (const i of s.items ?? []) c.push(this.item(i));
    return el('Status', c);
  }

  command(cmd: DmCommand): XmlElement {
    const c: XmlElement[] = [txt('CmdID', cmd.cmdId)];
    switch (cmd.kind) {
      case 'Status':
        return this.status(cmd);
      case 'Results': {
        if (cmd.msgRef !== undefined) c.push(txt('MsgRef', cmd.msgRef));
        c.push(txt('CmdRef', cmd.cmdRef));
        const meta = this.meta(cmd.meta);
        if (meta) c.push(meta);
        for (const r of cmd.targetRefs ?? []) c.push(txt('TargetRef', r));
        for (const r of cmd.sourceRefs ?? []) c.push(txt('SourceRef', r));
        for (const i of cmd.items) c.push(this.item(i));
        return el('Results', c);
      }
      case 'Alert':
        if (cmd.noResp) c.push(el('NoResp'));
        if (cmd.data !== undefined) c.push(txt('Data', cmd.data));
        if (cmd.correlator !== undefined) c.push(txt('Correlator', cmd.correlator));
        for (const i of cmd.items) c.push(this.item(i));
        return el('Alert', c);
      case 'Atomic':
      case 'Sequence': {
        if (cmd.noResp) c.push(el('NoResp'));
        const meta = this.meta(cmd.meta);
        if (meta) c.push(meta);
        for (const inner of cmd.commands) c.push(this.command(inner));
        return el(cmd.kind, c);
      }
      default: {
        if (cmd.noResp) c.push(el('NoResp'));
        const meta = this.meta(cmd.meta);
        if (meta) c.push(meta);
        if (cmd.correlator !== undefined) c.push(txt('Correlator', cmd.correlator));
        for (const i of cmd.items) c.push(this.item(i));
        return el(cmd.kind, c);
      }
    }
  }

  header(h: SyncHdr): XmlElement {
    const c: XmlElement[] = [
      txt('VerDTD', h.verDTD),
      txt('VerProto', h.verProto),
      txt('SessionID', h.sessionId),
      txt('MsgID', h.msgId),
      this.location('Target', h.target),
      this.location('Source', h.source),
    ];
    if (h.respURI !== undefined) c.push(txt('RespURI', h.respURI));
    if (h.noResp) c.push(el('NoResp'));
    if (h.cred) {
      const cc: XmlElement[] = [];
      const meta = this.meta(h.cred.meta);
      if (meta) cc.push(meta);
      cc.push(txt('Data', h.cred.data));
      c.push(el('Cred', cc));
    }
    const meta = this.meta(h.meta);
    if (meta) c.push(meta);
    return el('SyncHdr', c);
  }
}

/** Builds the document tree of a DM message, ready for `serializeXml` or `encodeWbxml`. */
export function messageToXmlDocument(msg: DmMessage, opts: TreeOptions): XmlDocument {
  const w = new TreeWriter(opts);
  const body: XmlElement[] = msg.commands.map((c) => w.command(c));
  if (msg.final) body.push(el('Final'));
  const rootAttrs = opts.namespaces
    ? [{ name: 'xmlns', value: SYNCML_NAMESPACE[msg.version] }]
    : [];
  return {
    root: el('SyncML', [w.header(msg.header), el('SyncBody', body)], rootAttrs),
    publicId: SYNCML_PUBLIC_ID[msg.version],
  };
}
