import { ValidationError } from '../errors';
import { ParameterCatalog } from './parameter-catalog';

describe('ParameterCatalog', () => {
  const catalog = ParameterCatalog.withDefaults(
    [],
    [{ id: 'acme-x1', protocol: 'omadm', bindings: { 'sip.registrar': './Acme/VoIP/Proxy' } }],
  );
  const phone = { protocol: 'workpoint' as const };
  const handset = { protocol: 'omadm' as const };

  it('binds catalog names per protocol', () => {
    expect(catalog.resolve('sip.registrar', phone)).toEqual({
      protocol: 'workpoint',
      path: 'registrar-addr',
      parameter: 'sip.registrar',
      secret: undefined,
    });
    expect(catalog.resolve('sip.registrar', handset).path).toBe('./Vendor/SIP/Registrar');
    expect(catalog.resolve('network.apn', { protocol: 'omacp' }).path).toBe('NAPDEF/NAP-ADDRESS');
    expect(catalog.resolve('sip.password', phone).secret).toBe(true);
  });

  it('applies a profile override', () => {
    expect(catalog.resolve('sip.registrar', { protocol: 'omadm', profile: 'acme-x1' }).path).toBe(
      './Acme/VoIP/Proxy',
    );
  });

  it('passes raw paths through, for the device protocol only', () => {
    expect(catalog.resolve('omadm:./DevDetail/SwV', handset)).toEqual({
      protocol: 'omadm',
      path: './DevDetail/SwV',
    });
    expect(() => catalog.resolve('workpoint:reg-addr', handset)).toThrow(/is for workpoint/);
  });

  it('refuses unknown and unbound parameters', () => {
    expect(() => catalog.resolve('sip.nope', phone)).toThrow(ValidationError);
    expect(() => catalog.resolve('network.apn', phone)).toThrow(/no binding for workpoint/);
  });

  it('validates values by type', () => {
    expect(catalog.validateValue('sip.registrar.port', 5060)).toBe('5060');
    expect(() => catalog.validateValue('sip.registrar.port', 70000)).toThrow(/between 1 and 65535/);
    expect(() => catalog.validateValue('sip.transport', '7')).toThrow(/one of 0, 1, 2/);
    expect(() => catalog.validateValue('dm.server.url', 'not a url')).toThrow(/absolute URL/);
    expect(() => catalog.validateValue('firmware.version', '1')).toThrow(/read-only/);
    expect(() => catalog.validateValue('sip.user', { a: 1 })).toThrow(/string, number or boolean/);
    expect(catalog.validateValue('omadm:./X', 'anything')).toBe('anything');
  });

  it('ships default profiles for OpenStage, generic DM handsets and CP', () => {
    expect(catalog.listProfiles().map((p) => p.id)).toEqual(
      expect.arrayContaining(['openstage', 'omadm-generic', 'omacp-generic']),
    );
    expect(catalog.profileFor({ protocol: 'workpoint' })?.id).toBe('openstage');
  });
});
