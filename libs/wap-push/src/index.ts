/**
 * @dm-bridge/wap-push — pure WAP push over SMS: WSP push PDUs, WDP segmentation, OMA CP
 * security (SEC/MAC), OMA DM notification package #0, push builders and previews.
 * See docs/wap-push.md.
 */
export * from './errors';
export { toHex, fromHex } from './bytes';
export { encodeUintvar, ByteReader } from './wsp/uintvar';
export * from './wsp/tables';
export {
  encodeWspPush,
  decodeWspPush,
  encodeContentType,
  type WspPushInput,
  type WspPush,
  type WspParameter,
  type WspHeader,
} from './wsp/push-pdu';
export * from './wdp/udh';
export * from './wdp/segment';
export * from './wdp/reassemble';
export * from './wdp/concat-ref';
export * from './cp/sec';
export * from './cp/keys';
export * from './cp/mac';
export * from './dm/package0';
export * from './dm/nonce-resync';
export * from './push/cp-push';
export * from './push/dm-push';
export * from './push/preview';
