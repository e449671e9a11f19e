/** Type checking runs once in `npm test` (tsc --noEmit), so ts-jest only transpiles. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 20000,
  // Chooses (or starts) the PostgreSQL server for the whole run, and says which.
  globalSetup: '<rootDir>/test/globalSetup.ts',
  globalTeardown: '<rootDir>/test/globalTeardown.ts',
  // @microsoft/app-manifest requires the ES module strip-bom, which jest cannot load on Node 20.
  moduleNameMapper: { '^strip-bom$': '<rootDir>/test/helpers/stripBom.ts' },
};
