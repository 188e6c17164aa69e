import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDefaultTree } from './default-tree';
import { ManagementTree, TreeError } from './management-tree';

const tree = () =>
  buildDefaultTree({
    devId: 'IMEI:1',
    serverId: 'gw.example',
    serverUrl: 'http://gw/dm',
    clientName: 'dev',
    clientPassword: 'secret',
  });

const status = (fn: () => unknown) => {
  try {
    fn();
    return 200;
  } catch (err) {
    if (err instanceof TreeError) return err.status;
    throw err;
  }
};

describe('simulated handset management tree (DM TND 1.2)', () => {
  it('lists interior children and reads leaves', () => {
    const t = tree();
    expect(t.get('./DevInfo')).toEqual({ format: 'node', value: 'DevId/Man/Mod/DmV/Lang' });
    expect(t.get('./DevDetail/LrgObj')).toEqual({ format: 'bool', value: 'true', type: undefined });
    expect(status(() => t.get('./Nope'))).toBe(404);
  });

  it('applies inherited ACLs: read-only DevInfo, server-only DMAcc, write-only secret', () => {
    const t = tree();
    expect(status(() => t.checkAcl('./DevInfo/Man', 'Get', 'anyone'))).toBe(200);
    expect(status(() => t.checkAcl('./DevInfo/Man', 'Replace', 'gw.example'))).toBe(425);
    expect(status(() => t.checkAcl('./DMAcc/srv/Name', 'Replace', 'gw.example'))).toBe(200);
    expect(status(() => t.checkAcl('./DMAcc/srv/Name', 'Replace', 'other'))).toBe(425);
    expect(
      status(() => t.checkAcl('./DMAcc/srv/AppAuth/cl/AAuthSecret', 'Get', 'gw.example')),
    ).toBe(425);
    expect(
      status(() => t.checkAcl('./DMAcc/srv/AppAuth/cl/AAuthSecret', 'Replace', 'gw.example')),
    ).toBe(200);
  });

  it('Add 418 on existing, Replace 404 on missing, Delete, Copy leaf to leaf', () => {
    const t = tree();
    expect(status(() => t.add('./Vendor/dmbridge/sip/Port', '1', 'int'))).toBe(418);
    expect(status(() => t.replace('./Vendor/dmbridge/none', 'x'))).toBe(404);
    expect(status(() => t.add('./Vendor/missing/leaf', 'x', 'chr'))).toBe(404);
    t.add('./Vendor/dmbridge/apn', 'internet', 'chr');
    t.copy('./Vendor/dmbridge/apn2', './Vendor/dmbridge/apn');
    expect(t.get('./Vendor/dmbridge/apn2').value).toBe('internet');
    t.delete('./Vendor/dmbridge/apn');
    expect(t.find('./Vendor/dmbridge/apn')).toBeUndefined();
    expect(status(() => t.copy('./Vendor/x', './Vendor/dmbridge'))).toBe(405);
  });

  it('snapshot/restore undoes changes (Atomic rollback)', () => {
    const t = tree();
    const snap = t.snapshot();
    t.replace('./Vendor/dmbridge/sip/Registrar', 'changed');
    t.add('./Vendor/dmbridge/new', 'n', 'chr');
    t.restore(snap);
    expect(t.get('./Vendor/dmbridge/sip/Registrar').value).toBe('sip.example.net');
    expect(t.find('./Vendor/dmbridge/new')).toBeUndefined();
  });

  it('runs Exec hooks and refuses Exec on plain nodes', () => {
    const t = new ManagementTree();
    let ran = '';
    t.set('./Vendor/Run', undefined, 'chr', {
      exec: (d) => {
        ran = d ?? '';
        return 200;
      },
    });
    expect(t.exec('./Vendor/Run', 'now')).toBe(200);
    expect(ran).toBe('now');
    t.set('./Vendor/Plain', 'v');
    expect(status(() => t.exec('./Vendor/Plain', undefined))).toBe(405);
  });
});

describe('simulated handset tree vs the default parameter catalog', () => {
  it('has every node the default catalog binds for OMA DM outside DMAcc', () => {
    const catalog = JSON.parse(
      readFileSync(
        join(__dirname, '../../../../libs/core/src/catalog/default-parameters.json'),
        'utf8',
      ),
    ) as { name: string; bindings: { omadm?: string } }[];
    const paths = catalog
      .map((p) => p.bindings.omadm)
      .filter((p): p is string => !!p && !p.startsWith('./DMAcc/'));
    expect(paths).toContain('./Vendor/SIP/Registrar');
    const t = tree();
    expect(paths.filter((p) => !t.find(p))).toEqual([]);
    // and the server may set them (DevInfo/DevDetail are read-only by design)
    const settable = paths.filter((p) => p.startsWith('./Vendor/'));
    expect(
      settable.filter((p) => status(() => t.checkAcl(p, 'Replace', 'gw.example')) !== 200),
    ).toEqual([]);
  });
});
