/**
 * The OpenAPI 3.1 paths and schemas of `/v1/smsc-binds` (SmscBindsController), kept apart so they
 * can move as one block into whatever builds the document.
 */
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

function op(
  operationId: string,
  summary: string,
  scope: string,
  ok: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return {
    operationId,
    summary,
    description: `Scope: ${scope}. The password is never returned.`,
    tags: ['smsc-binds'],
    security: [{ apiKey: [] }, { bearer: [] }],
    ...extra,
    responses: {
      ...ok,
      '400': problem('Invalid request: unknown fields or query parameters are named'),
      '401': problem('Missing or invalid API key'),
      '403': problem('The key lacks the needed scope'),
      ...((extra.responses as object) ?? {}),
    },
  };
}

const counters = {
  type: 'object',
  description: 'Summed over every owner since the bind was created (updated about every second)',
  properties: Object.fromEntries(
    [
      'submitted',
      'acknowledged',
      'throttled',
      'temporaryErrors',
      'permanentErrors',
      'genericNacks',
      'resubmitted',
      'receipts',
      'reconnects',
    ].map((k) => [k, { type: 'integer', minimum: 0 }]),
  ),
};

export const SMSC_BIND_SCHEMAS = {
  SmscBindInput: {
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      id: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'or ?id= in url' },
      url: {
        type: 'string',
        description:
          'SMSC URL as in SMPP_BINDS: smpp://system_id[:password]@host:port?window=…&rate=…',
      },
      password: { type: 'string', writeOnly: true, description: 'instead of in the URL' },
      paused: { type: 'boolean', default: false },
    },
  },
  SmscBindPatch: {
    type: 'object',
    additionalProperties: false,
    properties: {
      url: { type: 'string', description: 'replaces every setting; without password keeps it' },
      password: { type: 'string', writeOnly: true },
      paused: { type: 'boolean' },
    },
  },
  SmscBind: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      url: { type: 'string', description: 'the settings as a URL, password shown as ********' },
      systemId: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'integer' },
      mode: { type: 'string', enum: ['transceiver', 'transmitter', 'transmitter-receiver'] },
      window: { type: 'integer' },
      rate: { type: 'number', description: 'msg/s, 0 = no limit' },
      paused: { type: 'boolean' },
      origin: { type: 'string', enum: ['env', 'api'] },
      createdAt: { type: 'string', format: 'date-time' },
      updatedAt: { type: 'string', format: 'date-time' },
      status: {
        type: 'object',
        properties: {
          state: {
            type: 'string',
            description: 'paused, unowned, or the owner connection state (bound, connecting, …)',
          },
          bound: { type: 'boolean' },
          owner: { type: ['string', 'null'], description: 'host:pid of the owning process' },
          window: {
            type: 'object',
            properties: { size: { type: 'integer' }, inUse: { type: 'integer' } },
          },
          waitingInBind: { type: 'integer' },
          backlog: {
            type: 'object',
            properties: {
              waiting: { type: 'integer' },
              delayed: { type: 'integer' },
              active: { type: 'integer' },
            },
          },
          rate: {
            type: 'object',
            properties: { limit: { type: 'number' }, guardMs: { type: ['integer', 'null'] } },
          },
          throttledSince: { type: ['string', 'null'], format: 'date-time' },
          lastError: {
            type: ['object', 'null'],
            properties: {
              message: { type: 'string' },
              at: { type: 'string', format: 'date-time' },
            },
          },
          counters,
          reportedAt: { type: ['string', 'null'], format: 'date-time' },
        },
      },
    },
  },
};

const bind = { description: 'The bind with its live status', ...json(ref('SmscBind')) };
const notFound = { '404': problem('No such bind') };

export const SMSC_BIND_PATHS = {
  '/v1/smsc-binds': {
    get: op('listSmscBinds', 'SMSC binds with live status', 'read', {
      '200': {
        description: 'Every bind',
        ...json({
          type: 'object',
          properties: { items: { type: 'array', items: ref('SmscBind') } },
        }),
      },
    }),
    post: op(
      'createSmscBind',
      'Add an SMSC bind; every worker process applies it within seconds',
      'admin',
      { '201': bind },
      {
        requestBody: { required: true, ...json(ref('SmscBindInput')) },
        responses: { '409': problem('A bind of that id exists') },
      },
    ),
  },
  '/v1/smsc-binds/{id}': {
    parameters: [id],
    get: op(
      'getSmscBind',
      'One SMSC bind with live status',
      'read',
      { '200': bind },
      {
        responses: notFound,
      },
    ),
    patch: op(
      'updateSmscBind',
      'Change settings, password or paused; the owner rebinds with the new settings',
      'admin',
      { '200': bind },
      { requestBody: { required: true, ...json(ref('SmscBindPatch')) }, responses: notFound },
    ),
    delete: op(
      'deleteSmscBind',
      'Remove a bind (409 while SMS are queued on it, unless ?force=true)',
      'admin',
      { '204': { description: 'Removed' } },
      {
        parameters: [{ name: 'force', in: 'query', schema: { type: 'boolean' } }],
        responses: { ...notFound, '409': problem('SMS still queued on the bind') },
      },
    ),
  },
  '/v1/smsc-binds/{id}/pause': {
    parameters: [id],
    post: op(
      'pauseSmscBind',
      'Stop sending and unbind (queued SMS wait)',
      'write',
      {
        '200': bind,
      },
      { responses: notFound },
    ),
  },
  '/v1/smsc-binds/{id}/resume': {
    parameters: [id],
    post: op(
      'resumeSmscBind',
      'Bind again and send what waits',
      'write',
      { '200': bind },
      {
        responses: notFound,
      },
    ),
  },
};
