import {
  EngineInput,
  EngineOutput,
  PhoneState,
  WorkpointItem,
  WorkpointJob,
  buildWorkpointMessage,
  expireDeferredJobs,
  handleWorkpointRequest,
  parseDlsMessage,
  solicitedReturnOverdue,
} from '..';

const MAC = '00:1A:E8:00:00:01';
const basic = (extra: WorkpointItem[] = []): WorkpointItem[] => [
  { name: 'mac-addr', value: MAC },
  { name: 'software-version', value: 'V3 R5.21.0' },
  { name: 'configuration-changed-flag', value: 'true' },
  ...extra,
];
const open = (reason: string, nonce = 'N1', items = basic()) =>
  buildWorkpointMessage({ nonce, maxItems: -1, fragment: 'final', reason, items });
const replyTo = (
  action: string,
  items: WorkpointItem[] = [],
  opts: { nonce?: string; status?: string; fragment?: 'next' | 'final'; maxItems?: number } = {},
) =>
  buildWorkpointMessage({
    nonce: opts.nonce ?? 'N1',
    maxItems: opts.maxItems ?? -1,
    fragment: opts.fragment ?? 'final',
    reason: 'reply-to',
    action,
    status: opts.status ?? 'accepted',
    items,
  });

/** Drives the engine like the adapter does: keeps state between requests. */
class Driver {
  state?: PhoneState;
  session?: string;
  n = 0;
  connection = 'c1';
  constructor(
    public work: { jobs: WorkpointJob[]; desired?: WorkpointItem[] } = { jobs: [] },
    public config: EngineInput['config'] = {},
    public secure = false,
  ) {}
  send(body: string, now = 1000): EngineOutput & { dls: ReturnType<typeof parseDlsMessage> } {
    const out = handleWorkpointRequest({
      body,
      state: this.state,
      session: this.session,
      connection: this.connection,
      newSession: `S${++this.n}`,
      now,
      transport: { secure: this.secure },
      work: this.work,
      config: this.config,
    });
    if (out.state !== undefined) this.state = out.state ?? undefined;
    this.session = out.session;
    return { ...out, dls: parseDlsMessage(out.reply) };
  }
}

const inventory: WorkpointItem[] = [
  { name: 'mac-addr', value: MAC },
  { name: 'e164', value: '4930123456' },
  { name: 'sntp-addr', value: 'old.ntp' },
  { name: 'function-key-def', index: 1, value: '0' },
];

describe('workpoint interaction engine', () => {
  it('plug & play: unknown phone start-up → ReadAllItems → registered with inventory → CleanUp', () => {
    const d = new Driver();
    const r1 = d.send(open('start-up', 'AA'));
    expect(r1.dls).toEqual({ nonce: 'AA', action: 'ReadAllItems', items: [] });
    expect(r1.session).toBe('S1');
    const r2 = d.send(replyTo('ReadAllItems', inventory, { nonce: 'AA' }));
    expect(r2.dls).toEqual({ nonce: 'AA', action: 'CleanUp', items: [] });
    expect(r2.events).toEqual([
      {
        type: 'phone-registered',
        mac: MAC,
        quarantined: false,
        inventory: expect.objectContaining({ e164: '4930123456', 'function-key-def[1]': '0' }),
      },
    ]);
    expect(d.state?.registered).toBe(true);
    expect(d.state?.interaction).toBeUndefined();
  });

  it('plug & play policies: quarantine tags the phone and skips desired state; refuse stores nothing', () => {
    const q = new Driver(
      { jobs: [], desired: [{ name: 'sntp-addr', value: 'x' }] },
      { registrationPolicy: 'quarantine' },
    );
    q.send(open('start-up'));
    const r = q.send(replyTo('ReadAllItems', inventory));
    expect(r.dls.action).toBe('CleanUp');
    expect(r.events[0]).toMatchObject({ type: 'phone-registered', quarantined: true });
    const f = new Driver({ jobs: [] }, { registrationPolicy: 'refuse' });
    const rf = f.send(open('start-up'));
    expect(rf.dls.action).toBe('CleanUp');
    expect(rf.state).toBeNull();
    expect(rf.events).toEqual([{ type: 'phone-refused', mac: MAC }]);
  });

  it('fragmented ReadAllItems: GetNextFragment until final, items accumulated (DG p.69-70)', () => {
    const d = new Driver();
    d.send(open('start-up'));
    const f1 = d.send(replyTo('ReadAllItems', inventory.slice(0, 2), { fragment: 'next' }));
    expect(f1.dls).toEqual({ nonce: 'N1', action: 'GetNextFragment', items: [] });
    const f2 = d.send(
      replyTo('ReadAllItems', inventory.slice(2, 3), { fragment: 'next', nonce: 'N2' }),
    );
    expect(f2.dls).toEqual({ nonce: 'N2', action: 'GetNextFragment', items: [] });
    const f3 = d.send(replyTo('ReadAllItems', inventory.slice(3), { nonce: 'N3' }));
    expect(f3.dls.action).toBe('CleanUp');
    expect(Object.keys(d.state!.inventory).sort()).toEqual([
      'configuration-changed-flag',
      'e164',
      'function-key-def[1]',
      'mac-addr',
      'sntp-addr',
      'software-version',
    ]);
  });

  it('desired state: writes only items that differ from what the phone reported', () => {
    const d = new Driver({
      jobs: [],
      desired: [
        { name: 'sntp-addr', value: 'pool.ntp.org' },
        { name: 'e164', value: '4930123456' },
      ],
    });
    d.send(open('start-up'));
    const w = d.send(replyTo('ReadAllItems', inventory));
    expect(w.dls).toEqual({
      nonce: 'N1',
      action: 'WriteItems',
      items: [{ name: 'sntp-addr', value: 'pool.ntp.org' }],
    });
    const c = d.send(replyTo('WriteItems', []));
    expect(c.dls.action).toBe('CleanUp');
    expect(d.state!.inventory['sntp-addr']).toBe('pool.ntp.org');
    // known phone, configuration unchanged: no ReadAllItems, nothing differs → CleanUp at once
    const again = d.send(
      open('start-up', 'N9', [
        { name: 'mac-addr', value: MAC },
        { name: 'configuration-changed-flag', value: 'false' },
      ]),
    );
    expect(again.dls.action).toBe('CleanUp');
  });

  const known = (work: Driver['work'], config: EngineInput['config'] = {}) => {
    const d = new Driver(work, config);
    const w = d.work;
    d.work = { jobs: [] };
    d.send(open('start-up', 'P0'));
    d.send(replyTo('ReadAllItems', inventory, { nonce: 'P0' }));
    d.work = w;
    return d;
  };

  it('solicited write split by maxItems keeps related items together, per-item failures become results', () => {
    const items: WorkpointItem[] = [
      { name: 'sntp-addr', value: 'a' },
      { name: 'function-key-def', index: 2, value: '1' },
      { name: 'key-label-unicode', index: 2, value: 'L2' },
      { name: 'select-dial', index: 2, value: '100' },
      { name: 'bogus-item', value: 'x' },
    ];
    const d = known({ jobs: [{ id: 'j1', operations: [{ kind: 'write', items }] }] });
    const msgs: string[][] = [];
    let r = d.send(
      buildWorkpointMessage({
        nonce: 'S',
        maxItems: 3,
        fragment: 'final',
        reason: 'solicited',
        items: basic(),
      }),
    );
    while (r.dls.action === 'WriteItems') {
      msgs.push(r.dls.items.map((i) => i.name));
      const refused = r.dls.items
        .filter((i) => i.name === 'bogus-item')
        .map((i) => ({ ...i, value: '', status: 'unknown item' }));
      r = d.send(replyTo('WriteItems', refused, { nonce: 'S', maxItems: 3 }));
    }
    expect(msgs).toEqual([
      ['sntp-addr'],
      ['function-key-def', 'key-label-unicode', 'select-dial'],
      ['bogus-item'],
    ]);
    expect(r.dls.action).toBe('CleanUp');
    expect(r.events).toEqual([
      {
        type: 'job-finished',
        mac: MAC,
        outcome: {
          jobId: 'j1',
          status: 'partial',
          results: [
            {
              kind: 'write',
              status: 'partial',
              items: [{ name: 'bogus-item', value: '', status: 'unknown item' }],
              error: '1 item(s) refused',
            },
          ],
        },
      },
    ]);
    expect(d.state!.inventory['key-label-unicode[2]']).toBe('L2');
    expect(d.state!.inventory['bogus-item']).toBeUndefined();
  });

  it('busy: keeps the job, CleanUp + send-solicited, serves it when the phone returns', () => {
    const job: WorkpointJob = {
      id: 'j1',
      operations: [{ kind: 'write', items: [{ name: 'e164', value: '1' }] }],
    };
    const d = known({ jobs: [job] });
    expect(d.send(open('solicited', 'B1')).dls.action).toBe('WriteItems');
    const b = d.send(replyTo('WriteItems', [], { nonce: 'B1', status: 'busy' }), 5000);
    expect(b.dls).toEqual({
      nonce: 'B1',
      action: 'CleanUp',
      items: [{ name: 'send-solicited', value: 'true' }],
    });
    expect(b.events).toEqual([{ type: 'phone-busy', mac: MAC, at: 5000, pendingJobIds: ['j1'] }]);
    expect(solicitedReturnOverdue(d.state!, 5000 + 59_999, 60_000)).toBe(false);
    expect(solicitedReturnOverdue(d.state!, 5000 + 60_000, 60_000)).toBe(true);
    expect(d.send(open('solicited', 'B2')).dls.action).toBe('WriteItems');
    expect(d.state!.sendSolicitedAt).toBeUndefined();
    const done = d.send(replyTo('WriteItems', [], { nonce: 'B2' }));
    expect(done.events[0]).toMatchObject({
      type: 'job-finished',
      outcome: { jobId: 'j1', status: 'succeeded' },
    });
  });

  it("seed 000 spellings: 'Busy' (no ItemList) and 'Accepted' are understood whatever their case", () => {
    const job: WorkpointJob = {
      id: 'j1',
      operations: [{ kind: 'write', items: [{ name: 'e164', value: '1' }] }],
    };
    const d = known({ jobs: [job] });
    d.send(open('solicited', 'B1'));
    // the seed's own busy reply: no ItemList at all
    const seedBusy =
      '<WorkpointMessage><Message nonce="B1" maxItems="-1"><ReasonForContact action="WriteItems" status="Busy">reply-to</ReasonForContact></Message></WorkpointMessage>';
    expect(d.send(seedBusy, 5000).dls.items).toEqual([{ name: 'send-solicited', value: 'true' }]);
    d.send(open('solicited', 'B2'));
    const done = d.send(replyTo('WriteItems', [], { nonce: 'B2', status: 'Accepted' }));
    expect(done.events[0]).toMatchObject({
      type: 'job-finished',
      outcome: { jobId: 'j1', status: 'succeeded' },
    });
  });

  it('busy in the middle of a job resumes at the interrupted operation and keeps earlier results', () => {
    const job: WorkpointJob = {
      id: 'm1',
      operations: [
        { kind: 'read', items: [{ name: 'e164' }] },
        { kind: 'write', items: [{ name: 'sntp-addr', value: 'n' }] },
      ],
    };
    const d = known({ jobs: [job] });
    expect(d.send(open('solicited', 'M1')).dls.action).toBe('ReadItems');
    expect(
      d.send(replyTo('ReadItems', [{ name: 'e164', value: '42' }], { nonce: 'M1' })).dls.action,
    ).toBe('WriteItems');
    d.send(replyTo('WriteItems', [], { nonce: 'M1', status: 'busy' }), 5000);
    // back: the read is not sent again, its value is kept
    expect(d.send(open('solicited', 'M2')).dls.action).toBe('WriteItems');
    const done = d.send(replyTo('WriteItems', [], { nonce: 'M2' }));
    expect(done.events[0]).toEqual({
      type: 'job-finished',
      mac: MAC,
      outcome: {
        jobId: 'm1',
        status: 'succeeded',
        results: [
          { kind: 'read', status: 'succeeded', items: [{ name: 'e164', value: '42' }] },
          { kind: 'write', status: 'succeeded', items: [], error: undefined },
        ],
      },
    });
    expect(d.state!.progress).toBeUndefined();
  });

  it('a phone that keeps ending the interaction at the same job fails it with its reason', () => {
    const job: WorkpointJob = {
      id: 'r1',
      operations: [{ kind: 'write', items: [{ name: 'e164', value: '1' }] }],
    };
    const d = known({ jobs: [job] }, { rejectionLimit: 3 });
    const cleanUp = (nonce: string) =>
      buildWorkpointMessage({
        nonce,
        maxItems: -1,
        fragment: 'final',
        reason: 'clean-up',
        items: [{ name: 'cleanup-reason', value: 'invalid configuration' }],
      });
    for (const n of ['1', '2']) {
      expect(d.send(open('solicited', `R${n}`)).dls.action).toBe('WriteItems');
      expect(d.send(cleanUp(`R${n}`)).events).toEqual([
        { type: 'phone-clean-up', mac: MAC, reason: 'invalid configuration' },
      ]);
    }
    expect(d.send(open('solicited', 'R3')).dls.action).toBe('WriteItems');
    const third = d.send(cleanUp('R3'));
    expect(third.events).toContainEqual({
      type: 'job-finished',
      mac: MAC,
      outcome: {
        jobId: 'r1',
        status: 'failed',
        results: [
          {
            kind: 'write',
            status: 'failed',
            items: [],
            error:
              'the phone ended the interaction 3 times at this operation (last: clean-up "invalid configuration")',
          },
        ],
      },
    });
    expect(d.state!.rejections).toBeUndefined();
  });

  it('maxItems applies to every action: indivisible groups beyond it fail clearly, files go in several messages', () => {
    const file = (i: number): WorkpointItem[] => [
      { name: 'file-https-base-url', index: i, value: `https://f/${i}.mp3` },
      { name: 'file-type', index: i, value: 'RINGTONE' },
    ];
    const jobs: WorkpointJob[] = [
      { id: 'boot', operations: [{ kind: 'restart', factoryReset: true }] },
      {
        id: 'sec',
        operations: [
          {
            kind: 'secure-bootstrap',
            mode: 'nopin',
            clientCertificate: 'PEM',
            serverCa: ['CA1'],
            securePort: 18444,
          },
        ],
      },
      { id: 'files', operations: [{ kind: 'file-deploy', items: [...file(1), ...file(2)] }] },
    ];
    const d = known({ jobs });
    const first = d.send(
      buildWorkpointMessage({
        nonce: 'X1',
        maxItems: 2,
        fragment: 'final',
        reason: 'solicited',
        items: basic(),
      }),
    );
    // the restart pair fits; the secure-mode set (4 items) cannot travel in one message
    expect(first.dls.action).toBe('Restart');
    const d2 = known({ jobs: jobs.slice(1) });
    const r = d2.send(
      buildWorkpointMessage({
        nonce: 'X2',
        maxItems: 2,
        fragment: 'final',
        reason: 'solicited',
        items: basic(),
      }),
    );
    expect(r.events[0]).toEqual({
      type: 'job-finished',
      mac: MAC,
      outcome: {
        jobId: 'sec',
        status: 'failed',
        results: [
          {
            kind: 'secure-bootstrap',
            status: 'failed',
            items: [],
            error:
              'the related items "secure-mode": 4 item(s) must travel in one message, but the phone accepts at most 2 (maxItems)',
          },
        ],
      },
    });
    expect(d2.state!.secureMode).toBeUndefined();
    expect(r.dls).toEqual({ nonce: 'X2', action: 'FileDeployment', items: file(1) });
    const second = d2.send(replyTo('FileDeployment', [], { nonce: 'X2', maxItems: 2 }));
    expect(second.dls).toEqual({ nonce: 'X2', action: 'FileDeployment', items: file(2) });
    // several files send no status (DG p.55): the job waits for the phone's file reports
    expect(d2.send(replyTo('FileDeployment', [], { nonce: 'X2', maxItems: 2 })).dls.action).toBe(
      'ReadAllItems',
    );
    const early = d2.send(replyTo('ReadAllItems', inventory, { nonce: 'X2', maxItems: 2 }));
    expect(early.dls.action).toBe('CleanUp');
    expect(early.events.filter((e) => e.type === 'job-finished')).toEqual([]);
    // at the next contact the inventory is read again and now reports both files
    expect(d2.send(open('local-changes', 'X3', basic())).dls.action).toBe('ReadAllItems');
    const reports: WorkpointItem[] = [
      { name: 'file-deployment-status', index: 1, value: 'ok' },
      { name: 'file-deployment-name', index: 1, value: '1.mp3' },
      { name: 'file-deployment-status', index: 2, value: 'failed' },
      { name: 'file-deployment-name', index: 2, value: '2.mp3' },
    ];
    const verified = d2.send(replyTo('ReadAllItems', [...inventory, ...reports], { nonce: 'X3' }));
    expect(verified.events).toContainEqual({
      type: 'job-finished',
      mac: MAC,
      outcome: {
        jobId: 'files',
        status: 'partial',
        results: [
          {
            kind: 'file-deploy',
            status: 'partial',
            items: [
              { name: 'file-deployment-status', index: 1, value: 'ok' },
              { name: 'file-deployment-name', index: 1, value: '1.mp3' },
              { name: 'file-deployment-status', index: 2, value: 'failed' },
              { name: 'file-deployment-name', index: 2, value: '2.mp3' },
            ],
            error: 'file deployment status not ok for file(s) 2',
          },
        ],
      },
    });
    expect(d2.state!.deferred).toEqual([]);
  });

  it('maxItems=0: nothing with items can be sent (only -1 means unlimited)', () => {
    const d = known({
      jobs: [{ id: 'r0', operations: [{ kind: 'read', items: [{ name: 'e164' }] }] }],
    });
    const r = d.send(
      buildWorkpointMessage({
        nonce: 'Z',
        maxItems: 0,
        fragment: 'final',
        reason: 'solicited',
        items: basic(),
      }),
    );
    expect(r.events[0]).toMatchObject({
      type: 'job-finished',
      outcome: {
        jobId: 'r0',
        status: 'failed',
        results: [
          {
            error:
              'ReadItems: 1 item(s) must travel in one message, but the phone accepts at most 0 (maxItems)',
          },
        ],
      },
    });
    expect(r.dls.action).toBe('CleanUp');
  });

  it('fragment accumulation is capped in count, items, bytes and time (hostile network)', () => {
    const frag = (nonce: string, n: number, size = 1) =>
      replyTo(
        'ReadAllItems',
        Array.from({ length: size }, (_, i) => ({ name: `x${n}-${i}`, value: 'v' })),
        { nonce, fragment: 'next' },
      );
    const capped = (limits: Partial<EngineInput['config']>) => {
      const d = known({ jobs: [{ id: 'ra', operations: [{ kind: 'read-all' }] }] }, limits);
      d.send(open('solicited', 'F'));
      return d;
    };
    const count = capped({ fragmentLimits: { fragments: 3, items: 1e6, bytes: 1e9, ms: 1e9 } });
    for (let n = 1; n <= 3; n++)
      expect(count.send(frag('F', n)).dls.action).toBe('GetNextFragment');
    const fourth = count.send(frag('F', 4));
    expect(fourth.dls).toEqual({ nonce: 'F', action: 'CleanUp', items: [] });
    expect(fourth.events).toContainEqual({
      type: 'request-rejected',
      mac: MAC,
      reason: 'fragmented reply more than 3 fragments',
    });
    expect(count.state!.interaction).toBeUndefined();

    const bytes = capped({ fragmentLimits: { fragments: 1e6, items: 1e6, bytes: 100, ms: 1e9 } });
    expect(bytes.send(frag('F', 1, 20)).events).toContainEqual(
      expect.objectContaining({ reason: 'fragmented reply more than 100 bytes' }),
    );
    const slow = capped({ fragmentLimits: { fragments: 1e6, items: 1e6, bytes: 1e9, ms: 1000 } });
    expect(slow.send(frag('F', 1), 1000).dls.action).toBe('GetNextFragment');
    expect(slow.send(frag('F', 2), 2500).events).toContainEqual(
      expect.objectContaining({ reason: 'fragmented reply longer than 1000 ms' }),
    );
  });

  it('secure listener, no bootstrap by us: the first certificate pins the phone, another and plain mode are refused', () => {
    const d = known({ jobs: [] });
    const fp = (c: string) => `${c}:${c}`.repeat(16).slice(0, 95);
    const send = (nonce: string, secure: boolean, cert?: string) =>
      handleWorkpointRequest({
        body: open('start-up', nonce),
        state: d.state,
        newSession: 'S',
        now: 2000,
        transport: { secure, clientCertFingerprint: cert },
        work: { jobs: [] },
      });
    const first = send('P1', true, fp('aa'));
    expect(first.state!.secureMode).toEqual({
      state: 'active',
      securePort: 0,
      certFingerprint: fp('AA'),
    });
    d.state = first.state!;
    expect(send('P2', true, fp('bb')).events).toContainEqual(
      expect.objectContaining({
        reason: "client certificate is not the one installed in this phone's secure mode",
      }),
    );
    expect(send('P3', false).events).toContainEqual(
      expect.objectContaining({
        reason: 'phone is in secure mode; requests on the default port are refused',
      }),
    );
  });

  it("the job source's binding (core: kept with the device) holds without any phone state", () => {
    const fp = (c: string) => `${c}:${c}`.repeat(16).slice(0, 95);
    const send = (nonce: string, secure: boolean, cert?: string) =>
      handleWorkpointRequest({
        body: open('start-up', nonce),
        newSession: 'S',
        now: 2000,
        transport: { secure, clientCertFingerprint: cert },
        work: { jobs: [], known: true, certFingerprint: fp('AA') },
      });
    const plain = send('Q1', false);
    expect(parseDlsMessage(plain.reply).action).toBe('CleanUp');
    expect(plain.state).toBeUndefined();
    expect(plain.events).toContainEqual(
      expect.objectContaining({
        reason: 'phone is in secure mode; requests on the default port are refused',
      }),
    );
    const other = send('Q2', true, fp('bb'));
    expect(parseDlsMessage(other.reply).action).toBe('CleanUp');
    expect(other.events).toContainEqual(
      expect.objectContaining({
        reason: "client certificate is not the one installed in this phone's secure mode",
      }),
    );
    const own = send('Q3', true, fp('aa'));
    expect(parseDlsMessage(own.reply).action).toBe('ReadAllItems');
    expect(own.state!.secureMode).toEqual({
      state: 'active',
      securePort: 0,
      certFingerprint: fp('AA'),
    });
    expect(own.events).toContainEqual({
      type: 'secure-mode-active',
      mac: own.mac,
      certFingerprint: fp('AA'),
    });
  });

  it("jobsPerInteraction 'one': chains jobs with send-solicited until the last (DG p.74-75)", () => {
    const jobs: WorkpointJob[] = ['a', 'b'].map((id) => ({
      id,
      operations: [{ kind: 'read', items: [{ name: 'e164' }] }],
    }));
    const d = known({ jobs }, { jobsPerInteraction: 'one' });
    expect(d.send(open('solicited', 'C1')).dls).toMatchObject({
      action: 'ReadItems',
      items: [{ name: 'e164', value: '' }],
    });
    const c1 = d.send(replyTo('ReadItems', [{ name: 'e164', value: '42' }], { nonce: 'C1' }));
    expect(c1.dls.items).toEqual([{ name: 'send-solicited', value: 'true' }]);
    expect(c1.events[0]).toMatchObject({
      outcome: { jobId: 'a', results: [{ items: [{ name: 'e164', value: '42' }] }] },
    });
    d.work = { jobs: jobs.slice(1) };
    d.send(open('solicited', 'C2'));
    const c2 = d.send(
      replyTo('ReadItems', [{ name: 'e164', value: '', status: 'read only' }], { nonce: 'C2' }),
    );
    expect(c2.dls).toEqual({ nonce: 'C2', action: 'CleanUp', items: [] });
    expect(c2.events[0]).toMatchObject({ outcome: { jobId: 'b', status: 'failed' } });
  });

  it('restart and factory reset complete at the next start-up; software deployment checks the version', () => {
    const d = known({ jobs: [{ id: 'r', operations: [{ kind: 'restart', factoryReset: true }] }] });
    const r = d.send(open('solicited', 'R1'));
    expect(r.dls).toEqual({
      nonce: 'R1',
      action: 'Restart',
      items: [
        { name: 'restart-type', value: 'FactoryReset' },
        { name: 'restart-password', value: '124816' },
      ],
    });
    d.work = { jobs: [{ id: 'r', operations: [{ kind: 'restart', factoryReset: true }] }] };
    const s = d.send(open('start-up', 'R2', basic([])));
    expect(s.events[0]).toMatchObject({
      type: 'job-finished',
      outcome: { jobId: 'r', status: 'succeeded' },
    });
    expect(s.events.some((e) => e.type === 'interaction-aborted')).toBe(false);
    expect(s.dls.action).toBe('ReadAllItems'); // configuration-changed-flag=true

    const sw: WorkpointJob = {
      id: 'sw',
      operations: [
        {
          kind: 'software-deploy',
          version: 'V3 R5.22.0',
          items: [{ name: 'file-type', value: 'APP' }],
        },
      ],
    };
    const e = known({ jobs: [sw] });
    expect(e.send(open('solicited', 'W1')).dls.action).toBe('SoftwareDeployment');
    expect(e.send(replyTo('SoftwareDeployment', [], { nonce: 'W1' })).dls.action).toBe('CleanUp');
    const up = e.send(
      open('start-up', 'W2', [
        { name: 'mac-addr', value: MAC },
        { name: 'software-version', value: 'V3 R5.22.0' },
      ]),
    );
    expect(up.events[0]).toMatchObject({ outcome: { jobId: 'sw', status: 'succeeded' } });
    const bad = known({ jobs: [sw] });
    bad.send(open('solicited', 'W1'));
    const up2 = bad.send(open('start-up', 'W3', basic()));
    expect(up2.events[0]).toMatchObject({
      outcome: {
        jobId: 'sw',
        status: 'failed',
        results: [{ error: expect.stringContaining('expected "V3 R5.22.0"') }],
      },
    });
    const exp = expireDeferredJobs(
      { ...e.state!, deferred: [{ jobId: 'x', kind: 'restart', results: [], since: 0 }] },
      10_000,
      5_000,
    );
    expect(exp.events[0]).toMatchObject({ outcome: { jobId: 'x', status: 'failed' } });
  });

  it("single file deployment completes with the phone's status report", () => {
    const job: WorkpointJob = {
      id: 'f',
      operations: [
        {
          kind: 'file-deploy',
          items: [
            { name: 'file-https-base-url', value: 'https://x/r.mp3' },
            { name: 'file-type', value: 'RINGTONE' },
          ],
        },
      ],
    };
    const d = known({ jobs: [job] });
    expect(d.send(open('solicited', 'F1')).dls.action).toBe('FileDeployment');
    expect(d.send(replyTo('FileDeployment', [], { nonce: 'F1' })).dls.action).toBe('CleanUp');
    d.work = { jobs: [job] };
    const st = d.send(
      open('status', 'F2', [
        { name: 'mac-addr', value: MAC },
        { name: 'file-deployment-status', value: 'ok' },
      ]),
    );
    expect(st.events[0]).toMatchObject({ outcome: { jobId: 'f', status: 'succeeded' } });
    expect(st.dls.action).toBe('CleanUp');
  });

  it('local-changes without the changed items (older firmware) → ReadAllItems, the change is found', () => {
    const d = known({ jobs: [] });
    const r = d.send(open('local-changes', 'LC', [{ name: 'mac-addr', value: MAC }]));
    expect(r.dls.action).toBe('ReadAllItems');
    const done = d.send(
      replyTo(
        'ReadAllItems',
        [...inventory.slice(0, 1), { name: 'e164', value: '999' }, ...inventory.slice(2)],
        {
          nonce: 'LC',
        },
      ),
    );
    expect(done.dls.action).toBe('CleanUp');
    expect(done.events).toEqual([
      { type: 'inventory-changed', mac: MAC, items: [{ name: 'e164', value: '999' }] },
    ]);
  });

  it('goto-secure-mode only in a secure-bootstrap: refused in writes, reads, deployments and desired state (seed 002)', () => {
    const jobs: WorkpointJob[] = [
      {
        id: 'w',
        operations: [{ kind: 'write', items: [{ name: 'goto-secure-mode', value: 'nopin' }] }],
      },
      { id: 'r', operations: [{ kind: 'read', items: [{ name: 'goto-secure-mode' }] }] },
      {
        id: 'f',
        operations: [
          {
            kind: 'file-deploy',
            items: [
              { name: 'file-type', value: 'LOGO' },
              { name: 'secure-mode-data', value: 'x' },
            ],
          },
        ],
      },
    ];
    const d = known({ jobs, desired: [{ name: 'goto-secure-mode', value: 'nopin' }] });
    const r = d.send(open('solicited', 'G1'));
    expect(r.dls.action).toBe('CleanUp');
    const errors = r.events.flatMap((e) =>
      e.type === 'job-finished'
        ? [e.outcome.results[0].error]
        : e.type === 'request-rejected'
          ? [e.reason]
          : [],
    );
    expect(errors).toEqual([
      "job w: write: 'goto-secure-mode' may only be sent by a secure-bootstrap operation (seed 002)",
      "job r: read: 'goto-secure-mode' may only be sent by a secure-bootstrap operation (seed 002)",
      "job f: file-deploy: 'secure-mode-data' may only be sent by a secure-bootstrap operation (seed 002)",
      "desired state: 'goto-secure-mode' may only be sent by a secure-bootstrap operation (seed 002)",
    ]);
  });

  it('local-changes updates the inventory and answers CleanUp; clean-up from the phone ends the interaction', () => {
    const d = known({ jobs: [] });
    const r = d.send(
      open('local-changes', 'L1', [
        { name: 'mac-addr', value: MAC },
        { name: 'e164', value: '777' },
      ]),
    );
    expect(r.dls.action).toBe('CleanUp');
    expect(r.events).toEqual([
      { type: 'inventory-changed', mac: MAC, items: [{ name: 'e164', value: '777' }] },
    ]);
    d.work = { jobs: [{ id: 'j', operations: [{ kind: 'read-all' }] }] };
    d.send(open('solicited', 'L2'));
    const c = d.send(
      buildWorkpointMessage({
        nonce: 'L2',
        maxItems: -1,
        fragment: 'final',
        reason: 'clean-up',
        items: [{ name: 'cleanup-reason', value: 'password retries exceeded' }],
      }),
    );
    expect(c.dls.action).toBe('CleanUp');
    expect(c.events).toEqual([
      { type: 'phone-clean-up', mac: MAC, reason: 'password retries exceeded' },
    ]);
    expect(d.state!.interaction).toBeUndefined();
  });

  it('exact retransmission gets the same reply without new effects; finished nonce gets CleanUp', () => {
    const d = known({
      jobs: [{ id: 'j', operations: [{ kind: 'write', items: [{ name: 'e164', value: '1' }] }] }],
    });
    const first = d.send(open('solicited', 'X1'));
    const stateAfter = d.state;
    d.session = undefined; // the phone sent no cookie on its first request either
    d.connection = 'c2'; // it lost our reply and reconnected
    const again = d.send(open('solicited', 'X1'));
    expect(again.reply).toBe(first.reply);
    expect(again.events).toEqual([]);
    expect(d.state).toBe(stateAfter);
    d.session = 'S1';
    const done = d.send(replyTo('WriteItems', [], { nonce: 'X1' }));
    expect(done.events).toHaveLength(1);
    const replay = d.send(replyTo('WriteItems', [], { nonce: 'X1' }) + ' ');
    expect(replay.dls.action).toBe('CleanUp');
    expect(replay.events).toEqual([
      { type: 'request-rejected', mac: MAC, reason: 'nonce of a finished interaction' },
    ]);
  });

  it('a session-opening reason supersedes an open interaction; unknown reason and malformed XML get CleanUp', () => {
    const d = known({ jobs: [{ id: 'j', operations: [{ kind: 'read-all' }] }] });
    d.send(open('solicited', 'Y1'));
    const s = d.send(open('solicited', 'Y2'));
    expect(s.events[0]).toEqual({
      type: 'interaction-aborted',
      mac: MAC,
      reason: 'superseded by solicited',
    });
    expect(s.dls.action).toBe('ReadAllItems');
    const u = d.send(open('dance', 'Y3'));
    expect(u.dls).toEqual({ nonce: 'Y3', action: 'CleanUp', items: [] });
    expect(u.events.map((e) => e.type)).toEqual(['interaction-aborted', 'request-rejected']);
    const m = d.send('<WorkpointMessage><Message nonce="Y4"><Reason');
    expect(m.dls).toEqual({ nonce: 'Y4', action: 'CleanUp', items: [] });
    expect(m.events[0]).toMatchObject({
      type: 'request-rejected',
      reason: expect.stringContaining('unparsable'),
    });
    const n = d.send(replyTo('WriteItems', [], { nonce: 'Y5' }));
    expect(n.dls.action).toBe('CleanUp');
  });

  it('secure-mode bootstrap without PIN, then only mutual-TLS requests are served; PIN refused clearly', () => {
    const boot: WorkpointJob = {
      id: 'sec',
      operations: [
        {
          kind: 'secure-bootstrap',
          mode: 'nopin',
          clientCertificate: 'CERT+KEY',
          serverCa: ['CA0', 'CA1'],
          securePort: 18444,
        },
      ],
    };
    const d = known({ jobs: [boot] });
    const w = d.send(open('solicited', 'Z1'));
    expect(w.dls.items).toEqual([
      { name: 'goto-secure-mode', value: 'nopin' },
      { name: 'dls-client-certificate', value: 'CERT+KEY' },
      { name: 'dls-server-ca', index: 0, value: 'CA0' },
      { name: 'dls-server-ca', index: 1, value: 'CA1' },
      { name: 'dls-secure-port', value: '18444' },
    ]);
    expect(d.send(replyTo('WriteItems', [], { nonce: 'Z1' })).dls.action).toBe('CleanUp');
    expect(d.state!.secureMode).toEqual({ state: 'bootstrapping', securePort: 18444 });
    d.secure = true;
    d.work = { jobs: [boot] };
    const up = d.send(open('start-up', 'Z2'));
    expect(up.events.map((e) => e.type)).toEqual(['secure-mode-active', 'job-finished']);
    expect(up.events[1]).toMatchObject({ outcome: { jobId: 'sec', status: 'succeeded' } });
    d.secure = false;
    const plain = d.send(open('start-up', 'Z3'));
    expect(plain.dls.action).toBe('CleanUp');
    expect(plain.events[0]).toMatchObject({ reason: expect.stringContaining('secure mode') });

    const p = known({
      jobs: [{ id: 'pin', operations: [{ ...(boot.operations[0] as any), mode: 'pin' }] }],
    });
    const r = p.send(open('solicited', 'Q1'));
    expect(r.dls.action).toBe('CleanUp');
    expect(r.events[0]).toMatchObject({
      outcome: {
        jobId: 'pin',
        status: 'failed',
        results: [
          { error: expect.stringContaining('secure-mode bootstrap with PIN is not supported') },
        ],
      },
    });
  });

  it('a ReadItems list longer than maxItems goes out in several messages, results joined', () => {
    const d = known({
      jobs: [
        {
          id: 'r',
          operations: [{ kind: 'read', items: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }],
        },
      ],
    });
    const r1 = d.send(
      buildWorkpointMessage({
        nonce: 'M',
        maxItems: 2,
        fragment: 'final',
        reason: 'solicited',
        items: basic(),
      }),
    );
    expect(r1.dls.items.map((i) => i.name)).toEqual(['a', 'b']);
    const r2 = d.send(
      replyTo(
        'ReadItems',
        [
          { name: 'a', value: '1' },
          { name: 'b', value: '2' },
        ],
        { nonce: 'M', maxItems: 2 },
      ),
    );
    expect(r2.dls).toEqual({ nonce: 'M', action: 'ReadItems', items: [{ name: 'c', value: '' }] });
    const r3 = d.send(
      replyTo('ReadItems', [{ name: 'c', value: '3' }], { nonce: 'M', maxItems: 2 }),
    );
    expect(r3.dls.action).toBe('CleanUp');
    expect(r3.events[0]).toMatchObject({
      outcome: {
        jobId: 'r',
        status: 'succeeded',
        results: [
          {
            items: [
              { name: 'a', value: '1' },
              { name: 'b', value: '2' },
              { name: 'c', value: '3' },
            ],
          },
        ],
      },
    });
  });

  it('a phone answering failed fails the operation and the rest of the job, then continues', () => {
    const d = known({
      jobs: [
        {
          id: 'a',
          operations: [
            { kind: 'write', items: [{ name: 'e164', value: '1' }] },
            { kind: 'read-all' },
          ],
        },
        { id: 'b', operations: [{ kind: 'read', items: [{ name: 'e164' }] }] },
      ],
    });
    d.send(open('solicited', 'K1'));
    const r = d.send(replyTo('WriteItems', [], { nonce: 'K1', status: 'failed' }));
    expect(r.dls.action).toBe('ReadItems');
    expect(r.events[0]).toMatchObject({
      outcome: {
        jobId: 'a',
        status: 'failed',
        results: [{ error: 'phone answered WriteItems with status "failed"' }],
      },
    });
  });
});
