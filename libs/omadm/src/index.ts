export * from './errors';
export * from './message/types';
export * from './message/codec';
export { messageFromXmlDocument } from './message/from-xml-tree';
export {
  messageToXmlDocument,
  SYNCML_NAMESPACE,
  SYNCML_PUBLIC_ID,
  METINF_NAMESPACE,
} from './message/to-xml-tree';
export * from './auth/digest';
export * from './auth/hmac-header';
export * from './session/types';
export * from './session/constants';
export { AUTH_TYPE, verifyClientAuth } from './session/client-auth';
export {
  handleClientMessage,
  closeSession,
  unfinishedOperations,
  startAlertOf,
  type DmMessageInput,
  type DmMessageOutcome,
  type DmAccountUpdate,
} from './session/server-session';
export { toResultItem } from './session/result-items';
