/**
 * A DM management tree (DM TND 1.2): interior and leaf nodes with Format/Type, values and ACLs.
 * ACL syntax is the DM one: `Get=*&Replace=srv1+srv2`; a node without ACL inherits its parent's.
 */
export type NodeFormat =
  'node' | 'chr' | 'int' | 'bool' | 'b64' | 'bin' | 'xml' | 'float' | 'date' | 'time' | 'null';

export interface TreeNode {
  name: string;
  format: NodeFormat;
  type?: string;
  /** leaf value: text, or bytes for `bin` */
  value?: string | Uint8Array;
  acl?: string;
  children?: Map<string, TreeNode>;
  /** Exec hook: returns a status code */
  exec?: (data: string | undefined) => number;
}

export type TreeCommand = 'Get' | 'Add' | 'Replace' | 'Delete' | 'Exec' | 'Copy';

export class TreeError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'TreeError';
  }
}

function segments(uri: string): string[] {
  const clean = uri
    .split('?', 1)[0]
    .replace(/^\.\/?/, '')
    .replace(/\/$/, '');
  return clean === '' ? [] : clean.split('/');
}

function aclAllows(acl: string, cmd: TreeCommand, serverId: string): boolean | undefined {
  for (const part of acl.split('&')) {
    const [name, who] = part.split('=');
    if (name === cmd) return who === '*' || (who ?? '').split('+').includes(serverId);
  }
  return acl === '' ? undefined : false;
}

function clone(n: TreeNode): TreeNode {
  const c: TreeNode = { ...n };
  if (n.value instanceof Uint8Array) c.value = new Uint8Array(n.value);
  if (n.children) c.children = new Map([...n.children].map(([k, v]) => [k, clone(v)]));
  return c;
}

export class ManagementTree {
  constructor(
    public root: TreeNode = {
      name: '.',
      format: 'node',
      children: new Map(),
      acl: 'Get=*&Add=*&Replace=*',
    },
  ) {}

  snapshot(): TreeNode {
    return clone(this.root);
  }

  restore(snapshot: TreeNode): void {
    this.root = snapshot;
  }

  find(uri: string): TreeNode | undefined {
    let n: TreeNode | undefined = this.root;
    for (const s of segments(uri)) {
      n = n?.children?.get(s);
      if (!n) return undefined;
    }
    return n;
  }

  /** Throws 425 unless the ACL in force on `uri` lets `serverId` run `cmd` (DM TND §7.7). */
  checkAcl(uri: string, cmd: TreeCommand, serverId: string): void {
    const path = segments(uri);
    let n: TreeNode | undefined = this.root;
    let verdict = aclAllows(this.root.acl ?? '', cmd, serverId);
    for (const s of path) {
      n = n?.children?.get(s);
      if (!n) break;
      if (n.acl !== undefined) {
        const v = aclAllows(n.acl, cmd, serverId);
        if (v !== undefined) verdict = v;
      }
    }
    if (verdict === false) throw new TreeError(425, `${cmd} on ${uri} not permitted`);
  }

  /** Creates interior nodes along the way (used to build the default tree). */
  set(
    uri: string,
    value: string | Uint8Array | undefined,
    format: NodeFormat = 'chr',
    extra: Partial<TreeNode> = {},
  ): TreeNode {
    const path = segments(uri);
    let n = this.root;
    for (let i = 0; i < path.length; i++) {
      const last = i === path.length - 1;
      let child = n.children?.get(path[i]);
      if (!child) {
        child = last
          ? { name: path[i], format }
          : { name: path[i], format: 'node', children: new Map() };
        n.children ??= new Map();
        n.children.set(path[i], child);
      }
      n = child;
    }
    if (format !== 'node') n.value = value;
    else n.children ??= new Map();
    n.format = format;
    Object.assign(n, extra);
    return n;
  }

  get(uri: string): { format: NodeFormat; type?: string; value: string | Uint8Array } {
    const n = this.find(uri);
    if (!n) throw new TreeError(404, `${uri} not found`);
    if (n.format === 'node')
      return { format: 'node', value: [...(n.children?.keys() ?? [])].join('/') };
    return { format: n.format, type: n.type, value: n.value ?? '' };
  }

  add(
    uri: string,
    value: string | Uint8Array | undefined,
    format: NodeFormat,
    type?: string,
  ): void {
    if (this.find(uri)) throw new TreeError(418, `${uri} already exists`);
    const path = segments(uri);
    const parent = this.find(path.slice(0, -1).join('/'));
    if (!parent || parent.format !== 'node') throw new TreeError(404, `parent of ${uri} not found`);
    const node: TreeNode =
      format === 'node'
        ? { name: path.at(-1)!, format, children: new Map() }
        : { name: path.at(-1)!, format, value };
    if (type) node.type = type;
    parent.children!.set(node.name, node);
  }

  replace(
    uri: string,
    value: string | Uint8Array | undefined,
    format?: NodeFormat,
    type?: string,
  ): void {
    const n = this.find(uri);
    if (!n) throw new TreeError(404, `${uri} not found`);
    if (n.format === 'node') throw new TreeError(405, `${uri} is an interior node`);
    n.value = value;
    if (format) n.format = format;
    if (type) n.type = type;
  }

  delete(uri: string): void {
    const path = segments(uri);
    if (!path.length) throw new TreeError(405, 'the root cannot be deleted');
    const parent = this.find(path.slice(0, -1).join('/'));
    if (!parent?.children?.delete(path.at(-1)!)) throw new TreeError(404, `${uri} not found`);
  }

  exec(uri: string, data: string | undefined): number {
    const n = this.find(uri);
    if (!n) throw new TreeError(404, `${uri} not found`);
    if (!n.exec) throw new TreeError(405, `${uri} is not executable`);
    return n.exec(data);
  }

  copy(target: string, source: string): void {
    const src = this.find(source);
    if (!src) throw new TreeError(404, `${source} not found`);
    if (src.format === 'node') throw new TreeError(405, 'Copy works on leaves only');
    if (this.find(target)) this.replace(target, src.value, src.format, src.type);
    else this.add(target, src.value, src.format, src.type);
  }
}
