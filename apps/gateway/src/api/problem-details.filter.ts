import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem-details';

/** Every error of the operator API leaves as RFC 9457 problem details. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly log = new Logger('Api');

  catch(err: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const p = toProblem(err, req.originalUrl?.split('?')[0]);
    if (p.status >= 500)
      this.log.error(`${req.method} ${req.originalUrl}: ${(err as Error)?.stack ?? err}`);
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(p.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(p));
  }
}
