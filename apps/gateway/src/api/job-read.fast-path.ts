import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Core, NotFoundError } from '@dm-bridge/core';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { CORE } from '../orchestration/orchestration.tokens';
import type { Request } from 'express';
import { MetricsRegistry } from '../orchestration/metrics.registry';
import { authorize, presentedKey } from './api-key.guard';
import { observeRequest } from './http-edges';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem-details';
import { WWW_AUTHENTICATE } from './problem-details.filter';

const JOB_PATH = /^\/v1\/jobs\/([A-Za-z0-9_-]{1,64})$/;

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    ...(status === 401 ? { 'www-authenticate': WWW_AUTHENTICATE } : {}),
  });
  res.end(body);
}

/**
 * `GET /v1/jobs/:id` is what clients poll. It is answered straight from the HTTP server's request
 * event, ahead of Express and Nest (same key check, same view, same problem details as
 * JobsController), because their per-request work costs more than the read itself. Anything
 * else, including this path with a query string, goes on to Express unchanged.
 */
@Injectable()
export class JobReadFastPath implements OnApplicationBootstrap {
  constructor(
    private readonly host: HttpAdapterHost,
    @Inject(CORE) private readonly core: Core,
    private readonly metrics: MetricsRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.host.httpAdapter?.getHttpServer?.() as Server | undefined;
    if (!server) return;
    const rest = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const m = req.method === 'GET' ? JOB_PATH.exec(req.url ?? '') : null;
      if (m) return void this.answer(req, res, m[1]);
      for (const listener of rest) listener.call(server, req, res);
    });
  }

  private async answer(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const started = performance.now();
    try {
      // presentedKey's query fallback never applies: requests with a query go on to Express
      await authorize(this.core, presentedKey(req as Request), 'read');
      const job = await this.core.jobs.find(id);
      if (!job) throw new NotFoundError('job', id);
      send(res, 200, 'application/json; charset=utf-8', JSON.stringify(this.core.jobs.view(job)));
    } catch (err) {
      const p = toProblem(err, req.url);
      send(res, p.status, `${PROBLEM_CONTENT_TYPE}; charset=utf-8`, JSON.stringify(p));
    }
    observeRequest(this.metrics, 'GET', '/v1/jobs/:id', res.statusCode, started);
  }
}
