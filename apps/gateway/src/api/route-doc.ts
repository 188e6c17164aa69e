import { SetMetadata } from '@nestjs/common';
import type { Schema } from './schema/json-schema';

export const ROUTE_DOC = 'dmb:route-doc';

/** Who may call a route: an API key scope, or nobody needs a key (`public`). */
export type RouteAccess = 'read' | 'write' | 'admin' | 'public';

export interface RouteResponse {
  description: string;
  /** media type → schema; a bare schema means application/json */
  schema?: Schema;
  content?: Record<string, Schema>;
  headers?: Record<string, { description: string; schema: Schema }>;
}

/**
 * What a route accepts and answers. One object serves request validation (the body schema and
 * the allowed query parameters, see request-schema.interceptor.ts) and the OpenAPI document
 * (openapi.ts), so the documentation cannot drift from what the handler accepts.
 */
export interface RouteDoc {
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  access: RouteAccess;
  /** the JSON body schema; validated before the handler runs unless `validateBody` is false */
  body?: Schema;
  /** other body media types → schema (documented; the handler parses them) */
  bodyContent?: Record<string, Schema>;
  validateBody?: boolean;
  /** the only query parameters the route takes; any other is refused with 400 naming it */
  query?: Record<string, Schema>;
  headers?: Record<string, Schema>;
  responses: Record<string, RouteResponse>;
}

export const ApiRoute = (doc: RouteDoc) => SetMetadata(ROUTE_DOC, doc);
