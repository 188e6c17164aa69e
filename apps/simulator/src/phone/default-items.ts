/**
 * A realistic OpenStage 40 SIP item set (names from the DG examples and real DLS servers; values
 * invented). Keys are `name` or `name[index]`, as in the gateway's inventory.
 */
export function defaultPhoneItems(mac: string, contactMeUri: string): Record<string, string> {
  const items: Record<string, string> = {
    'device-type': 'OpenStage 40',
    'related-device-type': 'OpenStage 40',
    'software-type': 'Siemens SIP',
    'related-software-type': 'Siemens SIP',
    'software-version': 'V3 R5.21.0',
    'related-software-version': 'V3 R5.21.0',
    'part-number': 'S30817-S7403-A101-015',
    'contact-me-uri': contactMeUri,
    'mac-addr': mac,
    'configuration-changed-flag': 'true',
    e164: '4930123456',
    'basic-e164': '4930123456',
    'sip-mobility-state': '0',
    'mobility-enabled': 'false',
    'gigabit-ethernet': 'false',
    'backlight-type': '1',
    ipaddress: '127.0.0.1',
    'reg-addr': 'sip.example.net',
    'reg-port': '5060',
    'registrar-addr': 'sip.example.net',
    'registrar-port': '5060',
    'reg-ttl': '3600',
    'register-by-name': 'false',
    realm: 'example.net',
    'sip-user-id': '4930123456',
    'sip-name': '4930123456',
    'display-id-unicode': 'Desk 1',
    'use-display-id': 'true',
    'outbound-proxy': 'true',
    'sgnl-gateway-addr': 'sip.example.net',
    'sgnl-gateway-port': '5060',
    'sgnl-route': '0',
    'server-type': '0',
    'sip-transport': '0',
    'default-domain': 'example.net',
    'rtp-base-port': '5010',
    'session-timer': 'true',
    'session-duration': '3600',
    'emergency-e164': '112',
    'voice-mail-e164': '4930100',
    'mwi-e164': '4930100',
    dhcp: 'true',
    hostname: 'os40-desk1',
    'vlan-method': '0',
    'sntp-addr': 'pool.ntp.org',
    'sntp-tz-offset': '60',
    'daylight-save': 'false',
    'auto-daylight-save': 'true',
    'country-iso': 'DE',
    'language-iso': 'de',
    'date-format': '0',
    'time-format': '0',
    'enable-WBM': 'true',
    'ssh-enable': 'false',
    'dls-mode-secure': '0',
    'dls-chunk-size': '5492',
    'dls-contact-interval': '300',
    'ringer-melody': '2',
    'ringer-tone-sequence': '1',
  };
  for (let k = 1; k <= 6; k++) {
    items[`function-key-def[${k}]`] = '0';
    items[`key-label-unicode[${k}]`] = '';
    items[`select-dial[${k}]`] = '';
  }
  for (let c = 1; c <= 3; c++) {
    items[`codec-type[${c}]`] = String(c - 1);
    items[`codec-allowed[${c}]`] = 'true';
    items[`codec-rank[${c}]`] = String(c);
  }
  return items;
}

/** Items a phone reports but refuses to write. */
export const READ_ONLY_ITEMS = new Set([
  'device-type',
  'related-device-type',
  'software-type',
  'related-software-type',
  'software-version',
  'related-software-version',
  'part-number',
  'contact-me-uri',
  'mac-addr',
  'ipaddress',
]);

/** Write-only items the phone accepts but never reports (ReadAllItems excludes them, DG p.30). */
export const WRITE_ONLY_ITEMS = new Set([
  'admin-pwd',
  'user-pwd',
  'sip-pwd',
  'ssh-password',
  'dls-client-certificate',
  'dls-server-ca',
  'goto-secure-mode',
  'dls-secure-port',
  'send-solicited',
]);

/** Names a phone knows although they are not in its store yet. */
export function isKnownItem(name: string): boolean {
  return (
    WRITE_ONLY_ITEMS.has(name) ||
    /^(file-|key-label|function-key-def|select-dial|codec-|XML-app-|blf-|stimulus-)/.test(name)
  );
}
