import { Controller, Get, HttpCode, Inject, OnModuleInit, Res } from '@nestjs/common';
import type { Response } from 'express';
import Redis from 'ioredis';
import { REDIS } from '../redis/redis.tokens';
import { ReadinessRegistry } from './readiness.registry';
import { ApiRoute } from '../api/route-doc';

@Controller()
export class HealthController implements OnModuleInit {
  constructor(
    private readonly readiness: ReadinessRegistry,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  onModuleInit() {
    this.readiness.register('redis', async () => ({ ok: (await this.redis.ping()) === 'PONG' }));
  }

  /** Liveness: the process serves HTTP. */
  @Get('healthz')
  @HttpCode(200)
  @ApiRoute({
    operationId: 'getHealth',
    summary: 'Liveness: the process serves HTTP',
    tag: 'Service',
    access: 'public',
    responses: { '200': { description: 'Alive', schema: { $ref: '#/components/schemas/Health' } } },
  })
  healthz() {
    return { status: 'ok' };
  }

  /** Readiness: Redis answers, and every registered dependency (SMPP binds, …) is usable. */
  @Get('readyz')
  @ApiRoute({
    operationId: 'getReadiness',
    summary: 'Readiness: Redis and every registered dependency (SMPP binds…) are usable',
    tag: 'Service',
    access: 'public',
    responses: {
      '200': { description: 'Ready', schema: { $ref: '#/components/schemas/Readiness' } },
      '503': { description: 'Not ready', schema: { $ref: '#/components/schemas/Readiness' } },
    },
  })
  async readyz(@Res() res: Response) {
    const result = await this.readiness.evaluate();
    res.status(result.ok ? 200 : 503).json({ status: result.ok ? 'ok' : 'unavailable', ...result });
  }
}
