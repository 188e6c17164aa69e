/** One jest config for unit (libs/**) and end-to-end (test/**) suites. */
const libs = ['wbxml', 'wap-push', 'omacp', 'omadm', 'workpoint', 'smpp', 'core'];
const moduleNameMapper = {};
for (const l of libs) moduleNameMapper[`^@dm-bridge/${l}$`] = `<rootDir>/libs/${l}/src`;
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e.ts'],
  // NestJS 12 ships ES modules only; jest on Node 20 cannot require(esm), so those packages are
  // compiled to CommonJS by swc like our own sources (plain node loads them natively).
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    '^.+\\.m?js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@nestjs/bull-shared|uid|file-type|strtok3|token-types|@tokenizer|uint8array-extras|load-esm)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  testTimeout: 30000,
};
