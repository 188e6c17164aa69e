import type { PhoneState } from '@dm-bridge/workpoint';
import { contactMeUri } from './contact-me-uri';

const phone = (inventory: Record<string, string>, addr?: string) =>
  ({ inventory, addr }) as unknown as PhoneState;

describe('contact-me address', () => {
  it("is the phone's reported contact-me-uri", () => {
    expect(contactMeUri(phone({ 'contact-me-uri': 'http://10.1.2.3:9000/x' }, '10.9.9.9'))).toBe(
      'http://10.1.2.3:9000/x',
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
  });
});
