import { CoreDmOperationSource } from '../../apps/gateway/src/orchestration/sources/core-dm-operation-source';
import { CoreWorkpointJobSource } from '../../apps/gateway/src/orchestration/sources/core-workpoint-job-source';
import { coreFixture } from './core-fixture';

describe('core as the work source of the protocol engines', () => {
  let f: Awaited<ReturnType<typeof coreFixture>>;
  beforeEach(async () => {
    f = await coreFixture();
    await f.core.devices.create({
      id: 'phone',
      protocol: 'workpoint',
      addressing: { ip: '10.0.0.9', mac: '00:1A:E8:00:00:09' },
      desired: { 'sip.password': 'desk-pw' },
    });
    await f.core.devices.create({
      id: 'hs',
      protocol: 'omadm',
      addressing: { msisdn: '+491780000001', devId: 'IMEI:490154203237518' },
    });
  });
  afterEach(() => f.t.cleanup());

  it('Workpoint: pending jobs become engine jobs with secrets opened; the outcome ends the core job', async () => {
    const source = new CoreWorkpointJobSource(f.core, 60_000);
    const { job } = await f.core.jobs.create({
      deviceId: 'phone',
      operations: [
        { op: 'set', path: 'sip.password', value: 'new-pw' },
        { op: 'get', path: 'workpoint:function-key-def[3]' },
        { op: 'reboot' },
      ],
    });
    expect(await source.hasPending('00:1a:e8:00:00:09')).toBe(true);
    const work = await source.work('00:1A:E8:00:00:09', 'sess-1.00:1A:E8:00:00:09');
    // the session holds the device's lock before its jobs are in-session
    expect(work.lease).toBe('phone');
    expect(await f.core.locks.holder('phone')).toBe('sess-1.00:1A:E8:00:00:09');
    expect(work.jobs).toEqual([
      {
        id: job.id,
        operations: [
          { kind: 'write', items: [{ name: 'sip-pwd', value: 'new-pw' }] },
          { kind: 'read', items: [{ name: 'function-key-def', index: 3 }] },
          { kind: 'restart' },
        ],
      },
    ]);
    // desired state: the device's own (secret opened) and the OpenStage profile's defaults
    expect(work.desired).toHaveLength(2);
    expect(work.desired).toEqual(
      expect.arrayContaining([
        { name: 'sip-pwd', value: 'desk-pw' },
        { name: 'sip-transport', value: '0' },
      ]),
    );
    expect((await f.core.jobs.get(job.id)).state).toBe('in-session');
    await source.complete('00:1a:e8:00:00:09', {
      jobId: job.id,
      status: 'partial',
      results: [
        { kind: 'write', status: 'succeeded', items: [] },
        {
          kind: 'read',
          status: 'succeeded',
          items: [{ name: 'function-key-def', index: 3, value: '12' }],
        },
        { kind: 'restart', status: 'failed', items: [], error: 'phone refused' },
      ],
    });
    expect(await f.core.jobs.get(job.id)).toMatchObject({
      state: 'partial',
      results: [
        { status: 'ok' },
        { status: 'ok', value: '12' },
        { status: 'failed', message: 'phone refused' },
      ],
    });
    await source.event({
      type: 'phone-registered',
      mac: '00:1A:E8:00:00:09',
      quarantined: false,
      inventory: { 'software-version': 'V3 R5.12.0' },
    });
    // what the phone reported, and what the job wrote (a secret only as its fingerprint)
    expect(await f.core.devices.inventory('phone')).toEqual({
      'software-version': 'V3 R5.12.0',
      'function-key-def[3]': '12',
      'sip-pwd': expect.stringMatching(/^hmac:/),
    });
  });

  it('OMA DM: operations become DM commands; results per command end the job; release puts it back', async () => {
    const source = new CoreDmOperationSource(f.core);
    const { job } = await f.core.jobs.create({
      deviceId: 'hs',
      operations: [
        { op: 'get', path: 'firmware.version' },
        { op: 'set', path: 'sip.password', value: 'dm-pw' },
      ],
    });
    const ops = await source.pending('IMEI:490154203237518');
    expect(ops).toEqual([
      {
        id: `${job.id}.0`,
        command: { kind: 'Get', items: [{ target: { locURI: './DevDetail/FwV' } }] },
      },
      {
        id: `${job.id}.1`,
        addIfAbsent: true,
        command: {
          kind: 'Replace',
          items: [{ target: { locURI: './Vendor/SIP/Password' }, data: 'dm-pw' }],
        },
      },
    ]);
    await source.claim(
      'IMEI:490154203237518',
      's1',
      ops.map((o) => o.id),
    );
    expect((await f.core.jobs.get(job.id)).state).toBe('in-session');
    await source.release('IMEI:490154203237518', ops);
    expect((await f.core.jobs.get(job.id)).state).toBe('awaiting-contact');
    await source.claim(
      'IMEI:490154203237518',
      's2',
      ops.map((o) => o.id),
    );
    await source.complete('IMEI:490154203237518', {
      operationId: `${job.id}.0`,
      status: 200,
      items: [{ uri: './DevDetail/FwV', data: '4.2.1' }],
    });
    expect((await f.core.jobs.get(job.id)).state).toBe('in-session');
    await source.complete('IMEI:490154203237518', { operationId: `${job.id}.1`, status: 405 });
    expect(await f.core.jobs.get(job.id)).toMatchObject({
      state: 'partial',
      results: [
        { status: 'ok', value: '4.2.1', code: 200 },
        { status: 'failed', code: 405 },
      ],
    });
    await source.event({
      type: 'device-info',
      deviceId: 'IMEI:490154203237518',
      info: { nodes: { './DevInfo/Man': 'Acme' } },
    });
    // what the handset reported, and what the job read
    expect(await f.core.devices.inventory('hs')).toEqual({
      './DevInfo/Man': 'Acme',
      './DevDetail/FwV': '4.2.1',
    });
    expect(await source.pending('IMEI:unknown')).toEqual([]);
  });

  it('OMA DM: desired values that differ from the inventory are replaced at every contact', async () => {
    const source = new CoreDmOperationSource(f.core);
    await f.core.devices.update('hs', {
      desired: { 'sip.registrar': 'sip.example.net', 'sip.password': 'dm-desired-pw' },
    });
    await f.core.devices.recordContact('hs', Date.now(), {
      './Vendor/SIP/Registrar': 'old.example.net',
    });
    const ops = await source.pending('IMEI:490154203237518');
    expect(ops).toEqual([
      {
        id: 'desired:./Vendor/SIP/Registrar',
        addIfAbsent: true,
        command: {
          kind: 'Replace',
          items: [{ target: { locURI: './Vendor/SIP/Registrar' }, data: 'sip.example.net' }],
        },
      },
      {
        id: 'desired:./Vendor/SIP/Password',
        addIfAbsent: true,
        command: {
          kind: 'Replace',
          items: [{ target: { locURI: './Vendor/SIP/Password' }, data: 'dm-desired-pw' }],
        },
      },
    ]);
    for (const op of ops)
      await source.complete('IMEI:490154203237518', { operationId: op.id, status: 200 });
    expect(await source.pending('IMEI:490154203237518')).toEqual([]);
    const inventory = await f.core.devices.inventory('hs');
    expect(inventory['./Vendor/SIP/Registrar']).toBe('sip.example.net');
    expect(inventory['./Vendor/SIP/Password']).toMatch(/^hmac:/);
    expect(JSON.stringify(inventory)).not.toContain('dm-desired-pw');
  });
});
