/**
 * The OpenAPI 3.1 document, generated from the controllers: Nest's route metadata gives paths and
 * methods, each handler's RouteDoc (route-doc.ts) gives what it takes and answers, and the body
 * schemas are the very objects that validate requests. A route without a RouteDoc is listed in
 * `undocumented` (a test keeps that empty).
 */
import { RequestMethod, Type } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { HealthController } from '../health/health.controller';
import { gatewayVersion } from '../version';
import { apiControllers } from './api.controllers';
import { ROUTE_DOC, RouteDoc, RouteResponse } from './route-doc';
import { ref, SCHEMAS } from './schema/api-schemas';
import type { Schema } from './schema/json-schema';
import { SMSC_BIND_PATHS, SMSC_BIND_SCHEMAS } from './smsc-binds.openapi';

const METHODS: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.DELETE]: 'delete',
  [RequestMethod.PATCH]: 'patch',
};

const PROBLEM = 'application/problem+json';

export interface RouteInfo {
  method: string;
  /** OpenAPI form: /v1/devices/{id} */
  path: string;
  doc?: RouteDoc;
  httpCode?: number;
  handler: string;
}

/** Every route of the given controllers, from Nest's metadata. */
export function routesOf(controllers: Type[]): RouteInfo[] {
  const out: RouteInfo[] = [];
  for (const ctrl of controllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, ctrl) ?? '');
    const proto = ctrl.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const fn = proto[name];
      if (name === 'constructor' || typeof fn !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod | undefined;
      const sub = Reflect.getMetadata(PATH_METADATA, fn) as string | undefined;
      if (method === undefined || sub === undefined) continue;
      const path = `/${[base, sub]
        .map((p) => p.replace(/^\/+|\/+$/g, ''))
        .filter(Boolean)
        .join('/')}`;
      out.push({
        method: METHODS[method] ?? 'get',
        path: path.replace(/:([A-Za-z0-9_]+)/g, '{$1}'),
        doc: Reflect.getMetadata(ROUTE_DOC, fn) as RouteDoc | undefined,
        httpCode: Reflect.getMetadata(HTTP_CODE_METADATA, fn) as number | undefined,
        handler: `${ctrl.name}.${name}`,
      });
    }
  }
  return out;
}

function response(r: RouteResponse, status: string): Record<string, unknown> {
  const isProblem = Number(status) >= 400;
  const content = r.content
    ? Object.fromEntries(Object.entries(r.content).map(([t, schema]) => [t, { schema }]))
    : r.schema
      ? { [isProblem ? PROBLEM : 'application/json']: { schema: r.schema } }
      : isProblem
        ? { [PROBLEM]: { schema: ref('Problem') } }
        : undefined;
  return {
    description: r.description,
    ...(r.headers ? { headers: r.headers } : {}),
    ...(content ? { content } : {}),
  };
}

function operation(route: RouteInfo): Record<string, unknown> {
  const doc = route.doc!;
  const authed = doc.access !== 'public';
  const responses: Record<string, RouteResponse> = { ...doc.responses };
  const takesInput = doc.body || doc.bodyContent || doc.query || route.path.includes('{');
  if (authed || takesInput)
    responses['400'] ??= {
      description: 'Invalid request: unknown fields or parameters, bad values',
    };
  if (authed) {
    responses['401'] ??= {
      description: 'Missing or invalid API key',
      headers: {
        'WWW-Authenticate': { description: 'Bearer realm="dm-bridge"', schema: { type: 'string' } },
      },
    };
    responses['403'] ??= { description: `The key lacks the '${doc.access}' scope` };
  }
  if (doc.body || doc.bodyContent) responses['415'] ??= { description: 'Unsupported media type' };
  const parameters: Record<string, unknown>[] = [];
  for (const m of route.path.matchAll(/\{([^}]+)\}/g))
    parameters.push({ name: m[1], in: 'path', required: true, schema: { type: 'string' } });
  for (const [name, s] of Object.entries(doc.query ?? {})) {
    const { description, ...schema } = s;
    parameters.push({ name, in: 'query', ...(description ? { description } : {}), schema });
  }
  for (const [name, s] of Object.entries(doc.headers ?? {})) {
    const { description, ...schema } = s;
    parameters.push({ name, in: 'header', ...(description ? { description } : {}), schema });
  }
  const content: Record<string, { schema: Schema }> = {};
  if (doc.body) content['application/json'] = { schema: doc.body };
  for (const [t, schema] of Object.entries(doc.bodyContent ?? {})) content[t] ??= { schema };
  return {
    operationId: doc.operationId,
    summary: doc.summary,
    description: [
      doc.description,
      authed ? `Needs an API key with the '${doc.access}' scope.` : 'No API key needed.',
    ]
      .filter(Boolean)
      .join('\n\n'),
    tags: [doc.tag],
    ...(authed ? { security: [{ bearer: [] }, { apiKey: [] }] } : { security: [] }),
    ...(parameters.length ? { parameters } : {}),
    ...(Object.keys(content).length ? { requestBody: { required: true, content } } : {}),
    responses: Object.fromEntries(
      Object.entries(responses)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([status, r]) => [status, response(r, status)]),
    ),
  };
}

export interface BuiltDocument {
  document: Record<string, unknown>;
  /** handlers without a RouteDoc (not in the document) */
  undocumented: string[];
}

export function generateOpenApi(
  controllers: Type[] = [...apiControllers(), HealthController],
): BuiltDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  const undocumented: string[] = [];
  const tags = new Set<string>();
  for (const route of routesOf(controllers)) {
    if (!route.doc) {
      undocumented.push(`${route.method.toUpperCase()} ${route.path} (${route.handler})`);
      continue;
    }
    tags.add(route.doc.tag);
    (paths[route.path] ??= {})[route.method] = operation(route);
  }
  const document = {
    openapi: '3.1.0',
    info: {
      title: 'dm-bridge operator API',
      version: gatewayVersion(),
      description:
        'One API for a mixed fleet: Workpoint (OpenStage/OpenScape desk phones), OMA DM 1.2 handsets and OMA CP. Errors are RFC 9457 problem details (`application/problem+json`). Send an API key as `Authorization: Bearer <key>` or `X-Api-Key`. Bodies are JSON unless an operation says otherwise; unknown fields and query parameters are refused with 400 naming them.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      contact: { name: 'dm-bridge' },
    },
    servers: [{ url: '/' }],
    tags: [...tags].sort().map((name) => ({ name, description: `${name} operations` })),
    security: [{ bearer: [] }, { apiKey: [] }],
    // the SMSC binds controller still carries its document beside it (smsc-binds.openapi.ts)
    paths: Object.fromEntries(
      Object.entries({ ...paths, ...SMSC_BIND_PATHS }).sort(([a], [b]) => a.localeCompare(b)),
    ),
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <key>' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
      },
      schemas: { ...SCHEMAS, ...SMSC_BIND_SCHEMAS },
    },
  };
  return { document, undocumented };
}

export function buildOpenApiDocument(): Record<string, unknown> {
  return generateOpenApi().document;
}
