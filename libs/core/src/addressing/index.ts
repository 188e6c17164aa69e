export * from './msisdn';
export * from './mac';
