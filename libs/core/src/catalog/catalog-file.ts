import { Alias, isMap, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import type { Document } from 'yaml';
import { CoreError, ValidationError } from '../errors';
import { validateParameterDefinition, validateProfile } from './parameter-catalog';
import { ParameterDefinition, Profile } from './parameter.model';

/**
 * Catalog files: `{ parameters?: [...], profiles?: [...] }` as YAML 1.2 or JSON, the same shape
 * as the API's bodies. Pure (no fs): the gateway reads CATALOG_DIR and hands the text here; the
 * API parses YAML request bodies with the same functions.
 */
export interface CatalogFile {
  parameters: ParameterDefinition[];
  profiles: Profile[];
}

export type CatalogFileFormat = 'yaml' | 'json';

const TOP_LEVEL_KEYS = ['parameters', 'profiles'];

/**
 * A catalog file (or request body) that cannot be used. The message starts with the file's name
 * and says where: `site.yaml: YAML syntax error at line 3, column 5: …`,
 * `site.yaml: parameters[1] "sip.foo" (line 9): parameter type 'x' is not supported`.
 */
export class CatalogFileError extends ValidationError {
  constructor(
    code: string,
    readonly file: string,
    reason: string,
    details: Record<string, unknown> = {},
  ) {
    super(code, `${file}: ${reason}`, { file, ...details });
  }
}

/** `json` for `*.json`, `yaml` for `*.yaml` / `*.yml`, else undefined. */
export function catalogFileFormat(name: string): CatalogFileFormat | undefined {
  if (/\.json$/i.test(name)) return 'json';
  if (/\.ya?ml$/i.test(name)) return 'yaml';
  return undefined;
}

/** Parses and validates a whole catalog file; the format follows the name (default YAML). */
export function parseCatalogFile(
  name: string,
  text: string,
  format: CatalogFileFormat = catalogFileFormat(name) ?? 'yaml',
): CatalogFile {
  const parsed = parseText(name, text, format);
  return validateCatalog(name, parsed.value, parsed.line);
}

/**
 * Parses YAML or JSON text into a plain value, throwing CatalogFileError (`invalid-yaml`,
 * `invalid-json`) with the line and column of a syntax error. Used for single-entry API bodies.
 */
export function parseCatalogText(name: string, text: string, format: CatalogFileFormat): unknown {
  return parseText(name, text, format).value;
}

/** Validates an already parsed catalog document (a JSON request body). */
export function validateCatalogFile(name: string, value: unknown): CatalogFile {
  return validateCatalog(name, value, () => undefined);
}

interface Parsed {
  value: unknown;
  /** the 1-based line a node starts on (YAML only) */
  line: (path: (string | number)[]) => number | undefined;
}

function parseText(name: string, raw: string, format: CatalogFileFormat): Parsed {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  return format === 'json' ? parseJson(name, text) : parseYaml(name, text);
}

function parseYaml(name: string, text: string): Parsed {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.2',
    schema: 'core',
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const syntax = doc.errors[0];
  if (syntax) {
    const at = syntax.linePos?.[0] ?? lines.linePos(syntax.pos[0]);
    const message =
      syntax.code === 'MULTIPLE_DOCS' ? 'a catalog file holds one YAML document' : syntax.message;
    throw yamlError(name, at, message);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // unresolved or excessive aliases: point at the first alias that does not resolve
    throw yamlError(name, aliasPosition(doc, lines), (err as Error).message);
  }
  return {
    value,
    line: (path) => {
      // a list item starts at its node; a mapping entry at its key
      const last = path[path.length - 1];
      const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
      const node =
        typeof last === 'string' && isMap(parent)
          ? parent.items.find((pair) => isScalar(pair.key) && pair.key.value === last)?.key
          : doc.getIn(path, true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      return range ? lines.linePos(range[0]).line : undefined;
    },
  };
}

function yamlError(
  name: string,
  at: { line: number; col: number } | undefined,
  message: string,
): CatalogFileError {
  const reason = oneLine(message);
  if (!at) return new CatalogFileError('invalid-yaml', name, `YAML error: ${reason}`);
  return new CatalogFileError(
    'invalid-yaml',
    name,
    `YAML syntax error at line ${at.line}, column ${at.col}: ${reason}`,
    { line: at.line, column: at.col },
  );
}

function aliasPosition(
  doc: Document,
  lines: LineCounter,
): { line: number; col: number } | undefined {
  let first: Alias | undefined;
  let unresolved: Alias | undefined;
  visit(doc, {
    Alias(_, node) {
      first ??= node;
      if (!unresolved && !node.resolve(doc)) unresolved = node;
    },
  });
  const node = unresolved ?? first;
  return node?.range ? lines.linePos(node.range[0]) : undefined;
}

function parseJson(name: string, text: string): Parsed {
  try {
    return { value: JSON.parse(text), line: () => undefined };
  } catch (err) {
    const found = locateJsonError(text);
    const offset = found?.offset ?? 0;
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - (before.lastIndexOf('\n') + 1) + 1;
    throw new CatalogFileError(
      'invalid-json',
      name,
      `JSON syntax error at line ${line}, column ${column}: ${found?.reason ?? oneLine((err as Error).message)}`,
      { line, column },
    );
  }
}

/**
 * Where JSON text first goes wrong, with a reason that does not depend on the Node version (its
 * JSON.parse messages differ between releases and often give no position). Iterative, so that
 * deeply nested input cannot overflow the stack.
 */
function locateJsonError(s: string): { offset: number; reason: string } | undefined {
  let i = 0;
  const closers: string[] = [];
  let mode: 'value' | 'after' | 'first-key' | 'key' = 'value';
  const ws = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  };
  const fail = () => {
    if (i >= s.length) return { offset: i, reason: 'unexpected end of input' };
    const c = s.charCodeAt(i);
    const what =
      c < 0x20
        ? `control character U+${c.toString(16).toUpperCase().padStart(4, '0')}`
        : `'${s[i]}'`;
    return { offset: i, reason: `unexpected ${what}` };
  };
  /** Moves past a string starting at s[i] === '"'; false (i at the fault) if it is invalid. */
  const string = (): boolean => {
    i++;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        const e = s[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
            i += 2;
            return false;
          }
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) {
          i++;
          return false;
        }
        i += 2;
        continue;
      }
      i++;
    }
    return false;
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  for (;;) {
    ws();
    if (mode === 'value') {
      const c = s[i];
      if (c === '{') {
        i++;
        closers.push('}');
        mode = 'first-key';
        continue;
      }
      if (c === '[') {
        i++;
        ws();
        if (s[i] === ']') {
          i++;
          mode = 'after';
          continue;
        }
        closers.push(']');
        continue;
      }
      if (c === '"') {
        if (!string()) return fail();
      } else {
        const literal = ['true', 'false', 'null'].find((l) => s.startsWith(l, i));
        NUMBER.lastIndex = i;
        if (literal) i += literal.length;
        else if (NUMBER.test(s)) i = NUMBER.lastIndex;
        else return fail();
      }
      mode = 'after';
      continue;
    }
    if (mode === 'first-key' || mode === 'key') {
      if (mode === 'first-key' && s[i] === '}') {
        i++;
        closers.pop();
        mode = 'after';
        continue;
      }
      if (s[i] !== '"' || !string()) return fail();
      ws();
      if (s[i] !== ':') return fail();
      i++;
      mode = 'value';
      continue;
    }
    const closer = closers[closers.length - 1];
    if (closer === undefined) return i >= s.length ? undefined : fail();
    if (s[i] === ',') {
      i++;
      mode = closer === '}' ? 'key' : 'value';
    } else if (s[i] === closer) {
      i++;
      closers.pop();
    } else return fail();
  }
}

function validateCatalog(name: string, value: unknown, line: Parsed['line']): CatalogFile {
  // a YAML file holding only comments is an empty catalog
  if (value === null || value === undefined) return { parameters: [], profiles: [] };
  if (typeof value !== 'object' || Array.isArray(value))
    throw new CatalogFileError(
      'invalid-catalog-file',
      name,
      'must be a mapping with "parameters" and/or "profiles" lists',
    );
  const doc = value as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (!TOP_LEVEL_KEYS.includes(key)) {
      const at = line([key]);
      throw new CatalogFileError(
        'invalid-catalog-file',
        name,
        `unknown top-level key "${key}"${at ? ` at line ${at}` : ''} (allowed: parameters, profiles)`,
        { key },
      );
    }
  }
  return {
    parameters: entries(name, doc, 'parameters', 'name', validateParameterDefinition, line),
    profiles: entries(name, doc, 'profiles', 'id', validateProfile, line),
  };
}

function entries<T>(
  file: string,
  doc: Record<string, unknown>,
  key: 'parameters' | 'profiles',
  idField: 'name' | 'id',
  validate: (input: unknown) => T,
  line: Parsed['line'],
): T[] {
  const list = doc[key];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list))
    throw new CatalogFileError('invalid-catalog-file', file, `"${key}" must be a list`);
  const seen = new Map<string, number>();
  return list.map((entry, index) => {
    const id = (entry as Record<string, unknown> | null)?.[idField];
    const at = line([key, index]);
    const where = `${key}[${index}]${typeof id === 'string' ? ` "${id}"` : ''}${at ? ` (line ${at})` : ''}`;
    const details = { index, ...(typeof id === 'string' ? { [idField]: id } : {}) };
    let valid: T;
    try {
      valid = validate(entry);
    } catch (err) {
      if (!(err instanceof CoreError)) throw err;
      throw new CatalogFileError(err.code, file, `${where}: ${err.message}`, details);
    }
    const earlier = seen.get(id as string);
    if (earlier !== undefined)
      throw new CatalogFileError(
        `duplicate-${idField === 'name' ? 'parameter' : 'profile'}`,
        file,
        `${where}: repeats ${key}[${earlier}]`,
        details,
      );
    seen.set(id as string, index);
    return valid;
  });
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
