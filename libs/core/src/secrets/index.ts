export * from './secret-box';
export * from './master-key';
