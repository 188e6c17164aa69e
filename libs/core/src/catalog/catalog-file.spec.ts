import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../errors';
import {
  CatalogFileError,
  catalogFileFormat,
  parseCatalogFile,
  parseCatalogText,
  validateCatalogFile,
} from './catalog-file';
import {
  ParameterCatalog,
  validateParameterDefinition,
  validateProfile,
} from './parameter-catalog';
import defaultParameters from './default-parameters.json';
import defaultProfiles from './default-profiles.json';

/** The error parseCatalogFile throws, for exact assertions on code, message and details. */
function failure(name: string, text: string): CatalogFileError {
  try {
    parseCatalogFile(name, text);
  } catch (err) {
    expect(err).toBeInstanceOf(CatalogFileError);
    expect(err).toBeInstanceOf(ValidationError);
    return err as CatalogFileError;
  }
  throw new Error(`expected ${name} to be refused`);
}

const YAML_FILE = `# a site
parameters:
  - name: site.voicemail
    type: string
    maxLength: 32
    bindings:
      workpoint: voice-mail-e164
  - name: site.mode
    type: enum
    enum: ["0", "1"]
    bindings: { workpoint: site-mode, omadm: ./Vendor/Site/Mode }
profiles:
  - id: site-phones
    protocol: workpoint
    models: [OpenStage 40]
    bindings:
      sip.server: sgnl-gateway-addr
    desired:
      sip.transport: "1"
      sip.registrar.port: 5060
`;

describe('parseCatalogFile', () => {
  it('reads a YAML file into parameters and profiles, values typed as in YAML 1.2', () => {
    expect(parseCatalogFile('site.yaml', YAML_FILE)).toEqual({
      parameters: [
        {
          name: 'site.voicemail',
          type: 'string',
          maxLength: 32,
          bindings: { workpoint: 'voice-mail-e164' },
        },
        {
          name: 'site.mode',
          type: 'enum',
          enum: ['0', '1'],
          bindings: { workpoint: 'site-mode', omadm: './Vendor/Site/Mode' },
        },
      ],
      profiles: [
        {
          id: 'site-phones',
          protocol: 'workpoint',
          models: ['OpenStage 40'],
          bindings: { 'sip.server': 'sgnl-gateway-addr' },
          desired: { 'sip.transport': '1', 'sip.registrar.port': 5060 },
        },
      ],
    });
  });

  it('reads the same catalog from JSON, and YAML 1.2 keeps yes/no/on as strings', () => {
    const json = JSON.stringify({
      parameters: [{ name: 'site.flag', type: 'bool', bindings: { workpoint: 'x-flag' } }],
      profiles: [{ id: 'p', protocol: 'omadm', desired: { 'site.flag': 'true' } }],
    });
    expect(parseCatalogFile('site.json', json)).toEqual({
      parameters: [{ name: 'site.flag', type: 'bool', bindings: { workpoint: 'x-flag' } }],
      profiles: [{ id: 'p', protocol: 'omadm', desired: { 'site.flag': 'true' } }],
    });
    expect(
      parseCatalogFile('a.yml', 'profiles:\n  - {id: p, protocol: omacp, models: [yes, no, on]}'),
    ).toEqual({
      parameters: [],
      profiles: [{ id: 'p', protocol: 'omacp', models: ['yes', 'no', 'on'] }],
    });
  });

  it('treats a file of comments or empty lists as an empty catalog; skips a BOM', () => {
    expect(parseCatalogFile('empty.yaml', '# nothing yet\n')).toEqual({
      parameters: [],
      profiles: [],
    });
    expect(parseCatalogFile('lists.yaml', 'parameters:\nprofiles: []\n')).toEqual({
      parameters: [],
      profiles: [],
    });
    expect(parseCatalogFile('bom.json', '\ufeff{"profiles": []}')).toEqual({
      parameters: [],
      profiles: [],
    });
  });

  it('picks the format from the name, YAML when unknown', () => {
    expect(catalogFileFormat('a.json')).toBe('json');
    expect(catalogFileFormat('a.YAML')).toBe('yaml');
    expect(catalogFileFormat('a.yml')).toBe('yaml');
    expect(catalogFileFormat('a.txt')).toBeUndefined();
    // JSON rules for .json: a trailing comma is refused although YAML would take it
    expect(failure('t.json', '{"profiles": [],}').message).toBe(
      "t.json: JSON syntax error at line 1, column 17: unexpected '}'",
    );
    expect(parseCatalogFile('request body', '{"profiles": [],}')).toEqual({
      parameters: [],
      profiles: [],
    });
  });

  describe('YAML syntax errors name the line and column', () => {
    it.each([
      [
        'parameters:\n  - name: a\n   type: string\n',
        'bad.yaml: YAML syntax error at line 3, column 1: Sequence item without - indicator',
        3,
        1,
      ],
      [
        'parameters: [1, 2\nprofiles: []\n',
        'bad.yaml: YAML syntax error at line 2, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
        2,
        1,
      ],
      [
        'profiles: []\nprofiles: []\n',
        'bad.yaml: YAML syntax error at line 2, column 1: Map keys must be unique',
        2,
        1,
      ],
      [
        'profiles:\n\t- id: a\n',
        'bad.yaml: YAML syntax error at line 2, column 1: Tabs are not allowed as indentation',
        2,
        1,
      ],
      [
        'profiles: []\n---\nparameters: []\n',
        'bad.yaml: YAML syntax error at line 2, column 1: a catalog file holds one YAML document',
        2,
        1,
      ],
      [
        'profiles:\n  - &p {id: a, protocol: omadm}\n  - *q\n',
        'bad.yaml: YAML syntax error at line 3, column 5: Unresolved alias (the anchor must be set before the alias): q',
        3,
        5,
      ],
    ])('%j', (text, message, line, column) => {
      const err = failure('bad.yaml', text);
      expect(err.code).toBe('invalid-yaml');
      expect(err.message).toBe(message);
      expect(err.file).toBe('bad.yaml');
      expect(err.details).toEqual({ file: 'bad.yaml', line, column });
    });
  });

  describe('JSON syntax errors name the line and column, whatever the Node version says', () => {
    it.each([
      ['{"parameters": [\n  {"name": "a",}\n]}', 2, 16, "unexpected '}'"],
      ['{"parameters": [\n  {"name": "a"\n', 3, 1, 'unexpected end of input'],
      ['', 1, 1, 'unexpected end of input'],
      ['{"profiles": tru}', 1, 14, "unexpected 't'"],
      ['{"profiles": "a\\x"}', 1, 17, "unexpected 'x'"],
      ['{"profiles": "a\tb"}', 1, 16, 'unexpected control character U+0009'],
      ['{"profiles": []} x', 1, 18, "unexpected 'x'"],
      ["{'profiles': []}", 1, 2, "unexpected '''"],
      ['{"profiles": 01}', 1, 15, "unexpected '1'"],
      ['['.repeat(100000), 1, 100001, 'unexpected end of input'],
    ])('%j', (text, line, column, reason) => {
      const err = failure('bad.json', text);
      expect(err.code).toBe('invalid-json');
      expect(err.message).toBe(
        `bad.json: JSON syntax error at line ${line}, column ${column}: ${reason}`,
      );
      expect(err.details).toEqual({ file: 'bad.json', line, column });
    });
  });

  it('refuses a document that is not a mapping of lists', () => {
    const notMap = failure('a.yaml', '- id: x\n');
    expect(notMap.code).toBe('invalid-catalog-file');
    expect(notMap.message).toBe(
      'a.yaml: must be a mapping with "parameters" and/or "profiles" lists',
    );
    expect(failure('a.json', '"text"').message).toBe(
      'a.json: must be a mapping with "parameters" and/or "profiles" lists',
    );
    const notList = failure('a.yaml', 'parameters:\n  name: x\n');
    expect(notList.code).toBe('invalid-catalog-file');
    expect(notList.message).toBe('a.yaml: "parameters" must be a list');
    expect(failure('a.json', '{"profiles": {}}').message).toBe('a.json: "profiles" must be a list');
  });

  it('refuses an unknown top-level key, with its line in YAML', () => {
    const err = failure('a.yaml', 'profiles: []\nprofile:\n  - id: x\n');
    expect(err.code).toBe('invalid-catalog-file');
    expect(err.message).toBe(
      'a.yaml: unknown top-level key "profile" at line 2 (allowed: parameters, profiles)',
    );
    expect(err.details).toEqual({ file: 'a.yaml', key: 'profile' });
    expect(failure('a.json', '{"parameter": []}').message).toBe(
      'a.json: unknown top-level key "parameter" (allowed: parameters, profiles)',
    );
  });

  it('names the invalid entry by index, name or id, and line (YAML)', () => {
    const type = failure(
      'site.yaml',
      'parameters:\n  - name: ok.one\n    type: string\n    bindings: {workpoint: a}\n  - name: site.port\n    type: integer\n    bindings: {workpoint: b}\n',
    );
    expect(type.code).toBe('invalid-parameter');
    expect(type.message).toBe(
      'site.yaml: parameters[1] "site.port" (line 5): parameter type \'integer\' is not supported',
    );
    expect(type.details).toEqual({ file: 'site.yaml', index: 1, name: 'site.port' });

    const noId = failure('site.yaml', 'profiles:\n  - protocol: workpoint\n');
    expect(noId.code).toBe('invalid-profile');
    expect(noId.message).toBe(
      'site.yaml: profiles[0] (line 2): profile needs an id of letters, digits, dot, dash, underscore',
    );
    expect(noId.details).toEqual({ file: 'site.yaml', index: 0 });

    const json = failure('site.json', '{"profiles": [{"id": "p", "protocol": "sms"}]}');
    expect(json.code).toBe('invalid-profile');
    expect(json.message).toBe(
      'site.json: profiles[0] "p": profile protocol must be one of workpoint, omadm, omacp',
    );
    expect(json.details).toEqual({ file: 'site.json', index: 0, id: 'p' });
  });

  it('refuses YAML numbers where strings are needed', () => {
    const err = failure(
      'site.yaml',
      'parameters:\n  - name: site.mode\n    type: enum\n    enum: [0, 1]\n    bindings: {workpoint: m}\n',
    );
    expect(err.message).toBe(
      'site.yaml: parameters[0] "site.mode" (line 2): enum must be a non-empty list of strings (quote numbers in YAML)',
    );
    expect(
      failure('site.yaml', 'parameters:\n  - {name: a.b, type: int, bindings: {omadm: 7}}\n')
        .message,
    ).toBe('site.yaml: parameters[0] "a.b" (line 2): binding for omadm must be a non-empty string');
    expect(
      failure('site.yaml', 'profiles:\n  - {id: p, protocol: omadm, models: [40, 60]}\n').message,
    ).toBe('site.yaml: profiles[0] "p" (line 2): models must be a list of strings');
  });

  it('refuses the same name twice in one file', () => {
    const err = failure(
      'site.yaml',
      'profiles:\n  - {id: p, protocol: omadm}\n  - {id: q, protocol: omadm}\n  - {id: p, protocol: omacp}\n',
    );
    expect(err.code).toBe('duplicate-profile');
    expect(err.message).toBe('site.yaml: profiles[2] "p" (line 4): repeats profiles[0]');
    expect(
      failure(
        'a.json',
        '{"parameters": [{"name": "a.b", "type": "int", "bindings": {}}, {"name": "a.b", "type": "int", "bindings": {}}]}',
      ).message,
    ).toBe('a.json: parameters[1] "a.b": repeats parameters[0]');
  });
});

describe('parseCatalogText and validateCatalogFile (API bodies)', () => {
  it('parses one YAML entry as a plain value', () => {
    expect(
      parseCatalogText('request body', 'name: a.b\ntype: int\nbindings:\n  omadm: ./A/B\n', 'yaml'),
    ).toEqual({ name: 'a.b', type: 'int', bindings: { omadm: './A/B' } });
    expect(() => parseCatalogText('request body', 'name: [a\n', 'yaml')).toThrow(
      'request body: YAML syntax error at line 2, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
    );
  });

  it('validates an already parsed document like a file', () => {
    expect(
      validateCatalogFile('request body', { profiles: [{ id: 'p', protocol: 'omadm' }] }),
    ).toEqual({ parameters: [], profiles: [{ id: 'p', protocol: 'omadm' }] });
    expect(() => validateCatalogFile('request body', { profiles: [{ id: 'p' }] })).toThrow(
      'request body: profiles[0] "p": profile protocol must be one of workpoint, omadm, omacp',
    );
  });
});

describe('shipped data', () => {
  it('the shipped defaults pass the validators', () => {
    for (const p of defaultParameters) expect(validateParameterDefinition(p)).toBe(p);
    for (const p of defaultProfiles) expect(validateProfile(p)).toBe(p);
  });

  it('examples/catalog/openstage-site.yaml loads and its desired values resolve on OpenStage', () => {
    const path = join(__dirname, '../../../../examples/catalog/openstage-site.yaml');
    const file = parseCatalogFile('openstage-site.yaml', readFileSync(path, 'utf8'));
    expect(file.parameters.map((p) => p.name)).toEqual(['phone.voicemail']);
    expect(file.profiles.map((p) => [p.id, p.protocol])).toEqual([['openstage-site', 'workpoint']]);
    const catalog = ParameterCatalog.withDefaults(file.parameters, file.profiles);
    const phone = { protocol: 'workpoint' as const, profile: 'openstage-site' };
    const items = Object.entries(file.profiles[0].desired ?? {}).map(([name, value]) => [
      catalog.resolve(name, phone).path,
      catalog.validateValue(name, value),
    ]);
    expect(items).toEqual([
      ['sip-transport', '1'],
      ['registrar-port', '5060'],
      ['sntp-addr', 'ntp.example.net'],
      ['language-iso', 'de'],
      ['voice-mail-e164', '4930100'],
    ]);
  });
});
