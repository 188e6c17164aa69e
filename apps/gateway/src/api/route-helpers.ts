import type { RouteResponse } from './route-doc';
import { ref } from './schema/api-schemas';
import type { Schema } from './schema/json-schema';

/** A JSON answer with a component schema. */
export const answer = (description: string, schema: string | Schema): RouteResponse => ({
  description,
  schema: typeof schema === 'string' ? ref(schema) : schema,
});

/** A problem-details answer (the schema is added by the document builder). */
export const fails = (description: string): RouteResponse => ({ description });

export const NOT_FOUND = (what: string) => ({ '404': fails(`No such ${what}`) });

export const PAGE_QUERY = {
  limit: { type: 'integer', minimum: 1, maximum: 1000, description: 'page size' },
  cursor: { type: 'string', description: 'nextCursor of the previous page' },
} satisfies Record<string, Schema>;
