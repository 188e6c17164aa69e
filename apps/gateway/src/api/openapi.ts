/**
 * The operator API's OpenAPI 3.1 document, written by hand: the API takes plain JSON validated by
 * core, so there are no DTO classes to derive it from, and a hand-written document says exactly
 * what the handlers do.
 */
import { CAMPAIGN_STATES, JOB_STATES, OPERATION_KINDS, PROTOCOLS } from '@dm-bridge/core';
import { SMSC_BIND_PATHS, SMSC_BIND_SCHEMAS } from './smsc-binds.openapi';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
/** Catalog writes take JSON or YAML (application/yaml, text/yaml, application/x-yaml). */
const jsonOrYaml = (schema: object) => ({
  content: {
    'application/json': { schema },
    'application/yaml': { schema },
    'text/yaml': { schema },
    'application/x-yaml': { schema },
  },
});
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const errors = {
  '400': problem('Invalid request (problem details)'),
  '401': problem('Missing or invalid API key'),
  '403': problem('The key lacks the needed scope'),
};
const withId = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const page = (item: string) => ({
  type: 'object',
  properties: { items: { type: 'array', items: ref(item) }, nextCursor: { type: 'string' } },
});
const listParams = [
  {
    name: 'limit',
    in: 'query',
    schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
  {
    name: 'cursor',
    in: 'query',
    schema: { type: 'string' },
    description: 'nextCursor of the previous page',
  },
];

function op(summary: string, extra: Record<string, unknown> = {}, scope = 'read') {
  return {
    summary,
    description: `Scope: ${scope}.`,
    security: [{ apiKey: [] }, { bearer: [] }],
    ...extra,
    responses: { ...errors, ...(extra.responses as object) },
  };
}

export function buildOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'dm-bridge operator API',
      version: '1',
      description:
        'One API for a mixed fleet: Workpoint (OpenStage/OpenScape desk phones), OMA DM 1.2 handsets and OMA CP. Errors are RFC 9457 problem details. Send an API key as `Authorization: Bearer <key>` or `X-Api-Key`.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        bearer: { type: 'http', scheme: 'bearer' },
      },
      schemas: {
        ...SMSC_BIND_SCHEMAS,
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            code: { type: 'string' },
          },
        },
        Protocol: { type: 'string', enum: [...PROTOCOLS] },
        Addressing: {
          type: 'object',
          description:
            'Workpoint: ip, port, mac. OMA DM: msisdn (E.164 after normalisation), devId, serverId, authScheme. OMA CP: msisdn, imsi, pinPolicy.',
          properties: {
            msisdn: { type: 'string' },
            mac: { type: 'string' },
            ip: { type: 'string' },
            port: { type: 'integer' },
            devId: { type: 'string' },
            serverId: { type: 'string' },
            imsi: { type: 'string' },
            authScheme: { type: 'string', enum: ['basic', 'md5', 'hmac'] },
            pinPolicy: {
              type: 'string',
              enum: ['netwpin', 'userpin', 'usernetwpin', 'userpinmac'],
            },
            bind: { type: 'string' },
          },
        },
        DeviceInput: {
          type: 'object',
          required: ['protocol', 'addressing'],
          properties: {
            id: { type: 'string' },
            protocol: ref('Protocol'),
            addressing: ref('Addressing'),
            credentials: {
              type: 'object',
              description:
                'clientUsername, clientPassword, serverPassword, clientNonce, serverNonce, userPin, username, password. Secrets are write-only.',
              additionalProperties: { type: 'string' },
            },
            profile: { type: 'string' },
            model: { type: 'string' },
            tags: { type: 'array', items: { type: 'string' } },
            desired: {
              type: 'object',
              description: 'Desired parameter values (catalog names or raw paths)',
              additionalProperties: true,
            },
          },
        },
        Device: {
          allOf: [ref('DeviceInput')],
          properties: {
            lastContact: { type: 'string', format: 'date-time' },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
            inventory: { type: 'object' },
          },
        },
        Operation: {
          type: 'object',
          required: ['op'],
          properties: {
            op: {
              type: 'string',
              enum: [...OPERATION_KINDS],
            },
            path: {
              type: 'string',
              description:
                'A catalog name (sip.registrar) or a raw path (workpoint:reg-addr, omadm:./DevDetail/SwV, omacp:NAPDEF/NAP-ADDRESS)',
            },
            value: {},
            args: { type: 'object' },
          },
        },
        JobInput: {
          type: 'object',
          required: ['deviceId', 'operations'],
          properties: {
            deviceId: { type: 'string' },
            operations: { type: 'array', items: ref('Operation') },
            deadlineSeconds: { type: 'number' },
          },
        },
        Job: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            deviceId: { type: 'string' },
            protocol: ref('Protocol'),
            state: {
              type: 'string',
              enum: [...JOB_STATES],
            },
            operations: { type: 'array', items: ref('Operation') },
            results: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  status: { type: 'string', enum: ['ok', 'failed', 'skipped'] },
                  value: { type: 'string' },
                  code: {},
                  message: { type: 'string' },
                },
              },
            },
            attempts: { type: 'array', items: { type: 'object' } },
            faults: { type: 'array', items: { type: 'object' } },
            createdAt: { type: 'string' },
            updatedAt: { type: 'string' },
            deadline: { type: 'string' },
            nextStepAt: {
              type: 'string',
              description:
                'when the job is next looked at (wake-up, re-check of a session or receipts, expiry); absent once terminal',
            },
            lastError: {
              type: 'object',
              description: 'why the last wake-up did not go out, while the job retries',
              properties: { at: { type: 'string' }, message: { type: 'string' } },
            },
            campaignId: { type: 'string' },
          },
        },
        CampaignInput: {
          type: 'object',
          required: ['selection', 'operations'],
          properties: {
            name: { type: 'string' },
            selection: {
              type: 'object',
              properties: {
                deviceIds: { type: 'array', items: { type: 'string' } },
                tag: { type: 'string' },
                protocol: ref('Protocol'),
                profile: { type: 'string' },
                model: { type: 'string' },
                all: { type: 'boolean' },
              },
            },
            operations: { type: 'array', items: ref('Operation') },
            ratePerSecond: { type: 'number', default: 100 },
            failureThreshold: {
              type: 'object',
              properties: { ratio: { type: 'number' }, minSample: { type: 'integer' } },
            },
            deadlineSeconds: { type: 'number' },
          },
        },
        Parameter: {
          type: 'object',
          required: ['name', 'type', 'bindings'],
          properties: {
            name: { type: 'string', pattern: '^[a-z][a-z0-9._-]*$' },
            type: { type: 'string', enum: ['string', 'int', 'bool', 'url', 'host', 'enum'] },
            description: { type: 'string' },
            enum: { type: 'array', items: { type: 'string' } },
            min: { type: 'number' },
            max: { type: 'number' },
            maxLength: { type: 'number' },
            secret: { type: 'boolean' },
            readOnly: { type: 'boolean' },
            bindings: {
              type: 'object',
              description: 'Default binding per protocol (Workpoint item, DM node URI, CP path)',
              additionalProperties: { type: 'string' },
            },
          },
        },
        Profile: {
          type: 'object',
          required: ['id', 'protocol'],
          properties: {
            id: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
            protocol: ref('Protocol'),
            description: { type: 'string' },
            models: { type: 'array', items: { type: 'string' } },
            bindings: {
              type: 'object',
              description: 'Per-parameter binding overrides',
              additionalProperties: { type: 'string' },
            },
            desired: { type: 'object', additionalProperties: true },
          },
        },
        CatalogFile: {
          type: 'object',
          additionalProperties: false,
          properties: {
            parameters: { type: 'array', items: ref('Parameter') },
            profiles: { type: 'array', items: ref('Profile') },
          },
        },
        Campaign: {
          allOf: [ref('CampaignInput')],
          properties: {
            id: { type: 'string' },
            state: {
              type: 'string',
              enum: [...CAMPAIGN_STATES],
            },
            progress: { type: 'object' },
            stopReason: { type: 'string' },
          },
        },
      },
    },
    paths: {
      ...SMSC_BIND_PATHS,
      '/v1/devices': {
        post: op(
          'Create a device',
          {
            requestBody: json(ref('DeviceInput')),
            responses: {
              '201': { description: 'Created', ...json(ref('Device')) },
              '409': problem('Id or address taken'),
            },
          },
          'write',
        ),
        get: op('List devices', {
          parameters: [
            ...listParams,
            ...['protocol', 'tag', 'profile', 'model'].map((n) => ({
              name: n,
              in: 'query',
              schema: { type: 'string' },
            })),
          ],
          responses: { '200': { description: 'A page', ...json(page('Device')) } },
        }),
      },
      '/v1/devices/import': {
        post: op(
          'Bulk import (streamed): a JSON array or CSV with a header row',
          {
            requestBody: {
              content: {
                'application/json': { schema: { type: 'array', items: ref('DeviceInput') } },
                'text/csv': { schema: { type: 'string' } },
              },
            },
            responses: {
              '200': {
                description: 'Per-row outcome counts and the first 1000 errors',
                ...json({ type: 'object' }),
              },
              '413': problem('Too many rows or bytes'),
              '415': problem('Unsupported media type'),
            },
          },
          'write',
        ),
      },
      '/v1/devices/{id}': {
        parameters: [withId('id')],
        get: op('Get a device', {
          parameters: [
            { name: 'include', in: 'query', schema: { type: 'string', enum: ['inventory'] } },
          ],
          responses: {
            '200': { description: 'The device', ...json(ref('Device')) },
            '404': problem('No such device'),
          },
        }),
        patch: op(
          'Update a device (partial)',
          {
            requestBody: json(ref('DeviceInput')),
            responses: { '200': { description: 'Updated', ...json(ref('Device')) } },
          },
          'write',
        ),
        delete: op(
          'Delete a device',
          { responses: { '204': { description: 'Deleted' } } },
          'write',
        ),
      },
      '/v1/devices/{id}/inventory': {
        parameters: [withId('id')],
        get: op('Last values read from the device', {
          responses: { '200': { description: 'path → value', ...json({ type: 'object' }) } },
        }),
      },
      '/v1/devices/{id}/tags': {
        parameters: [withId('id')],
        put: op(
          'Replace tags',
          {
            requestBody: json({
              type: 'object',
              properties: { tags: { type: 'array', items: { type: 'string' } } },
            }),
            responses: { '200': { description: 'Device' } },
          },
          'write',
        ),
        post: op(
          'Add/remove tags',
          {
            requestBody: json({
              type: 'object',
              properties: {
                add: { type: 'array', items: { type: 'string' } },
                remove: { type: 'array', items: { type: 'string' } },
              },
            }),
            responses: { '200': { description: 'Device' } },
          },
          'write',
        ),
      },
      '/v1/jobs': {
        post: op(
          'Create a job',
          {
            parameters: [
              {
                name: 'wait',
                in: 'query',
                schema: { type: 'number' },
                description:
                  'Seconds to wait for the job to finish: 200 with results if it did, else 202 with the job',
              },
              {
                name: 'Idempotency-Key',
                in: 'header',
                schema: { type: 'string' },
                description:
                  'Retried requests with the same key return the first job (Idempotent-Replayed: true)',
              },
            ],
            requestBody: json(ref('JobInput')),
            responses: {
              '200': { description: 'Finished within wait', ...json(ref('Job')) },
              '202': { description: 'Accepted', ...json(ref('Job')) },
              '404': problem('Unknown device'),
              '409': problem('Idempotency key reused for another request'),
            },
          },
          'write',
        ),
        get: op('List jobs, newest first', {
          parameters: [
            ...listParams,
            ...['deviceId', 'campaignId', 'state'].map((n) => ({
              name: n,
              in: 'query',
              schema: { type: 'string' },
            })),
          ],
          responses: { '200': { description: 'A page', ...json(page('Job')) } },
        }),
      },
      '/v1/jobs/preview': {
        post: op(
          'Dry run: what would be sent (secrets masked unless an admin asks reveal=true)',
          {
            parameters: [{ name: 'reveal', in: 'query', schema: { type: 'boolean' } }],
            requestBody: json(ref('JobInput')),
            responses: { '200': { description: 'Preview' } },
          },
          'write',
        ),
      },
      '/v1/jobs/{id}': {
        parameters: [withId('id')],
        get: op('Get a job', {
          responses: {
            '200': { description: 'The job', ...json(ref('Job')) },
            '404': problem('No such job'),
          },
        }),
      },
      '/v1/jobs/{id}/cancel': {
        parameters: [withId('id')],
        post: op(
          'Cancel a job that is not in session',
          {
            responses: {
              '200': { description: 'Cancelled', ...json(ref('Job')) },
              '409': problem('Job already finished or in session'),
            },
          },
          'write',
        ),
      },
      '/v1/jobs/{id}/retry': {
        parameters: [withId('id')],
        post: op(
          'Run a finished job again as a new job',
          { responses: { '202': { description: 'The new job', ...json(ref('Job')) } } },
          'write',
        ),
      },
      '/v1/campaigns': {
        post: op(
          'Create and start a campaign',
          {
            requestBody: json(ref('CampaignInput')),
            responses: { '201': { description: 'Created', ...json(ref('Campaign')) } },
          },
          'write',
        ),
        get: op('List campaigns', {
          parameters: listParams,
          responses: { '200': { description: 'A page', ...json(page('Campaign')) } },
        }),
      },
      '/v1/campaigns/{id}': {
        parameters: [withId('id')],
        get: op('Campaign with progress counts', {
          responses: { '200': { description: 'Campaign', ...json(ref('Campaign')) } },
        }),
      },
      ...Object.fromEntries(
        ['pause', 'resume', 'cancel'].map((a) => [
          `/v1/campaigns/{id}/${a}`,
          {
            parameters: [withId('id')],
            post: op(
              `${a[0].toUpperCase()}${a.slice(1)} a campaign`,
              {
                responses: {
                  '200': { description: 'Campaign', ...json(ref('Campaign')) },
                  '409': problem('Not allowed in this state'),
                },
              },
              'write',
            ),
          },
        ]),
      ),
      '/v1/parameters': {
        get: op('Parameter catalog'),
        post: op(
          'Add a parameter definition (JSON or YAML)',
          {
            requestBody: jsonOrYaml(ref('Parameter')),
            responses: { '201': { description: 'Created', ...json(ref('Parameter')) } },
          },
          'write',
        ),
      },
      '/v1/parameters/{name}': {
        parameters: [withId('name')],
        get: op('One parameter', {
          responses: { '200': { description: 'The parameter', ...json(ref('Parameter')) } },
        }),
        put: op(
          'Create or replace a parameter (JSON or YAML)',
          {
            requestBody: jsonOrYaml(ref('Parameter')),
            responses: { '200': { description: 'Saved', ...json(ref('Parameter')) } },
          },
          'write',
        ),
      },
      '/v1/profiles': {
        get: op('Profiles'),
        post: op(
          'Add a profile (JSON or YAML)',
          {
            requestBody: jsonOrYaml(ref('Profile')),
            responses: { '201': { description: 'Created', ...json(ref('Profile')) } },
          },
          'write',
        ),
      },
      '/v1/profiles/{id}': {
        parameters: [withId('id')],
        get: op('One profile', {
          responses: { '200': { description: 'The profile', ...json(ref('Profile')) } },
        }),
        put: op(
          'Create or replace a profile (JSON or YAML)',
          {
            requestBody: jsonOrYaml(ref('Profile')),
            responses: { '200': { description: 'Saved', ...json(ref('Profile')) } },
          },
          'write',
        ),
      },
      '/v1/catalog': {
        post: op(
          'Upsert a whole catalog file (parameters and profiles, JSON or YAML); nothing is written unless every entry is valid',
          {
            requestBody: jsonOrYaml(ref('CatalogFile')),
            responses: {
              '200': {
                description: 'How many entries were saved',
                ...json({
                  type: 'object',
                  properties: {
                    parameters: { type: 'integer' },
                    profiles: { type: 'integer' },
                  },
                }),
              },
            },
          },
          'write',
        ),
      },
      '/v1/events': {
        get: op(
          'Server-Sent Events: job.state, device.contact, device.alert, sms.receipt, campaign.state',
          {
            parameters: [{ name: 'types', in: 'query', schema: { type: 'string' } }],
            responses: { '200': { description: 'text/event-stream' } },
          },
        ),
      },
      '/v1/webhooks': {
        get: op('Webhook subscriptions', {}, 'admin'),
        post: op(
          'Subscribe (url, secret ≥ 16 chars, events[]); deliveries carry X-Dmb-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">',
          {},
          'admin',
        ),
      },
      '/v1/webhooks/{id}': { parameters: [withId('id')], delete: op('Unsubscribe', {}, 'admin') },
      '/v1/webhook-dead-letters': { get: op('Deliveries that failed every retry', {}, 'admin') },
      '/v1/webhook-dead-letters/{id}/replay': {
        parameters: [withId('id')],
        post: op('Deliver a dead letter again', {}, 'admin'),
      },
      '/v1/api-keys': {
        get: op('API keys (hashes are never shown)', {}, 'admin'),
        post: op('Create a key (name, scope read|write|admin); the key is shown once', {}, 'admin'),
      },
      '/v1/api-keys/{id}': { parameters: [withId('id')], delete: op('Revoke a key', {}, 'admin') },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics (no key)',
          responses: { '200': { description: 'text/plain' } },
        },
      },
    },
  };
}
