/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": "ts-jest" },
  // Namespace tests spend their time waiting on real sockets and processes, not on the CPU.
  testTimeout: 60000,
  globalSetup: "<rootDir>/test/remove-test-namespaces.js",
  globalTeardown: "<rootDir>/test/remove-test-namespaces.js",
};
