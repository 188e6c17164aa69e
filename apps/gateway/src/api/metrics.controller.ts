import { Controller, Get, Header, Inject } from '@nestjs/common';
import { Core, JOB_STATES } from '@dm-bridge/core';
import { MetricsRegistry } from '../orchestration/metrics.registry';
import { CORE } from '../orchestration/orchestration.tokens';
import { QueuesService } from '../orchestration/queues.service';
import { ApiRoute } from './route-doc';

/** Prometheus metrics (no key: scrapers are configured by the operator's network). */
@Controller('metrics')
export class MetricsController {
  constructor(
    @Inject(CORE) private readonly core: Core,
    private readonly metrics: MetricsRegistry,
    private readonly queues: QueuesService,
  ) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiRoute({
    operationId: 'getMetrics',
    summary: 'Prometheus metrics (no key: restrict by network)',
    tag: 'Service',
    access: 'public',
    responses: {
      '200': {
        description: 'Prometheus text exposition format 0.0.4',
        content: { 'text/plain': { type: 'string' } },
      },
    },
  })
  async scrape(): Promise<string> {
    const [states, depths, devices] = await Promise.all([
      this.core.jobs.countByState(),
      this.queues.depths(),
      this.core.devices.count(),
    ]);
    const queueValues: [Record<string, string>, number][] = [];
    for (const [queue, counts] of Object.entries(depths)) {
      for (const [state, n] of Object.entries(counts)) queueValues.push([{ queue, state }, n]);
    }
    const own = this.metrics.render([
      {
        name: 'dmb_jobs',
        help: 'Jobs by state, now, across every gateway process',
        values: JOB_STATES.map((s) => [{ state: s }, Math.max(0, states[s] ?? 0)]),
      },
      {
        name: 'dmb_queue_jobs',
        help: 'BullMQ jobs by queue and state (waiting, active, delayed, failed…), now',
        values: queueValues,
      },
      {
        name: 'dmb_devices',
        help: 'Devices registered, across the deployment',
        values: [[undefined, devices]],
      },
    ]);
    return own + (await this.metrics.processMetrics());
  }
}
