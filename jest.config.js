// One jest config for unit (*.spec.ts), integration (*.int-spec.ts) and e2e (*.e2e-spec.ts) tests.
// Run through `npm test`, which adds --experimental-vm-modules (Prisma's WASM compiler is a dynamic import).
const libs = ['config', 'database', 'tenancy', 'common', 'health', 'embedding', 'vector', 'etl', 'ai', 'metrics', 'integrations', 'egress', 'throttling', 'insights'];
const moduleNameMapper = { '^(\\.{1,2}/.*)\\.js$': '$1' };
for (const lib of libs) {
  moduleNameMapper[`^@app/${lib}$`] = `<rootDir>/libs/${lib}/src`;
  moduleNameMapper[`^@app/${lib}/(.*)$`] = `<rootDir>/libs/${lib}/src/$1`;
}
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs'],
  testRegex: '.*\\.(spec|int-spec|e2e-spec)\\.ts$',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleNameMapper,
  testTimeout: 60000,
  globalSetup: '<rootDir>/apps/server/test/global-setup.ts',
  globalTeardown: '<rootDir>/apps/server/test/global-teardown.ts',
};
