import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem-details';

const log = new Logger('Api');

/** Sends any thrown value as problem details (a 401 with its WWW-Authenticate challenge). */
export function sendProblem(req: Request, res: Response, err: unknown): void {
  const p = toProblem(err, req.originalUrl?.split('?')[0]);
  if (p.status >= 500) log.error(`${req.method} ${req.path}: ${(err as Error)?.stack ?? err}`);
  if (res.headersSent) {
    res.end();
    return;
  }
  if (p.status === 401) res.setHeader('WWW-Authenticate', WWW_AUTHENTICATE);
  res.status(p.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(p));
}

export const WWW_AUTHENTICATE = 'Bearer realm="dm-bridge"';

/** Every error of the operator API leaves as RFC 9457 problem details. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(err: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    sendProblem(ctx.getRequest<Request>(), ctx.getResponse<Response>(), err);
  }
}
