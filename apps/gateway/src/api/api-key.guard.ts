import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeyRecord, ApiScope, Core, scopeAllows } from '@dm-bridge/core';
import type { Request } from 'express';
import { CORE } from '../orchestration/orchestration.tokens';
import { HttpProblem } from './problem-details';

const SCOPE = 'dmb:scope';

/** The scope a handler needs; without it GET/HEAD need `read` and anything else `write`. */
export const RequireScope = (scope: ApiScope) => SetMetadata(SCOPE, scope);

export interface AuthedRequest extends Request {
  apiKey?: { id: string; scope: ApiScope };
}

/** The one route that takes `?api_key=` (browsers' EventSource cannot send headers). */
export const SSE_PATH = '/v1/events';

export function presentedKey(req: Request): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return header;
  // EventSource cannot send headers: the SSE route alone takes the key as a query parameter.
  if (req.path !== SSE_PATH) return undefined;
  const q = (req.query as Record<string, unknown> | undefined)?.api_key;
  return typeof q === 'string' ? q : undefined;
}

/** The key's record if it may do what needs `needed`; else the 401 or 403 problem. */
export async function authorize(
  core: Core,
  key: string | undefined,
  needed: ApiScope,
): Promise<ApiKeyRecord> {
  if (!key)
    throw new HttpProblem(
      401,
      'missing-api-key',
      'send an API key as "Authorization: Bearer <key>" or "X-Api-Key"',
    );
  const record = await core.apiKeys.verify(key);
  if (!record) throw new HttpProblem(401, 'invalid-api-key', 'the API key is not valid');
  if (!scopeAllows(record.scope, needed))
    throw new HttpProblem(
      403,
      'insufficient-scope',
      `this needs the '${needed}' scope; the key has '${record.scope}'`,
    );
  return record;
}

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    @Inject(CORE) private readonly core: Core,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const needed =
      this.reflector.getAllAndOverride<ApiScope>(SCOPE, [
        context.getHandler(),
        context.getClass(),
      ]) ?? (req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write');
    const record = await authorize(this.core, presentedKey(req), needed);
    req.apiKey = { id: record.id, scope: record.scope };
    return true;
  }
}
