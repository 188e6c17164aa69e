import { XMLParser } from 'fast-xml-parser';
import { ProvisioningDocumentError } from './errors';
import {
  PROV_PUBLIC_ID,
  PROV_SYSTEM_ID,
  isSecretParm,
  type ProvCharacteristic,
  type ProvNode,
  type ProvisioningDocument,
} from './model';

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
});

function tagOf(node: OrderedNode): string {
  const key = Object.keys(node).find((k) => k !== ':@');
  return key ?? '';
}

function invalid(message: string, path?: string): never {
  throw new ProvisioningDocumentError('PROV_STRUCTURE_INVALID', message, path);
}

function readCharacteristic(node: OrderedNode, path: string): ProvCharacteristic {
  const attrs = node[':@'] ?? {};
  const type = attrs.type;
  if (!type) invalid('characteristic without a type attribute', path);
  const here = `${path}/characteristic[@type=${type}]`;
  const children: ProvNode[] = [];
  for (const child of (node.characteristic as OrderedNode[]) ?? []) {
    const tag = tagOf(child);
    if (tag === 'parm') {
      const a = child[':@'] ?? {};
      if (!a.name) invalid('parm without a name attribute', here);
      children.push(
        a.value === undefined
          ? { kind: 'parm', name: a.name }
          : { kind: 'parm', name: a.name, value: a.value },
      );
    } else if (tag === 'characteristic') {
      children.push(readCharacteristic(child, here));
    } else if (tag === '#text' || tag === '#comment') {
      continue;
    } else {
      invalid(`unexpected element <${tag}> in a characteristic`, here);
    }
  }
  return { kind: 'characteristic', type, children };
}

/** Parses wap-provisioningdoc XML text into the document model. */
export function parseProvisioningXml(xml: string): ProvisioningDocument {
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(xml) as OrderedNode[];
  } catch (e) {
    throw new ProvisioningDocumentError(
      'PROV_XML_INVALID',
      `not well-formed XML: ${(e as Error).message}`,
    );
  }
  const root = nodes.find((n) => tagOf(n) === 'wap-provisioningdoc');
  if (!root) invalid('root element must be <wap-provisioningdoc>');
  const version = root[':@']?.version ?? '1.0';
  const characteristics: ProvCharacteristic[] = [];
  for (const child of (root['wap-provisioningdoc'] as OrderedNode[]) ?? []) {
    const tag = tagOf(child);
    if (tag === 'characteristic') characteristics.push(readCharacteristic(child, ''));
    else if (tag !== '#text' && tag !== '#comment') {
      invalid(`unexpected element <${tag}> in wap-provisioningdoc`);
    }
  }
  return { version, characteristics };
}

function escapeAttr(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export interface SerializeOptions {
  /** Replace secret parm values (AUTHSECRET, AAUTHSECRET, …) with asterisks. */
  maskSecrets?: boolean;
}

/** Serialises the document as indented XML text with the PROV DOCTYPE. */
export function serializeProvisioningXml(
  doc: ProvisioningDocument,
  options: SerializeOptions = {},
): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<!DOCTYPE wap-provisioningdoc PUBLIC "${PROV_PUBLIC_ID}" "${PROV_SYSTEM_ID}">`,
    `<wap-provisioningdoc version="${escapeAttr(doc.version)}">`,
  ];
  const write = (c: ProvCharacteristic, depth: number) => {
    const pad = '  '.repeat(depth);
    if (c.children.length === 0) {
      lines.push(`${pad}<characteristic type="${escapeAttr(c.type)}"/>`);
      return;
    }
    lines.push(`${pad}<characteristic type="${escapeAttr(c.type)}">`);
    for (const n of c.children) {
      if (n.kind === 'characteristic') write(n, depth + 1);
      else if (n.value === undefined) lines.push(`${pad}  <parm name="${escapeAttr(n.name)}"/>`);
      else {
        const value = options.maskSecrets && isSecretParm(n.name) ? '******' : n.value;
        lines.push(`${pad}  <parm name="${escapeAttr(n.name)}" value="${escapeAttr(value)}"/>`);
      }
    }
    lines.push(`${pad}</characteristic>`);
  };
  for (const c of doc.characteristics) write(c, 1);
  lines.push('</wap-provisioningdoc>', '');
  return lines.join('\n');
}
