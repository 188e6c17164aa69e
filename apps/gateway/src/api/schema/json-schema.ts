/**
 * The JSON Schema subset the operator API's request schemas use. The same schema objects
 * validate requests (checkSchema) and appear in the OpenAPI document, so the two cannot differ.
 */
export type SchemaType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null';

export interface Schema {
  $ref?: string;
  type?: SchemaType | SchemaType[];
  description?: string;
  format?: string;
  enum?: readonly unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  allOf?: Schema[];
  readOnly?: boolean;
  writeOnly?: boolean;
  examples?: unknown[];
}

export interface SchemaIssue {
  /** JSON-pointer-like location: `addressing.devId`, `operations[0].op`, '' for the root */
  at: string;
  problem: string;
  /** set for a field the schema does not know */
  unknown?: boolean;
}

const REF = '#/components/schemas/';

function typeOf(v: unknown): SchemaType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v as SchemaType;
}

function fits(actual: SchemaType, wanted: SchemaType): boolean {
  return actual === wanted || (wanted === 'number' && actual === 'integer');
}

const join = (at: string, key: string) => (at ? `${at}.${key}` : key);

/**
 * Checks `value` against `schema`; `components` resolves `$ref`s. Returns every issue found (at
 * most `limit`), unknown fields included, so a client learns all its mistakes at once.
 */
export function checkSchema(
  value: unknown,
  schema: Schema,
  components: Record<string, Schema>,
  limit = 20,
): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const add = (i: SchemaIssue) => issues.length < limit && issues.push(i);
  const walk = (v: unknown, s: Schema, at: string): void => {
    if (s.$ref) {
      const target = components[s.$ref.slice(REF.length)];
      if (!target) throw new Error(`schema reference ${s.$ref} is not defined`);
      return walk(v, target, at);
    }
    for (const part of s.allOf ?? []) walk(v, part, at);
    const actual = typeOf(v);
    if (s.type) {
      const wanted = Array.isArray(s.type) ? s.type : [s.type];
      if (!wanted.some((w) => fits(actual, w)))
        return void add({ at, problem: `must be ${wanted.join(' or ')}` });
    }
    if (s.enum && !s.enum.includes(v))
      return void add({ at, problem: `must be one of ${s.enum.map(String).join(', ')}` });
    if (typeof v === 'string') {
      if (s.minLength !== undefined && v.length < s.minLength)
        add({ at, problem: `must be at least ${s.minLength} characters` });
      if (s.maxLength !== undefined && v.length > s.maxLength)
        add({ at, problem: `must be at most ${s.maxLength} characters` });
      if (s.pattern && !new RegExp(s.pattern, 'u').test(v))
        add({ at, problem: s.description ? `must be ${s.description}` : 'has an invalid format' });
    } else if (typeof v === 'number') {
      if (s.minimum !== undefined && v < s.minimum) add({ at, problem: `must be ≥ ${s.minimum}` });
      if (s.maximum !== undefined && v > s.maximum) add({ at, problem: `must be ≤ ${s.maximum}` });
    } else if (Array.isArray(v)) {
      if (s.minItems !== undefined && v.length < s.minItems)
        add({ at, problem: `must hold at least ${s.minItems} items` });
      if (s.maxItems !== undefined && v.length > s.maxItems)
        add({ at, problem: `must hold at most ${s.maxItems} items` });
      if (s.items) v.forEach((item, i) => walk(item, s.items!, `${at}[${i}]`));
    } else if (actual === 'object') {
      const o = v as Record<string, unknown>;
      for (const r of s.required ?? [])
        if (o[r] === undefined) add({ at: join(at, r), problem: 'is required' });
      for (const [k, item] of Object.entries(o)) {
        const known = s.properties?.[k];
        if (known) {
          if (item !== undefined) walk(item, known, join(at, k));
        } else if (s.additionalProperties === false) {
          add({ at: join(at, k), problem: 'is not a known field', unknown: true });
        } else if (typeof s.additionalProperties === 'object') {
          walk(item, s.additionalProperties, join(at, k));
        }
      }
    }
  };
  walk(value, schema, '');
  return issues;
}
