/**
 * Schemas of the operator API's bodies and answers. Input schemas are strict (unknown fields are
 * refused, naming them) and validate every request (see request-schema.interceptor.ts); all of
 * them are the `components.schemas` of the OpenAPI document.
 */
import {
  ADDRESS_HOST,
  ADDRESS_TOKEN,
  API_SCOPES,
  CAMPAIGN_STATES,
  CORE_EVENT_TYPES,
  JOB_STATES,
  OPERATION_KINDS,
  PROTOCOLS,
  SECRET_CREDENTIAL_FIELDS,
} from '@dm-bridge/core';
import type { Schema } from './json-schema';

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

const ID_PATTERN = '^[A-Za-z0-9._:-]{1,64}$';
/** Free text: no control characters (they would reach logs and Redis keys). */
const text = (maxLength: number, description?: string): Schema => ({
  type: 'string',
  maxLength,
  pattern: '^[^\\u0000-\\u001F\\u007F]*$',
  ...(description ? { description } : {}),
});
const id = (description = 'an id: 1 to 64 letters, digits, dot, dash, colon or underscore') => ({
  type: 'string' as const,
  pattern: ID_PATTERN,
  description,
});
const token: Schema = {
  type: ['string', 'null'],
  pattern: ADDRESS_TOKEN.source,
  description: 'printable ASCII without spaces (at most 128 characters)',
};
const nullable = (s: Schema): Schema => ({ ...s, type: [s.type as 'string', 'null'] });
const dateTime: Schema = { type: 'string', format: 'date-time', readOnly: true };

const CREDENTIALS = [
  'clientUsername',
  'clientNonce',
  'serverNonce',
  'username',
  'clientCertFingerprint',
  ...SECRET_CREDENTIAL_FIELDS,
];

/** Job counts by job state (a state without jobs is left out). */
const countsByState: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(JOB_STATES.map((s) => [s, { type: 'integer' }])),
};

const protocolProgress: Schema = {
  type: 'object',
  required: ['jobs', 'done', 'byState'],
  properties: {
    jobs: { type: 'integer', description: 'jobs created' },
    done: { type: 'integer', description: 'jobs in a final state' },
    byState: countsByState,
  },
};

export const SCHEMAS: Record<string, Schema> = {
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details',
    required: ['type', 'title', 'status', 'code'],
    properties: {
      type: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      instance: { type: 'string' },
      code: { type: 'string', description: 'stable machine-readable reason' },
      fields: {
        type: 'array',
        items: { type: 'string' },
        description: 'the unknown fields or parameters, when that is the problem',
      },
    },
  },
  Protocol: { type: 'string', enum: [...PROTOCOLS] },
  Addressing: {
    type: 'object',
    additionalProperties: false,
    description:
      'Workpoint: ip, port, mac. OMA DM: msisdn (E.164 after normalisation), devId, serverId, authScheme (both directions), clientAuth and serverAuth (one direction each, win over authScheme). OMA CP: msisdn, imsi, pinPolicy. bind: the SMSC bind for SMS.',
    properties: {
      msisdn: nullable(text(32, 'an E.164 number (national with DEFAULT_COUNTRY_CODE)')),
      mac: nullable(text(32, 'a MAC address in any common notation')),
      ip: { type: ['string', 'null'], pattern: ADDRESS_HOST.source, description: 'IP or host' },
      port: { type: ['integer', 'string', 'null'], description: '1..65535' },
      devId: token,
      serverId: token,
      imsi: { type: ['string', 'null'], pattern: '^\\d{6,15}$', description: '6 to 15 digits' },
      authScheme: {
        type: ['string', 'null'],
        enum: ['basic', 'md5', 'hmac', null],
        description:
          'OMA DM: the scheme of both directions, unless clientAuth/serverAuth say otherwise',
      },
      clientAuth: {
        type: ['string', 'null'],
        enum: ['basic', 'md5', 'hmac', null],
        description: 'OMA DM: how the device authenticates to the gateway (wins over authScheme)',
      },
      serverAuth: {
        type: ['string', 'null'],
        enum: ['none', 'basic', 'md5', 'hmac', null],
        description: 'OMA DM: how the gateway authenticates to the device (wins over authScheme)',
      },
      pinPolicy: {
        type: ['string', 'null'],
        enum: ['netwpin', 'userpin', 'usernetwpin', 'userpinmac', null],
      },
      bind: token,
    },
  },
  Credentials: {
    type: 'object',
    additionalProperties: false,
    description: 'Secrets (passwords, userPin) are write-only: answers show them masked.',
    properties: Object.fromEntries(CREDENTIALS.map((k) => [k, nullable(text(256))])),
  },
  DeviceInput: {
    type: 'object',
    additionalProperties: false,
    properties: {
      id: id('device id (generated when absent)'),
      protocol: ref('Protocol'),
      addressing: ref('Addressing'),
      credentials: ref('Credentials'),
      profile: nullable(text(64)),
      model: nullable(text(128)),
      tags: { type: 'array', maxItems: 100, items: id('a tag') },
      desired: {
        type: 'object',
        description: 'Desired parameter values (catalog names or raw paths)',
        additionalProperties: true,
      },
    },
  },
  DeviceCreate: { allOf: [ref('DeviceInput')], required: ['protocol', 'addressing'] },
  Device: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      protocol: ref('Protocol'),
      addressing: { type: 'object' },
      credentials: { type: 'object' },
      profile: { type: 'string' },
      model: { type: 'string' },
      tags: { type: 'array', items: { type: 'string' } },
      desired: { type: 'object' },
      lastContact: dateTime,
      createdAt: dateTime,
      updatedAt: dateTime,
      inventory: { type: 'object' },
    },
  },
  TagsReplace: {
    type: 'object',
    additionalProperties: false,
    required: ['tags'],
    properties: { tags: { type: 'array', maxItems: 100, items: id('a tag') } },
  },
  TagsChange: {
    type: 'object',
    additionalProperties: false,
    properties: {
      add: { type: 'array', maxItems: 100, items: id('a tag') },
      remove: { type: 'array', maxItems: 100, items: id('a tag') },
    },
  },
  ImportResult: {
    type: 'object',
    properties: {
      rows: { type: 'integer' },
      created: { type: 'integer' },
      updated: { type: 'integer' },
      failed: { type: 'integer' },
      dryRun: { type: 'boolean' },
      errors: {
        type: 'array',
        description: 'the first 1000 failed rows; row numbers count data rows from 1',
        items: {
          type: 'object',
          properties: {
            row: { type: 'integer' },
            ok: { type: 'boolean' },
            code: { type: 'string' },
            message: { type: 'string' },
          },
        },
      },
    },
  },
  Operation: {
    type: 'object',
    additionalProperties: false,
    required: ['op'],
    properties: {
      op: { type: 'string', enum: [...OPERATION_KINDS] },
      path: text(
        256,
        'a catalog name (sip.registrar) or a raw path (workpoint:reg-addr, omadm:./DevDetail/SwV, omacp:NAPDEF/NAP-ADDRESS)',
      ),
      value: {},
      args: {
        type: 'object',
        additionalProperties: true,
        description:
          'operation arguments. secureBootstrap (Workpoint only): clientCertificate (PEM certificate with its private key; sealed, never returned), optional serverCa (PEM list) and securePort (default: the gateway secure listener); mode "pin" is refused (secure-mode-pin-unsupported)',
      },
    },
  },
  JobInput: {
    type: 'object',
    additionalProperties: false,
    required: ['deviceId', 'operations'],
    properties: {
      deviceId: id('the device'),
      operations: { type: 'array', minItems: 1, maxItems: 1000, items: ref('Operation') },
      deadlineSeconds: { type: 'number', minimum: 1 },
    },
  },
  Job: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      deviceId: { type: 'string' },
      protocol: ref('Protocol'),
      state: { type: 'string', enum: [...JOB_STATES] },
      operations: { type: 'array', items: { type: 'object' } },
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
  JobPage: page('Job'),
  Preview: {
    type: 'object',
    properties: {
      deviceId: { type: 'string' },
      protocol: ref('Protocol'),
      operations: { type: 'array', items: { type: 'object' } },
      parts: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            kind: { type: 'string' },
            title: { type: 'string' },
            content: { type: 'string' },
          },
        },
      },
      masked: { type: 'boolean' },
      note: { type: 'string' },
    },
  },
  CampaignInput: {
    type: 'object',
    additionalProperties: false,
    required: ['selection', 'operations'],
    properties: {
      name: text(200),
      selection: {
        type: 'object',
        additionalProperties: false,
        properties: {
          deviceIds: { type: 'array', items: id('a device id') },
          tag: id('a tag'),
          protocol: ref('Protocol'),
          profile: text(64),
          model: text(128),
          all: { type: 'boolean' },
        },
      },
      operations: { type: 'array', minItems: 1, maxItems: 1000, items: ref('Operation') },
      ratePerSecond: { type: 'number', default: 100, minimum: 0 },
      failureThreshold: {
        type: 'object',
        additionalProperties: false,
        required: ['ratio'],
        properties: { ratio: { type: 'number' }, minSample: { type: 'integer' } },
      },
      deadlineSeconds: { type: 'number', minimum: 1 },
    },
  },
  Campaign: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      state: { type: 'string', enum: [...CAMPAIGN_STATES] },
      selection: { type: 'object' },
      operations: { type: 'array', items: { type: 'object' } },
      progress: ref('CampaignProgress'),
      stopReason: { type: 'string' },
      createdAt: dateTime,
      updatedAt: dateTime,
    },
  },
  CampaignProgress: {
    type: 'object',
    required: ['jobs', 'skipped', 'done', 'fanOutComplete', 'byState', 'byProtocol'],
    properties: {
      jobs: { type: 'integer', description: 'jobs created so far' },
      skipped: { type: 'integer', description: 'devices whose protocol cannot run the operations' },
      done: { type: 'integer', description: 'jobs in a final state' },
      fanOutComplete: { type: 'boolean' },
      byState: {
        description: 'finished jobs by final state',
        ...countsByState,
      },
      byProtocol: {
        type: 'object',
        description: 'jobs by protocol: created, finished, and now in each state (live ones too)',
        additionalProperties: false,
        properties: Object.fromEntries(PROTOCOLS.map((p) => [p, protocolProgress])),
      },
    },
  },
  CampaignPage: page('Campaign'),
  DevicePage: page('Device'),
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
  CatalogSaved: {
    type: 'object',
    properties: { parameters: { type: 'integer' }, profiles: { type: 'integer' } },
  },
  ParameterList: list('Parameter'),
  ProfileList: list('Profile'),
  EventType: { type: 'string', enum: [...CORE_EVENT_TYPES] },
  WebhookInput: {
    type: 'object',
    additionalProperties: false,
    required: ['url', 'secret'],
    properties: {
      url: { type: 'string', format: 'uri', pattern: '^https?://\\S+$', maxLength: 2048 },
      secret: { type: 'string', minLength: 16, maxLength: 256, writeOnly: true },
      events: {
        type: 'array',
        items: ref('EventType'),
        description: 'event types to deliver; empty or absent: all',
      },
    },
  },
  Webhook: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      url: { type: 'string' },
      secret: { type: 'string', description: 'always masked' },
      events: { type: 'array', items: ref('EventType') },
      createdAt: dateTime,
    },
  },
  WebhookList: list('Webhook'),
  DeadLetter: {
    type: 'object',
    properties: {
      id: { type: 'string', description: 'the delivery id, kept across replays' },
      webhookId: { type: 'string' },
      event: { type: 'object' },
      error: { type: 'string' },
      attempts: { type: 'integer' },
      at: dateTime,
    },
  },
  DeadLetterList: list('DeadLetter'),
  Replayed: { type: 'object', properties: { replayed: { type: 'string' } } },
  ApiKeyInput: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'scope'],
    properties: { name: text(100), scope: { type: 'string', enum: [...API_SCOPES] } },
  },
  ApiKey: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      scope: { type: 'string', enum: [...API_SCOPES] },
      createdAt: { type: 'string' },
      key: { type: 'string', description: 'the key itself: only in the creation answer' },
    },
  },
  ApiKeyList: list('ApiKey'),
  Health: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } },
  Readiness: {
    type: 'object',
    properties: {
      status: { type: 'string', enum: ['ok', 'unavailable'] },
      ok: { type: 'boolean' },
      checks: { type: 'object', additionalProperties: true },
    },
  },
  Inventory: {
    type: 'object',
    description: 'path → last value (with ?detail=true: {value, at, source, jobId})',
    additionalProperties: true,
  },
};

function page(item: string): Schema {
  return {
    type: 'object',
    properties: {
      items: { type: 'array', items: ref(item) },
      nextCursor: { type: 'string', description: 'pass as ?cursor= for the next page' },
    },
  };
}

function list(item: string): Schema {
  return { type: 'object', properties: { items: { type: 'array', items: ref(item) } } };
}
