import type { JobOutcome } from '@dm-bridge/workpoint';
import {
  deviceIdOf,
  serveJob,
  startWorkpointGateway,
  waitFor,
  type WorkpointGateway,
} from './support/workpoint-gateway';

/**
 * Every Workpoint flow of ../shared/protocols/workpoint.md §5 over real HTTPS: the in-process
 * gateway (Redis state, core's jobs as the job source, core's wake-up through BullMQ contact-me)
 * against simulated OpenStage phones.
 */
let g: WorkpointGateway;

beforeAll(async () => {
  g = await startWorkpointGateway({ WORKPOINT_BUSY_RETURN_TIMEOUT_MS: '400' });
});
afterAll(async () => {
  await g?.close();
});

const outcome = (mac: string, jobId: string) =>
  waitFor(async () => (await g.source.outcomes(mac)).find((o) => o.jobId === jobId), 10_000);

describe('workpoint flows against the simulated OpenStage phone', () => {
  it('start-up of an unknown phone: plug & play registration with the ReadAllItems inventory (DG p.32-35)', async () => {
    const phone = await g.phone();
    const log = await phone.startUp();
    expect(log.error).toBeUndefined();
    expect(log.steps.map((s) => s.action)).toEqual(['ReadAllItems', 'CleanUp']);
    const state = await g.store.get(phone.options.mac);
    expect(state).toMatchObject({ registration: 'accepted', registered: true });
    expect(state!.inventory['function-key-def[3]']).toBe('0');
    expect(state!.inventory['contact-me-uri']).toBe(phone.contactMeUri);
    expect(state!.interaction).toBeUndefined();
    const events = await g.source.events();
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'phone-registered',
        mac: phone.options.mac,
        quarantined: false,
      }),
    );
    expect(await g.core.devices.get(deviceIdOf(phone.options.mac))).toMatchObject({
      protocol: 'workpoint',
      profile: 'openstage',
    });
  });

  it('solicited write after contact-me: 204, call back, WriteItems, CleanUp; per-item failures are results', async () => {
    const phone = await g.phone();
    await phone.startUp();
    // core's wake-up of the new job is the contact-me
    const contacted = new Promise((r) => phone.once('contact-me', r));
    const called = phone.nextInteraction((l) => l.reason === 'solicited');
    await g.source.enqueue(phone.options.mac, {
      id: 'w1',
      operations: [
        {
          kind: 'write',
          items: [
            { name: 'sntp-addr', value: 'ntp.example.org' },
            { name: 'key-label-unicode', index: 2, value: 'Pick & <up>' },
            { name: 'software-version', value: 'hacked' },
            { name: 'no-such-item', value: '1' },
          ],
        },
      ],
    });
    await contacted;
    const log = await called;
    expect(log.steps.map((s) => s.action)).toEqual(['WriteItems', 'CleanUp']);
    expect(phone.items.get('key-label-unicode[2]')).toBe('Pick & <up>');
    const o = await outcome(phone.options.mac, 'w1');
    expect(o).toEqual<JobOutcome>({
      jobId: 'w1',
      status: 'partial',
      results: [
        {
          kind: 'write',
          status: 'partial',
          error: '2 item(s) refused',
          items: [
            { name: 'software-version', value: '', status: 'read only' },
            { name: 'no-such-item', value: '', status: 'unknown item' },
          ],
        },
      ],
    });
    expect(await g.source.hasPending(phone.options.mac)).toBe(false);
    // core's view: one write operation that the phone did not fully apply
    expect(await g.source.job('w1')).toMatchObject({
      state: 'failed',
      results: [{ status: 'failed', code: 'read only', message: '2 item(s) refused' }],
    });
  });

  it('fragmented ReadAllItems: GetNextFragment until final (DG p.69-70)', async () => {
    const phone = await g.phone({ fragmentSize: 10 });
    const log = await phone.startUp();
    const actions = log.steps.map((s) => s.action);
    expect(actions[0]).toBe('ReadAllItems');
    expect(actions.filter((a) => a === 'GetNextFragment').length).toBe(
      Math.ceil(phone.items.size / 10) - 1,
    );
    expect(actions.at(-1)).toBe('CleanUp');
    const state = await g.store.get(phone.options.mac);
    expect(Object.keys(state!.inventory).length).toBe(phone.items.size);
  });

  it('maxItems-split write keeps related items in one message (DG p.71)', async () => {
    const phone = await g.phone({ maxItems: 3 });
    await phone.startUp();
    const items = [
      { name: 'sntp-addr', value: 'a.ntp' },
      { name: 'function-key-def', index: 4, value: '1' },
      { name: 'key-label-unicode', index: 4, value: 'K4' },
      { name: 'select-dial', index: 4, value: '200' },
      { name: 'hostname', value: 'h' },
      { name: 'country-iso', value: 'FR' },
    ];
    const log = await serveJob(g, phone, {
      id: 'split',
      operations: [{ kind: 'write', items }],
    });
    const writes = log.steps
      .filter((s) => s.action === 'WriteItems')
      .map((s) => s.items.map((i) => i.name));
    expect(writes).toEqual([
      ['sntp-addr'],
      ['function-key-def', 'key-label-unicode', 'select-dial'],
      ['hostname', 'country-iso'],
    ]);
    expect((await outcome(phone.options.mac, 'split')).status).toBe('succeeded');
    expect((await g.source.job('split')).state).toBe('succeeded');
  });

  it('maxItems on every action: a multi-file deployment in several messages, an oversized group refused', async () => {
    const phone = await g.phone({ maxItems: 2 });
    await phone.startUp();
    const file = (i: number) => [
      { name: 'file-https-base-url', index: i, value: `https://f/tone${i}.mp3` },
      { name: 'file-type', index: i, value: 'RINGTONE' },
    ];
    // each message carries one file, so the phone reports each (DG p.52-54)
    let statuses = 0;
    phone.on('interaction', (l) => (statuses += l.reason === 'status' ? 1 : 0));
    const log = await serveJob(g, phone, {
      id: 'files',
      operations: [{ kind: 'file-deploy', items: [...file(1), ...file(2)] }],
    });
    // the phone itself checks every message against its maxItems (an excess is an error here)
    expect(log.error).toBeUndefined();
    // no status for several files (DG p.55): the phone's file reports are read back
    expect(log.steps.map((s) => [s.action, s.items.length])).toEqual([
      ['FileDeployment', 2],
      ['FileDeployment', 2],
      ['ReadAllItems', 0],
      ['CleanUp', 0],
    ]);
    expect(await g.source.job('files')).toMatchObject({ state: 'succeeded' });
    await waitFor(() => statuses === 2 || undefined);
    const key = await serveJob(g, phone, {
      id: 'key',
      operations: [
        {
          kind: 'write',
          items: [
            { name: 'function-key-def', index: 5, value: '1' },
            { name: 'key-label-unicode', index: 5, value: 'K5' },
            { name: 'select-dial', index: 5, value: '201' },
          ],
        },
      ],
    });
    expect(key.steps.map((s) => s.action)).toEqual(['CleanUp']);
    expect(await g.source.job('key')).toMatchObject({
      state: 'failed',
      results: [
        {
          status: 'failed',
          message:
            'the related items "key#5": 3 item(s) must travel in one message, but the phone accepts at most 2 (maxItems)',
        },
      ],
    });
  });

  it('desired state: only differing items are written at start-up', async () => {
    const phone = await g.phone();
    await g.source.setDesired(phone.options.mac, [
      { name: 'sntp-addr', value: 'pool.ntp.org' }, // already so
      { name: 'reg-addr', value: 'pbx.example.com' },
    ]);
    const log = await phone.startUp();
    expect(log.steps.map((s) => s.action)).toEqual(['ReadAllItems', 'WriteItems', 'CleanUp']);
    expect(log.steps[1].items).toEqual([{ name: 'reg-addr', value: 'pbx.example.com' }]);
  });

  it('busy → CleanUp + send-solicited → the phone comes back by itself and the job completes (DG p.72-76)', async () => {
    const phone = await g.phone();
    await phone.startUp();
    phone.setBusy(800); // long enough that the write surely meets the call, even on a loaded machine
    const first = await serveJob(g, phone, {
      id: 'b1',
      operations: [{ kind: 'write', items: [{ name: 'hostname', value: 'busy-one' }] }],
    });
    expect(first.steps.map((s) => s.action)).toEqual(['WriteItems', 'CleanUp']);
    expect(first.cleanUp).toEqual([{ name: 'send-solicited', value: 'true' }]);
    // (the gateway's busy-return timer may contact the still-busy phone once more meanwhile)
    const back = await phone.nextInteraction(
      (l) => l.reason === 'solicited' && l.cleanUp?.length === 0,
    );
    expect(back.steps.map((s) => s.action)).toEqual(['WriteItems', 'CleanUp']);
    expect((await outcome(phone.options.mac, 'b1')).status).toBe('succeeded');
    expect(phone.items.get('hostname')).toBe('busy-one');
    expect((await g.source.job('b1')).state).toBe('succeeded');
  });

  it("seed 000: a 'Busy' reply without ItemList; the cached send-solicited survives a failed reconnect", async () => {
    const phone = await g.phone({ busyStatus: 'Busy' });
    await phone.startUp();
    phone.setBusy(700);
    const failed = new Promise<string>((r) => phone.once('solicited-failed', r));
    const first = await serveJob(g, phone, {
      id: 'b3',
      operations: [{ kind: 'write', items: [{ name: 'hostname', value: 'after-call' }] }],
    });
    expect(first.steps.map((s) => s.action)).toEqual(['WriteItems', 'CleanUp']);
    // only the phone's own reconnect from here on (the gateway's busy-return contact-me is ignored)
    phone.ignoreContactMe = true;
    // the call ends; the reconnect is cut before it could answer: the indication is kept
    phone.cutAfterAction = 'WriteItems';
    expect(first.cleanUp).toEqual([{ name: 'send-solicited', value: 'true' }]);
    expect(await failed).toBe('session cut after WriteItems');
    expect(phone.owesSolicited).toBe(true);
    const back = phone.nextInteraction((l) => l.reason === 'solicited' && !l.error);
    phone.retryOwedSolicited();
    expect((await back).steps.map((s) => s.action)).toEqual(['WriteItems', 'CleanUp']);
    await waitFor(() => !phone.owesSolicited || undefined);
    expect((await outcome(phone.options.mac, 'b3')).status).toBe('succeeded');
    expect(phone.items.get('hostname')).toBe('after-call');
  });

  it('busy without return (old firmware) → contact-me again after the timeout → job served', async () => {
    const phone = await g.phone({ honourSendSolicited: false });
    await phone.startUp();
    phone.setBusy(700); // the write must meet the call even on a loaded machine
    const first = await serveJob(g, phone, {
      id: 'b2',
      operations: [{ kind: 'write', items: [{ name: 'hostname', value: 'later' }] }],
    });
    expect(first.cleanUp).toEqual([{ name: 'send-solicited', value: 'true' }]);
    const contacted = new Promise((r) => phone.once('contact-me', r));
    await contacted; // the busy-return timer (400 ms) fired: contact-me
    await phone.nextInteraction((l) => l.reason === 'solicited');
    expect((await outcome(phone.options.mac, 'b2')).status).toBe('succeeded');
  });

  it('restart and factory reset complete at the next start-up', async () => {
    const phone = await g.phone();
    await phone.startUp();
    phone.items.set('hostname', 'changed');
    const log = await serveJob(g, phone, {
      id: 'fr',
      operations: [{ kind: 'restart', factoryReset: true }],
    });
    expect(log.steps).toEqual([
      {
        action: 'Restart',
        items: [
          { name: 'restart-type', value: 'FactoryReset' },
          { name: 'restart-password', value: '124816' },
        ],
      },
    ]);
    await phone.nextInteraction((l) => l.reason === 'start-up');
    expect((await outcome(phone.options.mac, 'fr')).status).toBe('succeeded');
    expect(phone.items.get('hostname')).toBe('os40-desk1');
    expect((await g.source.job('fr')).state).toBe('succeeded');
  });

  it('software deployment completes when the phone starts up with the new version (DG p.56)', async () => {
    const phone = await g.phone();
    await phone.startUp();
    const log = await serveJob(g, phone, {
      id: 'sw',
      operations: [
        {
          kind: 'software-deploy',
          version: 'V3 R5.22.0',
          items: [
            { name: 'file-https-base-url', value: 'https://files.example/os40.img' },
            { name: 'file-type', value: 'APP' },
            { name: 'file-sw-type', value: 'Siemens SIP' },
            { name: 'file-sw-version', value: 'V3 R5.22.0' },
            { name: 'file-priority', value: 'normal' },
          ],
        },
      ],
    });
    expect(log.steps.map((s) => s.action)).toEqual(['SoftwareDeployment', 'CleanUp']);
    const o = await outcome(phone.options.mac, 'sw');
    expect(o.status).toBe('succeeded');
    expect(phone.items.get('software-version')).toBe('V3 R5.22.0');
  });

  it("file deployment completes with the phone's status report (DG p.52-54)", async () => {
    const phone = await g.phone({ fileDeployStatus: 'failed' });
    await phone.startUp();
    const status = phone.nextInteraction((l) => l.reason === 'status');
    await serveJob(g, phone, {
      id: 'file',
      operations: [
        {
          kind: 'file-deploy',
          items: [
            { name: 'file-https-base-url', value: 'https://f/ring1.mp3' },
            { name: 'file-type', value: 'RINGTONE' },
          ],
        },
      ],
    });
    expect((await status).steps.map((s) => s.action)).toEqual(['CleanUp']);
    const o = await outcome(phone.options.mac, 'file');
    expect(o).toMatchObject({
      status: 'failed',
      results: [{ kind: 'file-deploy', error: 'file deployment status "failed"' }],
    });
    expect(await g.source.job('file')).toMatchObject({
      state: 'failed',
      results: [{ status: 'failed', message: 'file deployment status "failed"' }],
    });
  });

  it('local-changes: items stored, CleanUp (DG p.37)', async () => {
    const phone = await g.phone();
    await phone.startUp();
    const log = await phone.localChange({ 'display-id-unicode': 'Reception' });
    expect(log.steps.map((s) => s.action)).toEqual(['CleanUp']);
    expect((await g.store.get(phone.options.mac))!.inventory['display-id-unicode']).toBe(
      'Reception',
    );
    expect(await g.source.events()).toContainEqual({
      type: 'inventory-changed',
      mac: phone.options.mac,
      items: [{ name: 'display-id-unicode', value: 'Reception' }],
    });
  });

  it('clean-up from the phone ends its interaction; the job stays queued', async () => {
    const phone = await g.phone();
    await phone.startUp();
    phone.ignoreContactMe = true; // the job waits: the phone does not answer its wake-up
    await g.source.enqueue(phone.options.mac, { id: 'keep', operations: [{ kind: 'read-all' }] });
    const log = await phone.sendCleanUp('password retries exceeded');
    expect(log.steps.map((s) => s.action)).toEqual(['CleanUp']);
    expect(await g.source.events()).toContainEqual({
      type: 'phone-clean-up',
      mac: phone.options.mac,
      reason: 'password retries exceeded',
    });
    expect(await g.source.hasPending(phone.options.mac)).toBe(true);
    expect((await g.source.job('keep')).state).not.toMatch(/succeeded|failed|in-session/);
  });

  it('a job that cannot be compiled for the phone fails at once with its reason', async () => {
    const phone = await g.phone();
    await phone.startUp();
    const called = phone.nextInteraction((l) => l.reason === 'solicited');
    const { job } = await g.core.jobs.create({
      deviceId: deviceIdOf(phone.options.mac),
      operations: [{ op: 'raw' } as never],
    });
    expect((await called).steps.map((s) => s.action)).toEqual(['CleanUp']);
    const failed = await g.core.jobs.get(job.id);
    expect(failed).toMatchObject({
      state: 'failed',
      results: [
        {
          status: 'failed',
          code: 'compile-failed',
          message: 'a raw Workpoint operation needs args.operation',
        },
      ],
      faults: [{ code: 'compile-failed' }],
    });
  });

  it('jobs chained one per interaction with send-solicited until the last (DG p.74-75)', async () => {
    const chain = await startWorkpointGateway({ WORKPOINT_JOBS_PER_INTERACTION: 'one' });
    try {
      const phone = await chain.phone();
      await phone.startUp();
      phone.ignoreContactMe = true; // the chain runs on send-solicited alone
      for (const id of ['c1', 'c2', 'c3'])
        await chain.source.enqueue(phone.options.mac, {
          id,
          operations: [{ kind: 'read', items: [{ name: 'e164' }] }],
        });
      const done = new Promise<void>((resolve) => {
        const seen: string[] = [];
        phone.on('interaction', (l) => {
          seen.push(JSON.stringify(l.cleanUp));
          if (l.cleanUp?.length === 0 && seen.length === 3) resolve();
        });
      });
      await phone.solicited();
      await done;
      const cleanUps = phone.log.slice(-3).map((l) => l.cleanUp);
      expect(cleanUps).toEqual([
        [{ name: 'send-solicited', value: 'true' }],
        [{ name: 'send-solicited', value: 'true' }],
        [],
      ]);
      expect((await chain.source.outcomes(phone.options.mac)).map((o) => o.jobId)).toEqual([
        'c1',
        'c2',
        'c3',
      ]);
      for (const id of ['c1', 'c2', 'c3'])
        expect((await chain.source.job(id)).state).toBe('succeeded');
    } finally {
      await chain.close();
    }
  });
});
