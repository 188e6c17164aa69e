export * from './errors';
export * from './model';
export * from './xml-text';
export * from './xml-document';
export * from './wbxml-codec';
export * from './vocabulary';
export * from './validate';
export * from './builders';
