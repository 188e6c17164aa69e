import type { TreeNode } from './management-tree';

/** The `?list=` forms of Get a DM 1.2 client answers with a TNDS document (DM Protocol §6.6.9). */
export type TndsList = 'Struct' | 'StructData';

export const TNDS_XML_TYPE = 'application/vnd.syncml.dmtnds+xml';

const escape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function nodeXml(n: TreeNode, path: string | undefined, withData: boolean): string {
  const parts = [`<Node><NodeName>${escape(n.name)}</NodeName>`];
  if (path !== undefined) parts.push(`<Path>${escape(path)}</Path>`);
  const format = n.format === 'bin' ? 'b64' : n.format;
  parts.push(`<RTProperties><Format><${format}/></Format>`);
  if (n.type) parts.push(`<Type><MIME>${escape(n.type)}</MIME></Type>`);
  parts.push('</RTProperties>');
  if (n.format === 'node') {
    for (const child of n.children?.values() ?? []) parts.push(nodeXml(child, undefined, withData));
  } else if (withData && n.value !== undefined) {
    const v = n.value instanceof Uint8Array ? Buffer.from(n.value).toString('base64') : n.value;
    parts.push(`<Value>${escape(v)}</Value>`);
  }
  parts.push('</Node>');
  return parts.join('');
}

/**
 * The subtree at `uri` as a TNDS MgmtTree (OMA-TS-DM_TNDS 1.2): names, formats and types of every
 * node, with leaf values for `StructData`.
 */
export function buildTnds(node: TreeNode, uri: string, list: TndsList): string {
  const slash = uri.lastIndexOf('/');
  const parent = slash > 0 ? uri.slice(0, slash) : '.';
  return (
    '<MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD>' +
    nodeXml(node, parent, list === 'StructData') +
    '</MgmtTree>'
  );
}
