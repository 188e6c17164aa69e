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
import { decodeCursor, encodeCursor, optionalString, parseLimit, requireObject } from './query';

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
  async import(@Req() req: Request) {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const splitter: RowSplitter | undefined =
      type === 'text/csv'
        ? new CsvSplitter()
        : type === 'application/json'
          ? new JsonArraySplitter()
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
    const errors: ImportRowResult[] = [];
    let failed = 0;
    const write = async (batch: typeof pending) => {
      for (const r of await this.core.devices.importBatch(batch)) {
        if (r.ok) created++;
        else {
          failed++;
          if (errors.length < 1000) errors.push(r);
        }
      }
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
        if (item instanceof ValidationError) {
          failed++;
          if (errors.length < 1000)
            errors.push({ row: rows - 1, ok: false, code: item.code, message: item.message });
          continue;
        }
        pending.push({ row: rows - 1, input: item as DeviceInput });
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
    return { rows, created, failed, errors };
  }

  private tooLarge(message: string): HttpProblem {
    return new HttpProblem(413, 'import-too-large', message);
  }

  @Get()
  async list(@Query() q: Record<string, unknown>) {
    const protocol = optionalString(q.protocol, 'protocol');
    if (protocol && !(PROTOCOLS as readonly string[]).includes(protocol)) {
      throw new ValidationError(
        'invalid-protocol',
        `protocol must be one of ${PROTOCOLS.join(', ')}`,
      );
    }
    const page = await this.core.devices.list(
      {
        protocol: protocol as Protocol | undefined,
        tag: optionalString(q.tag, 'tag'),
        profile: optionalString(q.profile, 'profile'),
        model: optionalString(q.model, 'model'),
      },
      decodeCursor(q.cursor),
      parseLimit(q.limit),
    );
    const contacts = await this.core.devices.lastContacts(page.items.map((d) => d.id));
    return {
      items: page.items.map((d, i) => this.core.devices.view(d, contacts[i])),
      nextCursor: encodeCursor(page.nextCursor),
    };
  }

  @Get(':id')
  get(@Param('id') id: string, @Query('include') include?: string) {
    return this.core.devices.getView(id, include === 'inventory');
  }

  /** `?detail=true`: each value with when and how it was learned (and the job that did). */
  @Get(':id/inventory')
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
  async update(@Param('id') id: string, @Body() body: unknown) {
    const d = await this.core.devices.update(id, requireObject(body) as DeviceInput);
    return this.core.devices.getView(d.id);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string) {
    await this.core.devices.delete(id);
  }

  @Put(':id/tags')
  async setTags(@Param('id') id: string, @Body() body: unknown) {
    const tags = requireObject(body).tags;
    await this.core.devices.update(id, { tags });
    return this.core.devices.getView(id);
  }

  /** `{ "add": [...], "remove": [...] }` */
  @Post(':id/tags')
  async changeTags(@Param('id') id: string, @Body() body: unknown) {
    const b = requireObject(body);
    await this.core.devices.changeTags(id, b.add ?? [], b.remove ?? []);
    return this.core.devices.getView(id);
  }
}
