import type { PhoneState } from '@dm-bridge/workpoint';
import { contactMeUri, contactNetworks } from './contact-me-uri';

const phone = (inventory: Record<string, string>, addr?: string) =>
  ({ inventory, addr }) as unknown as PhoneState;

describe('contact-me address', () => {
  it("is the phone's reported contact-me-uri when it names the address the phone calls from", () => {
    expect(
      contactMeUri(phone({ 'contact-me-uri': 'http://10.1.2.3:9000/x?y=1' }, '10.1.2.3')),
    ).toBe('http://10.1.2.3:9000/x?y=1');
  });
  it('never goes to another host a caller names (SSRF): its port and path on the caller address', () => {
    const evil = phone(
      { 'contact-me-uri': 'http://169.254.169.254:80/latest/meta-data' },
      '::ffff:10.0.0.5',
    );
    expect(contactMeUri(evil)).toBe('http://10.0.0.5:80/latest/meta-data');
    // unless the operator allows that network (phones listening on another interface)
    expect(
      contactMeUri(
        phone({ 'contact-me-uri': 'http://192.168.7.9:8085/c' }, '10.0.0.5'),
        contactNetworks(['192.168.7.0/24']),
      ),
    ).toBe('http://192.168.7.9:8085/c');
    // a port policy refuses the rest
    expect(contactMeUri(evil, undefined, [8085])).toBeUndefined();
    // only http
    expect(contactMeUri(phone({ 'contact-me-uri': 'file:///etc/passwd' }, '10.0.0.5'))).toBe(
      'http://10.0.0.5:8085/contact_dls.html/ContactDLS',
    );
  });
  it('falls back to the DG default on the address the phone called from (seed: port 8085)', () => {
    expect(contactMeUri(phone({}, '::ffff:10.0.0.7'))).toBe(
      'http://10.0.0.7:8085/contact_dls.html/ContactDLS',
    );
    expect(contactMeUri(phone({ 'contact-me-uri': '' }, 'fd00::7'))).toBe(
      'http://[fd00::7]:8085/contact_dls.html/ContactDLS',
    );
  });
  it('is unknown for a phone never seen calling', () => {
    expect(contactMeUri(phone({}))).toBeUndefined();
    expect(contactMeUri(phone({ 'contact-me-uri': 'http://10.1.1.1:8085/c' }))).toBeUndefined();
  });
  it('refuses a malformed network list', () => {
    expect(() => contactNetworks(['10.0.0.0'])).toThrow(/not a CIDR block/);
  });
});
