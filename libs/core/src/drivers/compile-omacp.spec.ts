import { encodeProvisioningDocument, serializeProvisioningXml } from '@dm-bridge/omacp';
import { compileCpDocument } from './compile-omacp';

describe('compileCpDocument', () => {
  it('builds one characteristic tree from set operations, selecting instances by their id parm', () => {
    const doc = compileCpDocument([
      {
        op: 'set',
        target: { protocol: 'omacp', path: 'NAPDEF/NAP-ADDRESS' },
        value: 'internet.example',
      },
      {
        op: 'set',
        target: { protocol: 'omacp', path: 'NAPDEF/NAPAUTHINFO/AUTHNAME' },
        value: 'user',
      },
      {
        op: 'set',
        target: { protocol: 'omacp', path: 'APPLICATION[w7]/ADDR' },
        value: 'https://dm.example/dm',
      },
      {
        op: 'set',
        target: { protocol: 'omacp', path: 'APPLICATION[w7]/PROVIDER-ID' },
        value: 'dm-bridge',
      },
    ]);
    expect(doc).toEqual({
      version: '1.0',
      characteristics: [
        {
          kind: 'characteristic',
          type: 'NAPDEF',
          children: [
            { kind: 'parm', name: 'NAP-ADDRESS', value: 'internet.example' },
            {
              kind: 'characteristic',
              type: 'NAPAUTHINFO',
              children: [{ kind: 'parm', name: 'AUTHNAME', value: 'user' }],
            },
          ],
        },
        {
          kind: 'characteristic',
          type: 'APPLICATION',
          children: [
            { kind: 'parm', name: 'APPID', value: 'w7' },
            { kind: 'parm', name: 'ADDR', value: 'https://dm.example/dm' },
            { kind: 'parm', name: 'PROVIDER-ID', value: 'dm-bridge' },
          ],
        },
      ],
    });
    // the document is valid input for the CP encoder (WBXML, OMA-WAP-ProvCont §7)
    expect(encodeProvisioningDocument(doc).length).toBeGreaterThan(20);
    expect(serializeProvisioningXml(doc)).toContain('<parm name="APPID" value="w7"/>');
  });

  it('refuses reads and malformed paths', () => {
    expect(() =>
      compileCpDocument([{ op: 'get', target: { protocol: 'omacp', path: 'NAPDEF/NAP-ADDRESS' } }]),
    ).toThrow(/can only set/);
    expect(() =>
      compileCpDocument([{ op: 'set', target: { protocol: 'omacp', path: 'ADDR' }, value: 'x' }]),
    ).toThrow(/CHARACTERISTIC/);
  });
});
