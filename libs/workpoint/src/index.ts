export * from './errors';
export * from './types';
export * from './items';
export { scanXml, attr, LiteElement } from './xml/scan-xml';
export { escapeAttr, escapeText } from './xml/escape-xml';
export { parseWorkpointMessage, parseDlsMessage, sniffNonce } from './message/parse-message';
export {
  buildDlsMessage,
  buildWorkpointMessage,
  serializeItem,
  utf8Length,
} from './message/build-message';
export {
  splitWriteItems,
  itemLimit,
  checkItemLimit,
  deploymentGroupKey,
  relatedGroupKey,
  DEFAULT_WRITE_BYTE_BUDGET,
} from './message/split-writes';
export * from './contact-me';
export * from './engine/engine-types';
export { handleWorkpointRequest } from './engine/handle-request';
export { validateJob, FACTORY_RESET_PASSWORD, fileCount } from './engine/operation-items';
export { expireDeferredJobs, solicitedReturnOverdue } from './engine/timeouts';
export { bodyHash } from './engine/body-hash';
export { certificateFingerprint } from './engine/certificate-fingerprint';
