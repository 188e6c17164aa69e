/**
 * The console's only way to the gateway: the openapi-fetch client typed by the generated
 * OpenAPI types. Every request carries the session's key; a 401 anywhere ends the session.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './generated/api';
import { clearSession, type Scope } from './session';

export type Device = components['schemas']['Device'];
export type Job = components['schemas']['Job'];
export type Campaign = components['schemas']['Campaign'];
export type Operation = components['schemas']['Operation'];
export type Protocol = components['schemas']['Protocol'];
export type Parameter = components['schemas']['Parameter'];
export type Problem = components['schemas']['Problem'];
/** The query of GET /v1/devices (filters, exact search keys, paging), as the API declares it. */
export type DeviceQuery = NonNullable<paths['/v1/devices']['get']['parameters']['query']>;
export type { components };

let onUnauthorized: (message: string) => void = () => undefined;
export function whenUnauthorized(fn: (message: string) => void): void {
  onUnauthorized = fn;
}

export function makeClient(key: string) {
  const client = createClient<paths>({ baseUrl: location.origin });
  const auth: Middleware = {
    onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${key}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) {
        clearSession();
        onUnauthorized('The API key is no longer valid (expired or revoked). Enter a key again.');
      }
      return response;
    },
  };
  client.use(auth);
  return client;
}

export type Client = ReturnType<typeof makeClient>;

/** One line for an error body (problem details, or whatever came back). */
export function problemText(error: unknown): string {
  if (error && typeof error === 'object') {
    const p = error as Partial<Problem>;
    if (p.detail || p.title) return `${p.title ?? 'Error'}${p.detail ? `: ${p.detail}` : ''}`;
  }
  return typeof error === 'string' ? error : JSON.stringify(error);
}

/**
 * The key's scope, asked of the API without side effects: an admin key may list API keys; a
 * write key reaches the validation of a dry run (POST /v1/jobs/preview with an empty body → 400),
 * where a read key is refused for scope (403). A 401 is an invalid key.
 */
export async function probeScope(key: string): Promise<Scope | 'invalid'> {
  const client = createClient<paths>({
    baseUrl: location.origin,
    headers: { authorization: `Bearer ${key}` },
  });
  const read = await client.GET('/v1/devices', { params: { query: { limit: 1 } } });
  if (read.response.status === 401) return 'invalid';
  if (!read.response.ok) throw new Error(problemText(read.error));
  const admin = await client.GET('/v1/api-keys');
  if (admin.response.ok) return 'admin';
  const write = await client.POST('/v1/jobs/preview', { body: {} as never });
  return write.response.status === 403 ? 'read' : 'write';
}
