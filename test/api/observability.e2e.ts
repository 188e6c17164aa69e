import { event } from '@dm-bridge/core';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { EventBus } from '../../apps/gateway/src/orchestration/event-bus';
import { EVENT_BUS } from '../../apps/gateway/src/orchestration/orchestration.tokens';
import { ADMIN_KEY, ApiFixture, dropPrefix, startApi, until } from './api-fixture';

/** Reads SSE messages from a stream until `want` of them arrived. */
async function readSse(
  url: string,
  headers: Record<string, string>,
  want: number,
  afterOpen?: () => Promise<void>,
): Promise<{ id: string; event: string; data: any }[]> {
  const ctrl = new AbortController();
  const res = await fetch(url, { headers, signal: ctrl.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const out: { id: string; event: string; data: any }[] = [];
  let opened = false;
  const deadline = Date.now() + 10000;
  while (out.length < want && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      if (!opened && block.startsWith(': connected')) {
        opened = true;
        await afterOpen?.();
      }
      const f = Object.fromEntries(
        block
          .split('\n')
          .filter((l) => !l.startsWith(':'))
          .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
      );
      if (f.event) out.push({ id: f.id, event: f.event, data: JSON.parse(f.data) });
    }
  }
  ctrl.abort();
  return out;
}

describe('observability: metrics, SSE resume, webhook identity', () => {
  let f: ApiFixture;
  let hook: Server;
  const seen: IncomingHttpHeaders[] = [];
  let failHook = true;
  beforeAll(async () => {
    hook = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      res.writeHead(failHook ? 500 : 204).end();
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    f = await startApi({ WEBHOOK_ATTEMPTS: '2', WEBHOOK_BACKOFF_MS: '20' });
  });
  afterAll(async () => {
    await f.close();
    hook.close();
    await dropPrefix(f.prefix);
  });

  it('exports help texts, process metrics and HTTP durations by route and status', async () => {
    await f.call('GET', '/v1/devices');
    await f.call('GET', '/v1/devices/nope');
    await f.call('GET', '/v1/jobs/j-nope');
    const text: string = (await f.call('GET', '/metrics', undefined, { key: null })).body;
    expect(text).toContain('dmb_process_cpu_user_seconds_total');
    expect(text).toContain('dmb_nodejs_eventloop_lag_seconds');
    expect(text).toMatch(
      /dmb_http_request_duration_seconds_count\{method="GET",route="\/v1\/devices",status="200"\} [1-9]/,
    );
    expect(text).toMatch(
      /dmb_http_request_duration_seconds_count\{method="GET",route="\/v1\/devices\/:id",status="404"\} [1-9]/,
    );
    expect(text).toMatch(
      /dmb_http_request_duration_seconds_count\{method="GET",route="\/v1\/jobs\/:id",status="404"\} [1-9]/,
    );
    for (const m of text.matchAll(/^# HELP (\S+) (.*)$/gm)) {
      expect(m[2]).not.toBe(m[1]);
      expect(m[2].length).toBeGreaterThan(10);
    }
  });

  it('gives SSE events ids and resumes after Last-Event-ID from the Redis stream', async () => {
    const bus = f.gw.app.get<EventBus>(EVENT_BUS);
    await bus.publish([1, 2, 3].map((n) => event('device.alert', { n })));
    const url = `${f.gw.apiUrl}/v1/events?types=device.alert`;
    const auth = { authorization: `Bearer ${ADMIN_KEY}` };
    const log = await bus.since('0-0', 10000);
    const mine = log.filter((e) => e.event.type === 'device.alert');
    const first = mine[mine.length - 3];
    expect(first.event.data).toEqual({ n: 1 });
    const resumed = await readSse(url, { ...auth, 'last-event-id': first.id }, 3, () =>
      bus.publish([event('device.alert', { n: 4 })]),
    );
    expect(resumed.map((e) => e.data.data.n)).toEqual([2, 3, 4]);
    expect(resumed[0].id).toBe(mine[mine.length - 2].id);
    expect(resumed.every((e) => /^\d+-\d+$/.test(e.id))).toBe(true);
    const bad = await f.call('GET', '/v1/events', undefined, {
      headers: { 'last-event-id': 'yesterday' },
    });
    expect(bad).toMatchObject({ status: 400, body: { code: 'invalid-last-event-id' } });
  });

  it('sends webhooks as dm-bridge/<version> with one delivery id across retries and replay', async () => {
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    const created = await f.call('POST', '/v1/webhooks', {
      url,
      secret: '0123456789abcdef',
      events: ['device.alert'],
    });
    expect(created.status).toBe(201);
    await f.gw.app.get<EventBus>(EVENT_BUS).publish([event('device.alert', { hook: true })]);
    const letters = await until(
      async () => (await f.call('GET', '/v1/webhook-dead-letters')).body.items,
      (items: any[]) => items.length === 1,
    );
    expect(seen).toHaveLength(2);
    const deliveryId = seen[0]['x-dmb-delivery'];
    expect(seen[1]['x-dmb-delivery']).toBe(deliveryId);
    expect(seen[0]['user-agent']).toMatch(/^dm-bridge\/\d+\.\d+\.\d+/);
    failHook = false;
    expect((await f.call('POST', `/v1/webhook-dead-letters/${letters[0].id}/replay`)).status).toBe(
      202,
    );
    await until(
      async () => seen.length,
      (n) => n === 3,
    );
    expect(seen[2]['x-dmb-delivery']).toBe(deliveryId);
  });
});
