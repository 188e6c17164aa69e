import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CONTROL_CHARS } from '@dm-bridge/core';
import type { NextFunction, Request, Response } from 'express';
import { MetricsRegistry } from '../orchestration/metrics.registry';
import { sendProblem } from './problem-details.filter';
import { HttpProblem } from './problem-details';

/** Media types each body-taking /v1 route accepts (the first match wins). */
const BODY_TYPES: [RegExp, string[]][] = [
  [/^\/v1\/devices\/import$/, ['application/json', 'text/csv']],
  [
    /^\/v1\/(parameters|profiles|catalog)(\/|$)/,
    ['application/json', 'application/yaml', 'text/yaml', 'application/x-yaml'],
  ],
  [/^\/v1\//, ['application/json']],
];

/** The route template that answered (`/v1/devices/:id`), never the raw path (unbounded labels). */
function routeOf(req: Request): string {
  const route = (req as Request & { route?: { path?: unknown } }).route?.path;
  return typeof route === 'string' ? `${req.baseUrl ?? ''}${route}` : 'unmatched';
}

/** Counts one operator API request in dmb_http_request_duration_seconds. */
export function observeRequest(
  metrics: MetricsRegistry,
  method: string,
  route: string,
  status: number,
  startedMs: number,
): void {
  metrics.observe('dmb_http_request_duration_seconds', (performance.now() - startedMs) / 1000, {
    method,
    route,
    status: String(status),
  });
}

function hasBody(req: Request): boolean {
  const len = req.headers['content-length'];
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * The operator API's outer edge, ahead of body parsing, authentication and routing: every
 * answer under /v1 that does not come from a handler is still problem details. It refuses a path
 * with bad percent-encoding or control characters (400) and a body of a media type the route
 * does not take (415), and switches off Express's `X-Powered-By`.
 */
@Injectable()
export class HttpEdges {
  constructor(host: HttpAdapterHost, metrics: MetricsRegistry) {
    const app = host.httpAdapter?.getInstance?.();
    app?.disable?.('x-powered-by');
    app?.use?.((req: Request, res: Response, next: NextFunction) => {
      const started = performance.now();
      res.once('finish', () =>
        observeRequest(metrics, req.method, routeOf(req), res.statusCode, started),
      );
      const path = req.path;
      if (path !== '/v1' && !path.startsWith('/v1/')) return next();
      let decoded: string;
      try {
        decoded = decodeURIComponent(path);
      } catch {
        return sendProblem(
          req,
          res,
          new HttpProblem(400, 'invalid-path', 'the path has invalid percent-encoding'),
        );
      }
      if (CONTROL_CHARS.test(decoded))
        return sendProblem(
          req,
          res,
          new HttpProblem(400, 'invalid-path', 'the path holds control characters'),
        );
      if (['POST', 'PUT', 'PATCH'].includes(req.method) && hasBody(req)) {
        const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        const accepted = BODY_TYPES.find(([re]) => re.test(path))![1];
        if (!accepted.includes(type)) {
          res.setHeader(
            req.method === 'PATCH' ? 'Accept-Patch' : 'Accept-Post',
            accepted.join(', '),
          );
          return sendProblem(
            req,
            res,
            new HttpProblem(
              415,
              'unsupported-media-type',
              `${type ? `'${type.slice(0, 100)}' is not accepted here` : 'the body has no Content-Type'}; send ${accepted.join(' or ')}`,
              { accepted },
            ),
          );
        }
      }
      next();
    });
  }
}
