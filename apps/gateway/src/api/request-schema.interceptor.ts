import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ValidationError } from '@dm-bridge/core';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { ROUTE_DOC, RouteDoc } from './route-doc';
import { SCHEMAS } from './schema/api-schemas';
import { checkSchema, Schema, SchemaIssue } from './schema/json-schema';

/**
 * The 400 for unknown fields, naming them all. Values are checked by core, whose validation the
 * schemas describe, so its error codes (invalid-msisdn, invalid-protocol…) stay what they were.
 */
export function unknownFieldsError(
  issues: SchemaIssue[],
  what: string,
): ValidationError | undefined {
  const unknown = issues.filter((i) => i.unknown).map((i) => i.at);
  if (!unknown.length) return undefined;
  return new ValidationError('unknown-field', `${what} has unknown fields: ${unknown.join(', ')}`, {
    field: unknown[0],
    fields: unknown,
  });
}

/** Refuses fields the schema does not know (refs resolved against the API's components). */
export function refuseUnknownFields(
  value: unknown,
  schema: Schema,
  what = 'the request body',
): void {
  const err = unknownFieldsError(checkSchema(value, schema, SCHEMAS, 50), what);
  if (err) throw err;
}

/**
 * Enforces each route's RouteDoc before its handler: the query string holds only the declared
 * parameters, and a JSON body holds only the fields its schema knows.
 * Runs after the key guard, so an unauthenticated caller learns nothing about schemas.
 */
@Injectable()
export class RequestSchemaInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const doc = this.reflector.get<RouteDoc | undefined>(ROUTE_DOC, context.getHandler());
    if (doc && context.getType() === 'http') {
      const req = context.switchToHttp().getRequest<Request>();
      const allowed = doc.query ?? {};
      const unknown = Object.keys((req.query ?? {}) as object).filter((k) => !(k in allowed));
      if (unknown.length)
        throw new ValidationError(
          'unknown-query-parameter',
          `unknown query parameters: ${unknown.join(', ')}` +
            (Object.keys(allowed).length
              ? ` (this route takes ${Object.keys(allowed).join(', ')})`
              : ' (this route takes none)'),
          { fields: unknown },
        );
      for (const [name, value] of Object.entries((req.query ?? {}) as Record<string, unknown>)) {
        if (typeof value !== 'string')
          throw new ValidationError(
            'invalid-query',
            `${name} must be given once, as a plain value`,
            {
              fields: [name],
            },
          );
      }
      if (doc.body && doc.validateBody !== false && req.body && typeof req.body === 'object')
        refuseUnknownFields(req.body, doc.body);
    }
    return next.handle();
  }
}
