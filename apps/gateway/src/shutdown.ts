import { INestApplication, Logger, Type } from '@nestjs/common';
import type { Server } from 'node:http';
import { GatewayConfig } from './config/gateway.config';
import { DeviceHttpServer } from './device-http/device-http.server';
import { HealthListener } from './health/health-listener';
import { ReadinessRegistry } from './health/readiness.registry';
import { WorkersService } from './orchestration/workers.service';
import { redisErrors } from './redis/redis-errors';
import { SmsService } from './sms/sms.service';
import { WorkpointRuntime } from './workpoint/workpoint.module';

/** Time kept at the end of the grace period for closing listeners and connections. */
const CLOSE_RESERVE_MAX_MS = 2000;
/** Time kept after the sequence's own deadline for the process to exit (see shutdownDeadlines). */
const EXIT_MARGIN_MAX_MS = 1000;
/** How long submits already written to the SMSC may wait for their answers. */
const SMS_DRAIN_MAX_MS = 5000;

export interface ShutdownReport {
  /** every step finished within the grace period */
  clean: boolean;
  /** the device listeners went quiet (false: still busy when the drain time ran out) */
  drained: boolean;
  elapsedMs: number;
}

/**
 * The gateway's shutdown, in the order that loses nothing:
 * 1. new work stops at once: wake-up, fan-out and webhook workers, the outbox and housekeeping
 *    timers, contact-me requests, and SMS (the binds refuse new submits; their leases go to
 *    another process); /readyz answers 503;
 * 2. meanwhile the device listeners keep serving: until every device session opened here has
 *    ended, nothing is in flight and no device request has arrived for SHUTDOWN_DRAIN_QUIET_MS;
 * 3. the listeners close (API, device, Workpoint, health); what still runs is cut;
 * 4. the rest of the application closes (queues, Redis).
 * All of it within SHUTDOWN_GRACE_MS; steps that would wait longer (Redis or the SMSC gone) are
 * abandoned. The caller exits the process afterwards.
 */
export async function shutdownGateway(
  app: INestApplication,
  config: GatewayConfig,
): Promise<ShutdownReport> {
  const log = new Logger('Shutdown');
  const started = Date.now();
  const grace = config.shutdownGraceMs;
  const { sequenceMs } = shutdownDeadlines(grace);
  const deadline = started + sequenceMs;
  const reserve = Math.min(CLOSE_RESERVE_MAX_MS, Math.floor(sequenceMs / 5));
  const drainUntil = deadline - reserve;
  const left = (until = deadline) => Math.max(0, until - Date.now());
  redisErrors.beginShutdown();
  find(app, ReadinessRegistry)?.markShuttingDown();
  log.log({ msg: 'shutting down: no new wake-ups, fan-out or SMS', graceMs: grace });

  const workpoint = find(app, WorkpointRuntime);
  const stopWork = Promise.allSettled([
    find(app, WorkersService)?.stop(),
    find(app, SmsService)?.stopSending(Math.min(SMS_DRAIN_MAX_MS, Math.floor(grace / 4))),
    workpoint?.stopWork(),
  ]).then((results) => {
    for (const r of results)
      if (r.status === 'rejected')
        log.warn({ msg: 'stopping work failed', error: (r.reason as Error).message });
  });
  const device = find(app, DeviceHttpServer);
  const [workStopped, drained] = await Promise.all([
    within(stopWork, left(drainUntil)),
    device ? device.activity.quiet(config.drainQuietMs, drainUntil) : Promise.resolve(true),
  ]);
  if (!workStopped) log.warn({ msg: 'workers did not stop in time: leaving them' });
  log.log({
    msg: drained ? 'device sessions drained' : 'device listeners still busy: closing anyway',
    requestsInFlight: device?.activity.requestsInFlight ?? 0,
    openSessions: device?.activity.openSessions ?? 0,
  });

  const cutAfter = Math.min(1000, left());
  const listenersClosed = await within(
    Promise.allSettled([
      closeServer(app.getHttpServer() as Server, cutAfter),
      device?.close(cutAfter),
      workpoint?.stopListeners(cutAfter),
      find(app, HealthListener)?.close(),
    ]),
    left(),
  );
  let closeFailed = false;
  const appClosed = await within(
    app.close().catch((err: Error) => {
      closeFailed = true;
      log.warn({ msg: 'closing failed', error: err.message });
    }),
    left(),
  );
  const clean = workStopped && listenersClosed && appClosed && !closeFailed;
  const elapsedMs = Date.now() - started;
  log.log({ msg: clean ? 'shutdown complete' : 'shutdown cut at the grace period', elapsedMs });
  return { clean, drained, elapsedMs };
}

/**
 * Within a grace period: when the sequence gives up on what is still running (`sequenceMs`), and
 * when the process exits regardless (`hardExitMs`, main.ts's last-resort timer) — both before the
 * grace period ends, so a supervisor's SIGKILL at SHUTDOWN_GRACE_MS finds nothing left to kill.
 */
export function shutdownDeadlines(graceMs: number): { sequenceMs: number; hardExitMs: number } {
  // a loaded machine stalls the event loop for hundreds of ms: the margin absorbs that
  const margin = Math.min(EXIT_MARGIN_MAX_MS, Math.floor(graceMs / 5));
  return { sequenceMs: graceMs - margin, hardExitMs: graceMs - Math.floor(margin / 2) };
}

/** Whether the promise settled within `ms`. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((done) => (timer = setTimeout(() => done(false), ms)));
  try {
    return await Promise.race([p.then(settled, settled), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const settled = () => true;

function closeServer(server: Server | undefined, cutAfterMs: number): Promise<void> {
  if (!server?.listening) return Promise.resolve();
  return new Promise((done) => {
    server.close(() => done());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), cutAfterMs).unref();
  });
}

function find<T>(app: INestApplication, type: Type<T>): T | undefined {
  try {
    return app.get(type, { strict: false });
  } catch {
    return undefined;
  }
}
