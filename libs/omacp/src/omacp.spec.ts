import { hex, vectorFile, vectorText } from '../../../test/wap-push/vectors';
import {
  ProvisioningDocumentError,
  buildBootstrap,
  buildBrowserApplication,
  buildDmApplication,
  buildMmsApplication,
  buildNapdef,
  buildPxLogical,
  characteristic,
  collectSecretValues,
  decodeProvisioningDocument,
  encodeProvisioningDocument,
  parm,
  parseProvisioningXml,
  provisioningDocument,
  serializeProvisioningXml,
  validateProvisioningDocument,
} from './index';

const bootstrapXml = vectorText('cp_bootstrap.xml');

/** The cp_bootstrap.xml vector, built with the builders. */
function bootstrapDocument() {
  return provisioningDocument([
    buildBootstrap({ name: 'Example Operator' }),
    buildNapdef({
      napId: 'NAP1',
      name: 'Example Internet',
      apn: 'internet.example',
      auth: { type: 'PAP', name: 'user', secret: 'pass' },
    }),
    buildDmApplication({
      serverId: 'gw.example',
      name: 'Example DM',
      address: 'https://dm.example.com/dm',
      toNapId: 'NAP1',
      serverAuth: { level: 'APPSRV', type: 'DIGEST', name: 'gw.example', secret: 'secret' },
      clientAuth: { level: 'CLIENT', type: 'DIGEST', name: 'device1', secret: 'devpass' },
    }),
  ]);
}

describe('provisioning document XML text', () => {
  it('parses the cp_bootstrap vector into characteristics and parms in order', () => {
    const doc = parseProvisioningXml(bootstrapXml);
    expect(doc.version).toBe('1.0');
    expect(doc.characteristics.map((c) => c.type)).toEqual(['BOOTSTRAP', 'NAPDEF', 'APPLICATION']);
    expect(doc.characteristics[1].children[5]).toEqual(
      characteristic('NAPAUTHINFO', [
        parm('AUTHTYPE', 'PAP'),
        parm('AUTHNAME', 'user'),
        parm('AUTHSECRET', 'pass'),
      ]),
    );
  });

  it('keeps value-less parms (INIT)', () => {
    const doc = parseProvisioningXml(vectorText('cp_unknown_parm_init.xml'));
    expect(doc.version).toBe('1.1');
    expect(doc.characteristics[0].children).toEqual([parm('INIT'), parm('APPID', 'w7')]);
  });

  it('serialises and re-parses to the same model; masks secrets on request', () => {
    const doc = parseProvisioningXml(bootstrapXml);
    expect(parseProvisioningXml(serializeProvisioningXml(doc))).toEqual(doc);
    const masked = serializeProvisioningXml(doc, { maskSecrets: true });
    expect(masked).not.toMatch(/devpass|"secret"|"pass"/);
    expect(masked).toContain('<parm name="AAUTHSECRET" value="******"/>');
    expect(collectSecretValues(doc).sort()).toEqual(['devpass', 'pass', 'secret']);
  });

  it.each([
    ['not XML', '<wap-provisioningdoc><characteristic'],
    ['another root', '<foo/>'],
    [
      'a characteristic without type',
      '<wap-provisioningdoc><characteristic/></wap-provisioningdoc>',
    ],
    [
      'a parm without name',
      '<wap-provisioningdoc><characteristic type="X"><parm value="1"/></characteristic></wap-provisioningdoc>',
    ],
  ])('rejects %s with ProvisioningDocumentError', (_n, xml) => {
    expect(() => parseProvisioningXml(xml)).toThrow(ProvisioningDocumentError);
  });
});

describe('builders (ProvCont 1.1 §5; w7 DM bootstrap)', () => {
  it('reproduce the cp_bootstrap vector document exactly', () => {
    expect(bootstrapDocument()).toEqual(parseProvisioningXml(bootstrapXml));
  });

  it('build a proxy, browser and MMS setup that validates cleanly (1.1)', () => {
    const doc = provisioningDocument(
      [
        buildNapdef({
          napId: 'MMS',
          name: 'MMS',
          apn: 'mms.example',
          internet: true,
          dnsAddresses: ['10.0.0.1'],
        }),
        buildPxLogical({
          proxyId: 'PX1',
          name: 'MMS proxy',
          physical: [
            {
              physicalProxyId: 'PHY1',
              address: '10.0.0.2',
              toNapId: 'MMS',
              ports: [{ portNbr: 8080 }],
            },
          ],
        }),
        buildBrowserApplication({
          toProxy: 'PX1',
          startPage: 'http://wap.example/',
          bookmarks: [{ name: 'News', uri: 'http://news.example/' }],
        }),
        buildMmsApplication({ mmsc: 'http://mmsc.example/', toProxy: 'PX1' }),
        buildDmApplication({
          serverId: 'dm1',
          address: 'https://dm.example/',
          addressForm: 'appaddr',
          port: 443,
          init: true,
          serverAuth: {
            level: 'APPSRV',
            type: 'DIGEST',
            name: 'dm1',
            secret: 's',
            data: 'AAECAw==',
          },
        }),
      ],
      '1.1',
    );
    const v = validateProvisioningDocument(doc);
    expect(v.errors).toEqual([]);
    expect(v.warnings.map((w) => w.code)).toEqual(['UNKNOWN_PARM']); // w7 INIT is app-specific
    expect(v.warnings[0].path).toBe('/characteristic[@type=APPLICATION]/parm[@name=INIT]');
  });

  it('refuse missing mandatory values', () => {
    expect(() => buildNapdef({ napId: '', name: 'x', apn: 'y' })).toThrow(
      ProvisioningDocumentError,
    );
    expect(() => buildPxLogical({ proxyId: 'p', name: 'n', physical: [] })).toThrow(/PXPHYSICAL/);
  });
});

describe('validation against the PROV vocabulary', () => {
  it('reports unknown names as warnings, structural problems as errors', () => {
    const doc = provisioningDocument([
      characteristic('NAPDEF', [
        parm('NAPID', 'a'),
        parm('NAPID', 'b'),
        parm('X-VENDOR', '1'),
        parm('BEARER', 'CARRIER-PIGEON'),
      ]),
      characteristic('PORT', [parm('PORTNBR', '80')]),
      characteristic('X-CUSTOM', [characteristic('NAPAUTHINFO', [parm('AUTHTYPE', 'PAP')])]),
      characteristic('APPLICATION', [
        parm('APPID', 'w2'),
        characteristic('NAPAUTHINFO', [parm('AUTHTYPE', 'PAP')]),
      ]),
    ]);
    const v = validateProvisioningDocument(doc);
    expect(v.valid).toBe(false);
    expect(v.errors.map((e) => e.code).sort()).toEqual(
      [
        'MISPLACED_CHARACTERISTIC',
        'MISPLACED_CHARACTERISTIC',
        'MISSING_PARM',
        'MISSING_PARM',
        'REPEATED_PARM',
      ].sort(),
    );
    expect(v.warnings.map((w) => w.code)).toEqual(
      expect.arrayContaining([
        'UNKNOWN_PARM',
        'UNKNOWN_VALUE',
        'UNKNOWN_CHARACTERISTIC',
        'VERSION_MISMATCH',
      ]),
    );
  });

  it('accepts the cp_bootstrap vector (1.1 names in a 1.0 document are warnings only)', () => {
    const v = validateProvisioningDocument(parseProvisioningXml(bootstrapXml));
    expect(v.valid).toBe(true);
    expect(new Set(v.warnings.map((w) => w.code))).toEqual(new Set(['VERSION_MISMATCH']));
  });
});

describe('PROV WBXML through @dm-bridge/wbxml (ProvCont 1.1 §7; vectors README §A)', () => {
  it('encodes cp_bootstrap byte-exact to the no-string-table libwbxml vector', () => {
    const wbxml = encodeProvisioningDocument(parseProvisioningXml(bootstrapXml));
    expect(hex(wbxml)).toBe(hex(vectorFile('cp_bootstrap.nostrtbl.wbxml')));
  });

  it('encodes the unknown-parm INIT document byte-exact (name= + STR_I)', () => {
    const wbxml = encodeProvisioningDocument(
      parseProvisioningXml(vectorText('cp_unknown_parm_init.xml')),
    );
    expect(hex(wbxml)).toBe(hex(vectorFile('cp_unknown_parm_init.nostrtbl.wbxml')));
  });

  it('decodes both libwbxml encodings (with and without string table) to the same model', () => {
    const expected = parseProvisioningXml(bootstrapXml);
    expect(decodeProvisioningDocument(vectorFile('cp_bootstrap.nostrtbl.wbxml'))).toEqual(expected);
    expect(decodeProvisioningDocument(vectorFile('cp_bootstrap.wbxml'))).toEqual(expected);
  });

  it('rejects truncated WBXML with a typed error', () => {
    const bytes = vectorFile('cp_bootstrap.nostrtbl.wbxml').slice(0, 100);
    expect(() => decodeProvisioningDocument(bytes)).toThrow(ProvisioningDocumentError);
  });
});
