import type { XmlDocument, XmlElement, XmlNode } from '@dm-bridge/wbxml';
import { ProvisioningDocumentError } from './errors';
import {
  PROV_PUBLIC_ID,
  type ProvCharacteristic,
  type ProvNode,
  type ProvisioningDocument,
} from './model';

/** Converts the provisioning model into the shared XML tree that the WBXML codec encodes. */
export function toXmlDocument(doc: ProvisioningDocument): XmlDocument {
  const convert = (c: ProvCharacteristic): XmlElement => ({
    kind: 'element',
    name: 'characteristic',
    attributes: [{ name: 'type', value: c.type }],
    children: c.children.map((n) =>
      n.kind === 'characteristic'
        ? convert(n)
        : {
            kind: 'element' as const,
            name: 'parm',
            attributes:
              n.value === undefined
                ? [{ name: 'name', value: n.name }]
                : [
                    { name: 'name', value: n.name },
                    { name: 'value', value: n.value },
                  ],
            children: [],
          },
    ),
  });
  return {
    root: {
      kind: 'element',
      name: 'wap-provisioningdoc',
      attributes: [{ name: 'version', value: doc.version }],
      children: doc.characteristics.map(convert),
    },
    publicId: PROV_PUBLIC_ID,
  };
}

function attr(el: XmlElement, name: string): string | undefined {
  return el.attributes.find((a) => a.name === name)?.value;
}

function isIgnorable(n: XmlNode): boolean {
  return (n.kind === 'text' && n.text.trim() === '') || n.kind === 'pi';
}

function invalid(message: string, path: string): never {
  throw new ProvisioningDocumentError('PROV_STRUCTURE_INVALID', message, path || '/');
}

function fromCharacteristic(el: XmlElement, path: string): ProvCharacteristic {
  const type = attr(el, 'type');
  if (type === undefined) invalid('characteristic without a type attribute', path);
  const here = `${path}/characteristic[@type=${type}]`;
  const children: ProvNode[] = [];
  for (const n of el.children) {
    if (isIgnorable(n)) continue;
    if (n.kind !== 'element') invalid(`unexpected ${n.kind} content in a characteristic`, here);
    if (n.name === 'characteristic') children.push(fromCharacteristic(n, here));
    else if (n.name === 'parm') {
      const name = attr(n, 'name');
      if (name === undefined) invalid('parm without a name attribute', here);
      const value = attr(n, 'value');
      children.push(value === undefined ? { kind: 'parm', name } : { kind: 'parm', name, value });
    } else invalid(`unexpected element <${n.name}> in a characteristic`, here);
  }
  return { kind: 'characteristic', type, children };
}

/** Reads the provisioning model from a decoded XML tree (WBXML or XML text). */
export function fromXmlDocument(xml: XmlDocument): ProvisioningDocument {
  const root = xml.root;
  if (root.name !== 'wap-provisioningdoc') {
    invalid(`root element must be <wap-provisioningdoc>, got <${root.name}>`, '');
  }
  const characteristics: ProvCharacteristic[] = [];
  for (const n of root.children) {
    if (isIgnorable(n)) continue;
    if (n.kind !== 'element' || n.name !== 'characteristic') {
      invalid('wap-provisioningdoc may only contain characteristics', '');
    }
    characteristics.push(fromCharacteristic(n, ''));
  }
  return { version: attr(root, 'version') ?? '1.0', characteristics };
}
