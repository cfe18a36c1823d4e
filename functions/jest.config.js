/** Unit and integration tests run against the real stack: Postgres, Firestore, Auth, Cloud Tasks, Functions. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  globalSetup: '<rootDir>/test/support/globalSetup.mjs',
  globalTeardown: '<rootDir>/test/support/globalTeardown.mjs',
  testTimeout: 90_000,
  // One stack, shared by every file: run files one after another so timing-sensitive tests are not starved.
  maxWorkers: 1,
  // Library handles (gRPC channels of firebase-admin, HTTP keep-alive agents) outlive the files that
  // closed their own clients; the stack itself is stopped by globalTeardown before this applies.
  forceExit: true,
};
