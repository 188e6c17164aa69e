import { HttpException } from '@nestjs/common';
import { CoreError } from '@dm-bridge/core';

/** An RFC 9457 problem details object. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const STATUS_OF_KIND: Record<CoreError['kind'], number> = {
  validation: 400,
  'not-found': 404,
  conflict: 409,
  unsupported: 422,
  forbidden: 403,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
};

/** Raised by API handlers for HTTP-only conditions (auth, body size, media type). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function problem(
  status: number,
  code: string,
  detail?: string,
  extensions: Record<string, unknown> = {},
): ProblemDetails {
  return {
    type: `urn:dm-bridge:problem:${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...extensions,
  };
}

/** Maps any thrown value to a problem; unknown errors become a 500 without internals. */
export function toProblem(err: unknown, instance?: string): ProblemDetails {
  let p: ProblemDetails;
  if (err instanceof CoreError)
    p = problem(STATUS_OF_KIND[err.kind], err.code, err.message, err.details ?? {});
  else if (err instanceof HttpProblem)
    p = problem(err.status, err.code, err.message, err.extensions);
  else if (err instanceof HttpException) {
    const status = err.getStatus();
    const body = err.getResponse();
    const detail =
      typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? err.message);
    p = problem(
      status,
      status === 404 ? 'route-not-found' : `http-${status}`,
      Array.isArray(detail) ? detail.join('; ') : String(detail),
    );
  } else {
    const e = err as { type?: string; status?: number; statusCode?: number; message?: string };
    // body-parser errors carry a status and a type
    if (e?.type === 'entity.parse.failed')
      p = problem(400, 'invalid-json', 'request body is not valid JSON');
    else if (e?.type === 'entity.too.large')
      p = problem(413, 'body-too-large', 'request body is too large');
    else if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported')
      p = problem(415, 'unsupported-encoding', String(e.message));
    else p = problem(500, 'internal-error', 'internal error');
  }
  if (instance) p.instance = instance;
  return p;
}
