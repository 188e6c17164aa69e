import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem-details';

const IMPORT_PATH = '/v1/devices/import';

/**
 * The operator API's JSON body parser, installed while the application is being built so that it
 * replaces Nest's default one (Nest skips its parser when a middleware named `jsonParser` is
 * present). It differs in two ways: bulk import gets its body as a stream, unparsed, and a body
 * that is not JSON or too large is answered with problem details.
 */
@Injectable()
export class ImportBodyBypass {
  constructor(host: HttpAdapterHost) {
    const app = host.httpAdapter?.getInstance?.();
    const parse = express.json({ limit: process.env.API_JSON_LIMIT ?? '1mb' });
    const jsonParser = (req: Request, res: Response, next: NextFunction) => {
      if (req.method === 'POST' && req.path === IMPORT_PATH) return next();
      parse(req, res, (err?: unknown) => {
        if (!err || !req.path.startsWith('/v1/')) return next(err as Error);
        const p = toProblem(err, req.path);
        res.status(p.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(p));
      });
    };
    app?.use?.(jsonParser);
  }
}
