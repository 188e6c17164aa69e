import {
  busyShare,
  deviceRecords,
  planDemoFleet,
  simulatorFleet,
} from '../../apps/demo/src/demo-fleet';
import { compare, percentile, summarise, type JobView } from '../../apps/demo/src/report';

describe('demo fleet and verdict', () => {
  const fleet = planDemoFleet();

  it('has 50 of each protocol and the expected outcome of every behaviour', () => {
    const count = (f: (d: (typeof fleet)[0]) => boolean) => fleet.filter(f).length;
    expect(count((d) => d.protocol === 'workpoint')).toBe(50);
    expect(count((d) => d.protocol === 'omadm')).toBe(50);
    expect(count((d) => d.protocol === 'omacp')).toBe(50);
    const expected: Record<string, number> = {};
    for (const d of fleet)
      expected[`${d.protocol} ${d.expect}`] = (expected[`${d.protocol} ${d.expect}`] ?? 0) + 1;
    expect(expected).toEqual({
      'workpoint succeeded': 46,
      'workpoint failed': 2,
      'workpoint expired': 2,
      'omadm succeeded': 46,
      'omadm partial': 2,
      'omadm expired': 2,
      'omacp succeeded': 48,
      'omacp failed': 2,
    });
    expect(busyShare(fleet)).toBeCloseTo(3 / 50);
  });

  it('gives the gateway and the simulator the same credentials, and no switched-off handset', () => {
    const records = deviceRecords(fleet) as Array<{
      id: string;
      credentials?: { serverNonce?: string };
    }>;
    const spec = simulatorFleet(fleet, { smscPort: 1, dmServerUrl: 'u', workpointUrl: 'w' }) as {
      dm: { handsets: Array<{ clientName: string; serverNonce: string }> };
      cp: Array<{ msisdn: string; pin?: string }>;
      faults: Record<string, unknown>;
    };
    for (const h of spec.dm.handsets)
      expect(records.find((r) => r.id === h.clientName)?.credentials?.serverNonce).toBe(
        h.serverNonce,
      );
    expect(spec.cp).toHaveLength(48);
    expect(spec.cp.filter((c) => c.pin)).toHaveLength(3);
    expect(spec.faults['491740000003']).toEqual({ receiptStat: 'EXPIRED' });
    // the same fleet every run
    expect(planDemoFleet()).toEqual(fleet);
  });

  it('names every device whose job ended otherwise, and computes nearest-rank percentiles', () => {
    const job = (deviceId: string, state: string): JobView => ({
      id: `j-${deviceId}`,
      deviceId,
      protocol: 'omadm',
      state,
      createdAt: 0,
      updatedAt: 1000,
      results: [{ status: 'ok' }, { status: 'failed', code: 425 }],
    });
    const jobs = fleet.map((d) => job(d.id, d.expect));
    expect(compare(fleet, jobs)).toEqual([]);
    jobs[0] = job(fleet[0].id, 'expired');
    expect(compare(fleet, jobs)).toEqual([
      `${fleet[0].id} (busy): expected succeeded, got expired (status 425: permission denied)`,
    ]);
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 95)).toBe(5);
    expect(summarise('omadm', [job('x', 'partial')]).reasons).toEqual({
      'partial: status 425: permission denied': 1,
    });
  });
});
