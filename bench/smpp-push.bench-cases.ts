/**
 * The push cases of bench/smpp.bench.ts: `cp_push_build_per_s` (the wap-push builder on one
 * core) and `cp_push_e2e_per_s` (a 3-segment CP document to N handsets through the gateway's
 * `sms-<bind>` queue, the bind manager and the simulator SMSC in its own process).
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { encodeProvisioningDocument, parseProvisioningXml } from '@dm-bridge/omacp';
import {
  CONTENT_TYPE_CONNECTIVITY_WBXML,
  CpSigner,
  encodeWspPush,
  segmentCount,
} from '@dm-bridge/wap-push';
import type { PushToSend } from '@dm-bridge/smpp';
import { startGateway } from '../apps/gateway/src/bootstrap';
import { SmsService } from '../apps/gateway/src/sms/sms.service';
import { measureCpPushBuild } from './cp-push-build';
import { CP_XML, emit, imsiOf, SmscChild } from './smpp-bench-support';

export async function runCpPushBuildBench(): Promise<void> {
  const value = await measureCpPushBuild({ durationMs: 3000, mode: 'prepared' });
  emit({
    bench: 'smpp',
    case: 'cp_bootstrap NETWPIN, 10k IMSIs, prepared WBXML, one core',
    metric: 'cp_push_build_per_s',
    value: Math.round(value),
    unit: 'pushes/s',
  });
}

export async function runCpPushE2eBench(): Promise<void> {
  const handsets = Number(process.env.SMPP_BENCH_E2E_PUSHES ?? 10_000);
  const firstMsisdn = 491600000000;
  const wbxml = encodeProvisioningDocument(parseProvisioningXml(CP_XML));
  const probe = encodeWspPush({
    tid: 1,
    contentType: CONTENT_TYPE_CONNECTIVITY_WBXML,
    contentTypeParams: new CpSigner({ sec: 'NETWPIN', imsi: imsiOf(0) }).sign(wbxml)
      .contentTypeParams,
    body: wbxml,
  });
  const segments = segmentCount(probe.length);

  const smsc = new SmscChild();
  const addr = await smsc.start(
    { messageIdBase: 'hex' },
    { cpHandsets: { count: handsets, firstMsisdn, imsi: undefined, imsiOf: true, decode: true } },
  );
  const prefix = `bench:${randomBytes(4).toString('hex')}:`;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const gw = await startGateway({
    env: {
      // A worker process, as in production (no operator API: nothing else printed on stdout).
      GATEWAY_ROLE: 'worker',
      API_PORT: '0',
      DEVICE_HTTP_PORT: '0',
      HOST: '127.0.0.1',
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      SMPP_BINDS: `smpp://bench:bench@${addr.host}:${addr.port}?id=bench&window=100&submit_id=hex&receipt_id=hex`,
      SMPP_PUSHES_PER_JOB: process.env.SMPP_BENCH_PUSHES_PER_JOB ?? '100',
      SMPP_WORKER_CONCURRENCY: process.env.SMPP_BENCH_CONCURRENCY ?? '8',
    },
    logger: false,
  });
  const redis = new Redis(redisUrl);
  try {
    const sms = gw.app.get(SmsService);
    for (let i = 0; i < 200 && !sms.transport.owned('bench')?.isBound(); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const t0 = performance.now();
    // Build: one NETWPIN signature per subscriber over the same WBXML bytes, WSP push PDU.
    const pushes: PushToSend[] = [];
    for (let i = 0; i < handsets; i++) {
      const signed = new CpSigner({ sec: 'NETWPIN', imsi: imsiOf(i) }).sign(wbxml);
      const wsp = encodeWspPush({
        tid: 1,
        contentType: CONTENT_TYPE_CONNECTIVITY_WBXML,
        contentTypeParams: signed.contentTypeParams,
        body: wbxml,
      });
      pushes.push({
        pushId: `b${i}`,
        jobId: `job${i}`,
        destination: String(firstMsisdn + i),
        datagram: wsp,
      });
    }
    await sms.enqueue(pushes);
    let tHandsets = 0;
    let tReceipts = 0;
    let stats: any;
    const deadline = performance.now() + 120_000;
    while (performance.now() < deadline && (!tHandsets || !tReceipts)) {
      await new Promise((r) => setTimeout(r, 20));
      if (!tHandsets) {
        stats = await smsc.request({ cmd: 'stats' });
        if (stats.verified + stats.rejected >= handsets) tHandsets = performance.now();
      }
      if (!tReceipts && (await redis.xlen(`${prefix}smpp:outcomes`)) >= handsets)
        tReceipts = performance.now();
    }
    if (!tHandsets)
      throw new Error(
        `only ${stats?.verified} of ${handsets} handsets got their document in 120 s`,
      );
    const common = { handsets, segmentsPerPush: segments, rejectedByHandsets: stats.rejected };
    emit({
      bench: 'smpp',
      case: `${segments}-segment CP NETWPIN push: build+queue+bind+SMSC, stored by every handset`,
      metric: 'cp_push_e2e_per_s',
      value: Math.round(handsets / ((tHandsets - t0) / 1000)),
      unit: 'pushes/s',
      seconds: +((tHandsets - t0) / 1000).toFixed(3),
      ...common,
    });
    if (tReceipts) {
      emit({
        bench: 'smpp',
        case: `${segments}-segment CP NETWPIN push: until every push is delivered by receipts in Redis`,
        metric: 'cp_push_e2e_delivered_per_s',
        value: Math.round(handsets / ((tReceipts - t0) / 1000)),
        unit: 'pushes/s',
        seconds: +((tReceipts - t0) / 1000).toFixed(3),
        ...common,
      });
    }
  } finally {
    await gw.close();
    await smsc.stop();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
    await redis.quit();
  }
}
