import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  Core,
  DeviceInput,
  ImportRowResult,
  PROTOCOLS,
  Protocol,
  ValidationError,
} from '@dm-bridge/core';
import type { Request } from 'express';
import { CORE } from '../orchestration/orchestration.tokens';
import { ApiKeyGuard } from './api-key.guard';
import { API_CONFIG, ApiConfig } from './api.config';
import { CsvSplitter, JsonArraySplitter, RowSplitter } from './import-stream';
import { HttpProblem } from './problem-details';
import { ProblemDetailsFilter } from './problem-details.filter';
import {
  decodeCursor,
  encodeCursor,
  optionalFlag,
  optionalString,
  optionalTime,
  parseLimit,
  requireObject,
} from './query';
import { unknownFieldsError } from './request-schema.interceptor';
import { ApiRoute } from './route-doc';
import { answer, fails, NOT_FOUND, PAGE_QUERY } from './route-helpers';
import { ref, SCHEMAS } from './schema/api-schemas';
import { checkSchema } from './schema/json-schema';

const TAG = 'Devices';
const DEVICE_CREATE = ref('DeviceCreate');

@Controller('v1/devices')
@UseGuards(ApiKeyGuard)
@UseFilters(ProblemDetailsFilter)
export class DevicesController {
  constructor(
    @Inject(CORE) private readonly core: Core,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiRoute({
    operationId: 'createDevice',
    summary: 'Register a device',
    tag: TAG,
    access: 'write',
    body: DEVICE_CREATE,
    responses: {
      '201': answer('The device', 'Device'),
      '409': fails('The id or a unique address is taken'),
    },
  })
  async create(@Body() body: unknown) {
    const device = await this.core.devices.create(requireObject(body) as DeviceInput);
    return this.core.devices.view(device);
  }

  /**
   * Bulk import, streamed: a JSON array (`application/json`), NDJSON or CSV (`text/csv`) of
   * devices. Rows are validated and written in batches as they arrive; bad rows are reported
   * and do not stop the import.
   */
  @Post('import')
  @HttpCode(200)
  @ApiRoute({
    operationId: 'importDevices',
    summary: 'Bulk import (streamed): a JSON array, or CSV with a header row',
    description:
      'Rows are validated and written in batches as they arrive; bad rows are reported (numbered from 1) and do not stop the import. A row or field over its limit stops the import with 413 (rows before it are kept). `dryRun=true` validates without writing; `upsert=true` updates devices whose id exists.',
    tag: TAG,
    access: 'write',
    bodyContent: {
      'application/json': { type: 'array', items: DEVICE_CREATE },
      'text/csv': { type: 'string' },
    },
    query: {
      dryRun: { type: 'boolean', description: 'validate only, write nothing' },
      upsert: { type: 'boolean', description: 'update devices whose id already exists' },
    },
    responses: {
      '200': answer('Per-row outcome counts and the first 1000 errors', 'ImportResult'),
      '413': fails('Too many rows or bytes, or a row or field over its limit'),
      '415': fails('Unsupported media type'),
    },
  })
  async import(@Req() req: Request, @Query() q: Record<string, unknown>) {
    const dryRun = optionalFlag(q.dryRun, 'dryRun');
    const upsert = optionalFlag(q.upsert, 'upsert');
    if (dryRun && upsert)
      throw new ValidationError('invalid-query', 'dryRun and upsert cannot be combined');
    const limits = {
      maxRowChars: this.config.importMaxRowChars,
      maxFieldChars: this.config.importMaxFieldChars,
    };
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const splitter: RowSplitter | undefined =
      type === 'text/csv'
        ? new CsvSplitter(limits)
        : type === 'application/json'
          ? new JsonArraySplitter(limits)
          : undefined;
    if (!splitter)
      throw new HttpProblem(
        415,
        'unsupported-media-type',
        'send application/json (an array of devices) or text/csv',
      );
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.config.importMaxBytes)
      throw this.tooLarge(`body exceeds ${this.config.importMaxBytes} bytes`);
    let pending: { row: number; input: DeviceInput }[] = [];
    let rows = 0;
    let bytes = 0;
    let created = 0;
    let updated = 0;
    const errors: ImportRowResult[] = [];
    let failed = 0;
    const byRow = new Map<number, DeviceInput>();
    const write = async (batch: typeof pending) => {
      if (upsert) for (const r of batch) byRow.set(r.row, r.input);
      for (const r of await this.core.devices.importBatch(batch, { dryRun })) {
        if (r.ok) created++;
        else if (upsert && r.code === 'exists' && r.id) {
          try {
            const { id, ...patch } = byRow.get(r.row)!;
            await this.core.devices.update(id!, patch);
            updated++;
          } catch (err) {
            failed++;
            const e = err as ValidationError;
            if (errors.length < 1000)
              errors.push({ row: r.row, id: r.id, ok: false, code: e.code, message: e.message });
          }
        } else {
          failed++;
          if (errors.length < 1000) errors.push(r);
        }
      }
      byRow.clear();
    };
    // One batch is written while the next is parsed; batches still land in row order.
    let writing: Promise<void> = Promise.resolve();
    const flush = async () => {
      const batch = pending;
      pending = [];
      await writing;
      writing = write(batch);
      writing.catch(() => undefined); // awaited by the next flush or at the end
    };
    const take = async (items: unknown[]) => {
      for (const item of items) {
        if (++rows > this.config.importMaxRows)
          throw this.tooLarge(`an import holds at most ${this.config.importMaxRows} rows`);
        const issues =
          item instanceof ValidationError ? [] : checkSchema(item, SCHEMAS.DeviceCreate, SCHEMAS);
        const bad = item instanceof ValidationError ? item : unknownFieldsError(issues, 'the row');
        if (bad) {
          failed++;
          if (errors.length < 1000)
            errors.push({ row: rows, ok: false, code: bad.code, message: bad.message });
          continue;
        }
        pending.push({ row: rows, input: item as DeviceInput });
        if (pending.length >= 1000) await flush();
      }
    };
    req.setEncoding('utf8');
    try {
      for await (const chunk of req as AsyncIterable<string>) {
        bytes += Buffer.byteLength(chunk);
        if (bytes > this.config.importMaxBytes)
          throw this.tooLarge(`body exceeds ${this.config.importMaxBytes} bytes`);
        await take(splitter.push(chunk));
      }
      await take(splitter.end());
    } catch (err) {
      req.resume();
      await writing.catch(() => undefined);
      throw err;
    }
    await flush();
    await writing;
    return dryRun
      ? { rows, valid: created, failed, dryRun: true, errors }
      : { rows, created, ...(upsert ? { updated } : {}), failed, errors };
  }

  private tooLarge(message: string): HttpProblem {
    return new HttpProblem(413, 'import-too-large', message);
  }

  @Get()
  @ApiRoute({
    operationId: 'listDevices',
    summary: 'List devices',
    tag: TAG,
    access: 'read',
    query: {
      ...PAGE_QUERY,
      protocol: ref('Protocol'),
      tag: { type: 'string', description: 'devices with this tag' },
      profile: { type: 'string' },
      model: { type: 'string' },
      id: { type: 'string', description: 'exactly this device id' },
      idPrefix: {
        type: 'string',
        pattern: '^[A-Za-z0-9._:-]{1,64}$',
        description: 'device ids starting with this',
      },
      msisdn: {
        type: 'string',
        description:
          'the device with this MSISDN (normalised as on create: `+49…`, `0049…`, national `0…` with the default country code)',
      },
      mac: {
        type: 'string',
        description: 'the device with this MAC address (any case; `:`, `-`, `.` or no separators)',
      },
      devId: { type: 'string', description: 'the OMA DM device with this DevId' },
      lastContactBefore: {
        type: 'string',
        description:
          'devices whose last contact is older than this ISO 8601 time, or that were never in contact (oldest first)',
      },
    },
    responses: { '200': answer('A page of devices', 'DevicePage') },
  })
  async list(@Query() q: Record<string, unknown>) {
    const protocol = optionalString(q.protocol, 'protocol');
    if (protocol && !(PROTOCOLS as readonly string[]).includes(protocol)) {
      throw new ValidationError(
        'invalid-protocol',
        `protocol must be one of ${PROTOCOLS.join(', ')}`,
      );
    }
    const idPrefix = optionalString(q.idPrefix, 'idPrefix');
    if (idPrefix !== undefined && !/^[A-Za-z0-9._:-]{1,64}$/.test(idPrefix))
      throw new ValidationError(
        'invalid-query',
        'idPrefix must be 1 to 64 letters, digits, dot, dash, colon or underscore',
        { field: 'idPrefix' },
      );
    const filter = {
      protocol: protocol as Protocol | undefined,
      tag: optionalString(q.tag, 'tag'),
      profile: optionalString(q.profile, 'profile'),
      model: optionalString(q.model, 'model'),
      idPrefix,
      lastContactBefore: optionalTime(q.lastContactBefore, 'lastContactBefore'),
    };
    const search = {
      id: optionalString(q.id, 'id'),
      msisdn: optionalString(q.msisdn, 'msisdn'),
      mac: optionalString(q.mac, 'mac'),
      devId: optionalString(q.devId, 'devId'),
    };
    const limit = parseLimit(q.limit);
    const cursor = decodeCursor(q.cursor);
    const exact = Object.values(search).some((v) => v !== undefined);
    if (exact && cursor !== undefined)
      throw new ValidationError(
        'invalid-query',
        'cursor does not apply to an exact search (id, msisdn, mac, devId): its answer is one page',
        { field: 'cursor' },
      );
    const page = exact
      ? { items: await this.core.devices.search(search, filter), nextCursor: undefined }
      : await this.core.devices.list(filter, cursor, limit);
    const contacts = await this.core.devices.lastContacts(page.items.map((d) => d.id));
    return {
      items: page.items.map((d, i) => this.core.devices.view(d, contacts[i])),
      nextCursor: encodeCursor(page.nextCursor),
    };
  }

  @Get(':id')
  @ApiRoute({
    operationId: 'getDevice',
    summary: 'Get a device',
    tag: TAG,
    access: 'read',
    query: { include: { type: 'string', enum: ['inventory'] } },
    responses: { '200': answer('The device', 'Device'), ...NOT_FOUND('device') },
  })
  get(@Param('id') id: string, @Query('include') include?: string) {
    if (include !== undefined && include !== 'inventory')
      throw new ValidationError('invalid-query', 'include must be inventory');
    return this.core.devices.getView(id, include === 'inventory');
  }

  /** `?detail=true`: each value with when and how it was learned (and the job that did). */
  @Get(':id/inventory')
  @ApiRoute({
    operationId: 'getDeviceInventory',
    summary: 'Last known values of a device',
    description: 'Values that jobs read or wrote; `detail=true` adds when, how and by which job.',
    tag: TAG,
    access: 'read',
    query: { detail: { type: 'boolean' } },
    responses: { '200': answer('path → value', 'Inventory'), ...NOT_FOUND('device') },
  })
  async inventory(@Param('id') id: string, @Query('detail') detail?: string) {
    if (detail !== undefined && detail !== 'true' && detail !== 'false')
      throw new ValidationError('invalid-query', 'detail must be true or false');
    await this.core.devices.get(id);
    if (detail !== 'true') return this.core.devices.inventory(id);
    const entries = await this.core.devices.inventoryDetail(id);
    return Object.fromEntries(
      Object.entries(entries).map(([path, e]) => [
        path,
        { ...e, at: e.at === undefined ? undefined : new Date(e.at).toISOString() },
      ]),
    );
  }

  @Patch(':id')
  @ApiRoute({
    operationId: 'updateDevice',
    summary: 'Update a device (fields absent keep their value)',
    tag: TAG,
    access: 'write',
    body: ref('DeviceInput'),
    responses: {
      '200': answer('The device', 'Device'),
      ...NOT_FOUND('device'),
      '409': fails('A unique address is taken'),
    },
  })
  async update(@Param('id') id: string, @Body() body: unknown) {
    const d = await this.core.devices.update(id, requireObject(body) as DeviceInput);
    return this.core.devices.getView(d.id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiRoute({
    operationId: 'deleteDevice',
    summary: 'Delete a device',
    tag: TAG,
    access: 'write',
    responses: { '204': { description: 'Deleted' }, ...NOT_FOUND('device') },
  })
  async remove(@Param('id') id: string) {
    await this.core.devices.delete(id);
  }

  @Put(':id/tags')
  @ApiRoute({
    operationId: 'replaceDeviceTags',
    summary: 'Replace the tags of a device',
    tag: TAG,
    access: 'write',
    body: ref('TagsReplace'),
    responses: { '200': answer('The device', 'Device'), ...NOT_FOUND('device') },
  })
  async setTags(@Param('id') id: string, @Body() body: unknown) {
    const tags = requireObject(body).tags;
    await this.core.devices.update(id, { tags });
    return this.core.devices.getView(id);
  }

  /** `{ "add": [...], "remove": [...] }` */
  @Post(':id/tags')
  @HttpCode(200)
  @ApiRoute({
    operationId: 'changeDeviceTags',
    summary: 'Add and remove tags',
    tag: TAG,
    access: 'write',
    body: ref('TagsChange'),
    responses: { '200': answer('The device', 'Device'), ...NOT_FOUND('device') },
  })
  async changeTags(@Param('id') id: string, @Body() body: unknown) {
    const b = requireObject(body);
    await this.core.devices.changeTags(id, b.add ?? [], b.remove ?? []);
    return this.core.devices.getView(id);
  }
}
