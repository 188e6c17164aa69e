import * as fs from 'fs';
import * as path from 'path';
import { opaqueAsText, XmlDocument, XmlElement, XmlNode } from '@dm-bridge/wbxml';

/** ../shared beside the repository root (CI clones the repo with shared/ next to it). */
export const SHARED = path.resolve(__dirname, '..', '..', '..', 'shared');
export const VECTORS = path.join(SHARED, 'vectors');
export const CORPUS = path.join(SHARED, 'corpus');

export function vectorPath(name: string): string {
  return path.join(VECTORS, name);
}

export function readVector(name: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(vectorPath(name)));
}

export function readText(file: string): string {
  return fs.readFileSync(file, 'utf8');
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function fromHex(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
}

/** A comparable shape of a tree: names, attributes, child order and text. */
export interface PlainElement {
  name: string;
  attributes: Array<[string, string]>;
  children: Array<PlainElement | string>;
}

export interface NormalizeOptions {
  /**
   * Treat text, STR_T and OPAQUE alike and ignore surrounding whitespace: what "decodes to the same
   * tree" means for the libwbxml vectors (../shared/vectors/README.txt points 1-3, 5).
   */
  loose?: boolean;
  /** Undo libwbxml's Type text rewriting (+wbxml <-> +xml) (README.txt point 3). */
  typeRewrite?: boolean;
}

export function plain(el: XmlElement, options: NormalizeOptions = {}): PlainElement {
  const children: Array<PlainElement | string> = [];
  let textRun: string | undefined;
  const flush = (): void => {
    if (textRun === undefined) return;
    // loose: libwbxml trims text and writes CR raw into XML, which XML readers turn into LF
    let t = options.loose ? textRun.replace(/\r\n?/g, '\n').trim() : textRun;
    if (options.typeRewrite && el.name === 'Type') t = t.replace(/\+wbxml$/, '+xml');
    if (!options.loose || t !== '') children.push(t);
    textRun = undefined;
  };
  for (const c of el.children) {
    const t = loosText(c, options);
    if (t !== undefined) {
      textRun = (textRun ?? '') + t;
      continue;
    }
    flush();
    if (c.kind === 'element') children.push(plain(c, options));
    else if (c.kind === 'opaque' && c.nested) children.push(plain(c.nested.root, options));
    else children.push(JSON.stringify(c, (_k, v) => (v instanceof Uint8Array ? hex(v) : v)));
  }
  flush();
  const attributes: Array<[string, string]> = el.attributes.map((a) => [
    a.name,
    options.loose ? a.value.replace(/\r\n?/g, '\n') : a.value,
  ]);
  return { name: el.name, attributes, children };
}

function loosText(n: XmlNode, options: NormalizeOptions): string | undefined {
  if (n.kind === 'text') return n.text;
  if (options.loose && n.kind === 'opaque' && !n.nested) return opaqueAsText(n.data);
  if (options.loose && n.kind === 'entity') return String.fromCodePoint(n.codePoint);
  return undefined;
}

export function plainDoc(doc: XmlDocument, options: NormalizeOptions = {}): PlainElement {
  return plain(doc.root, options);
}

/** Every file under dir (recursively) whose name ends with one of the suffixes. */
export function filesUnder(dir: string, ...suffixes: string[]): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p, ...suffixes));
    else if (suffixes.some((s) => entry.name.endsWith(s))) out.push(p);
  }
  return out.sort();
}
