/**
 * WSP well-known assigned numbers used by push (WAP-230 Appendix A, OMNA push registry).
 * Only values needed for CP, DM notification, SI/SL and MMS push are listed; others decode as
 * numbers.
 */
export const WSP_PDU_PUSH = 0x06;
export const WSP_PDU_CONFIRMED_PUSH = 0x07;

/** Table 40 content types (subset). */
export const WELL_KNOWN_CONTENT_TYPES: Readonly<Record<number, string>> = {
  0x00: '*/*',
  0x01: 'text/*',
  0x02: 'text/html',
  0x03: 'text/plain',
  0x08: 'text/vnd.wap.wml',
  0x14: 'application/vnd.wap.wmlc',
  0x27: 'application/xml',
  0x28: 'text/xml',
  0x29: 'application/vnd.wap.wbxml',
  0x2d: 'text/vnd.wap.si',
  0x2e: 'application/vnd.wap.sic',
  0x2f: 'text/vnd.wap.sl',
  0x30: 'application/vnd.wap.slc',
  0x31: 'text/vnd.wap.co',
  0x32: 'application/vnd.wap.coc',
  0x35: 'text/vnd.wap.connectivity-xml',
  0x36: 'application/vnd.wap.connectivity-wbxml',
  0x3e: 'application/vnd.wap.mms-message',
  0x42: 'application/vnd.syncml.dm+wbxml',
  0x43: 'application/vnd.syncml.dm+xml',
  0x44: 'application/vnd.syncml.notification',
};

export const CONTENT_TYPE_CODES: ReadonlyMap<string, number> = new Map(
  Object.entries(WELL_KNOWN_CONTENT_TYPES).map(([code, name]) => [name, Number(code)]),
);

export const CONTENT_TYPE_CONNECTIVITY_WBXML = 'application/vnd.wap.connectivity-wbxml';
export const CONTENT_TYPE_SYNCML_NOTIFICATION = 'application/vnd.syncml.notification';

/** Table 38 well-known parameters, the ones a push carries. */
export const PARAM_CHARSET = 0x01;
export const PARAM_TYPE = 0x03;
export const PARAM_SEC = 0x11;
export const PARAM_MAC = 0x12;
export const WELL_KNOWN_PARAMETERS: Readonly<Record<number, string>> = {
  0x00: 'Q',
  [PARAM_CHARSET]: 'Charset',
  0x02: 'Level',
  [PARAM_TYPE]: 'Type',
  0x05: 'Name',
  0x06: 'Filename',
  0x09: 'Type',
  0x0a: 'Start',
  0x0b: 'Start-info',
  [PARAM_SEC]: 'SEC',
  [PARAM_MAC]: 'MAC',
};
export const PARAMETER_CODES: ReadonlyMap<string, number> = new Map([
  ['charset', PARAM_CHARSET],
  ['sec', PARAM_SEC],
  ['mac', PARAM_MAC],
]);

/** Table 39 header field names (encoding versions 1.1–1.4). */
export const HEADER_X_WAP_APPLICATION_ID = 0x2f;
export const WELL_KNOWN_HEADERS: readonly string[] = [
  'Accept',
  'Accept-Charset',
  'Accept-Encoding',
  'Accept-Language',
  'Accept-Ranges',
  'Age',
  'Allow',
  'Authorization',
  'Cache-Control',
  'Connection',
  'Content-Base',
  'Content-Encoding',
  'Content-Language',
  'Content-Length',
  'Content-Location',
  'Content-MD5',
  'Content-Range',
  'Content-Type',
  'Date',
  'Etag',
  'Expires',
  'From',
  'Host',
  'If-Modified-Since',
  'If-Match',
  'If-None-Match',
  'If-Range',
  'If-Unmodified-Since',
  'Location',
  'Last-Modified',
  'Max-Forwards',
  'Pragma',
  'Proxy-Authenticate',
  'Proxy-Authorization',
  'Public',
  'Range',
  'Referer',
  'Retry-After',
  'Server',
  'Transfer-Encoding',
  'Upgrade',
  'User-Agent',
  'Vary',
  'Via',
  'Warning',
  'WWW-Authenticate',
  'Content-Disposition',
  'X-Wap-Application-Id',
  'X-Wap-Content-URI',
  'X-Wap-Initiator-URI',
  'Accept-Application',
  'Bearer-Indication',
  'Push-Flag',
  'Profile',
  'Profile-Diff',
  'Profile-Warning',
];

/** OMNA push application ids (x-wap-application:...). */
export const PUSH_APPLICATION_IDS: Readonly<Record<number, string>> = {
  0x00: 'x-wap-application:*',
  0x01: 'x-wap-application:push.sia',
  0x02: 'x-wap-application:wml.ua',
  0x03: 'x-wap-application:wta.ua',
  0x04: 'x-wap-application:mms.ua',
  0x05: 'x-wap-application:push.syncml',
  0x06: 'x-wap-application:loc.ua',
  0x07: 'x-wap-application:syncml.dm',
  0x08: 'x-wap-application:drm.ua',
  0x09: 'x-wap-application:emn.ua',
  0x0a: 'x-wap-application:wv.ua',
};
export const PUSH_APPLICATION_ID_CODES: ReadonlyMap<string, number> = new Map(
  Object.entries(PUSH_APPLICATION_IDS).map(([code, name]) => [name, Number(code)]),
);
export const APPLICATION_ID_SYNCML_DM = 0x07;

/** Well-known WDP ports (WAP-259 Appendix B). */
export const WDP_PORT_WAP_PUSH = 2948;
export const WDP_PORT_WAP_PUSH_SECURE = 2949;
export const WDP_PORT_WSP = 9200;
