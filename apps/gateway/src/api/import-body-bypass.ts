import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { HttpEdges } from './http-edges';
import { sendProblem } from './problem-details.filter';

const IMPORT_PATH = '/v1/devices/import';

/** Media types of YAML bodies, accepted by the catalog writes (parsed there by core). */
export const YAML_MEDIA_TYPES = ['application/yaml', 'text/yaml', 'application/x-yaml'];
const YAML_PATHS = /^\/v1\/(parameters|profiles|catalog)(\/|$)/;

/**
 * The operator API's JSON body parser, installed while the application is being built so that it
 * replaces Nest's default one (Nest skips its parser when a middleware named `jsonParser` is
 * present). It differs in three ways: bulk import gets its body as a stream, unparsed; the
 * catalog writes also take YAML bodies, as text (same size limit); and a body that is not JSON or
 * too large is answered with problem details.
 */
@Injectable()
export class ImportBodyBypass {
  // HttpEdges is injected so that its middleware is installed first.
  constructor(host: HttpAdapterHost, _edges: HttpEdges) {
    const app = host.httpAdapter?.getInstance?.();
    const limit = process.env.API_JSON_LIMIT ?? '1mb';
    const parseJson = express.json({ limit });
    const parseYaml = express.text({ type: YAML_MEDIA_TYPES, limit });
    const jsonParser = (req: Request, res: Response, next: NextFunction) => {
      if (req.method === 'POST' && req.path === IMPORT_PATH) return next();
      const done = (err?: unknown) => {
        if (!err || !req.path.startsWith('/v1/')) return next(err as Error);
        sendProblem(req, res, err);
      };
      parseJson(req, res, (err?: unknown) => {
        if (err || !YAML_PATHS.test(req.path)) return done(err);
        parseYaml(req, res, done);
      });
    };
    app?.use?.(jsonParser);
  }
}
