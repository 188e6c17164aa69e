import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Core, NotFoundError, scopeAllows } from '@dm-bridge/core';
import type { NextFunction, Request, Response } from 'express';
import { CORE } from '../orchestration/orchestration.tokens';
import { presentedKey } from './api-key.guard';
import { HttpProblem, PROBLEM_CONTENT_TYPE, toProblem } from './problem-details';

const JOB_PATH = /^\/v1\/jobs\/([A-Za-z0-9_-]{1,64})$/;

/**
 * `GET /v1/jobs/:id` is what clients poll; it is served by one Express middleware ahead of the
 * router (same key check, same view, same problem details as JobsController would give) because
 * Nest's per-request pipeline roughly halves its throughput.
 */
@Injectable()
export class JobReadFastPath {
  constructor(host: HttpAdapterHost, @Inject(CORE) core: Core) {
    const app = host.httpAdapter?.getInstance?.();
    app?.use?.((req: Request, res: Response, next: NextFunction) => {
      if (req.method !== 'GET') return next();
      const m = JOB_PATH.exec(req.path);
      if (!m) return next();
      void (async () => {
        const key = presentedKey(req);
        if (!key)
          throw new HttpProblem(
            401,
            'missing-api-key',
            'send an API key as "Authorization: Bearer <key>" or "X-Api-Key"',
          );
        const record = await core.apiKeys.verify(key);
        if (!record) throw new HttpProblem(401, 'invalid-api-key', 'the API key is not valid');
        if (!scopeAllows(record.scope, 'read'))
          throw new HttpProblem(403, 'insufficient-scope', `this needs the 'read' scope`);
        const job = await core.jobs.find(m[1]);
        if (!job) throw new NotFoundError('job', m[1]);
        const body = JSON.stringify(core.jobs.view(job));
        res.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      })().catch((err) => {
        const p = toProblem(err, req.path);
        res.status(p.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(p));
      });
    });
  }
}
