// `@lowbit/core-tensor/testing`: helpers for the test suites of lowbit packages.
export { TEST_BACKENDS } from './test-support/backends';
export { expectLowbitError } from './test-support/expect-lowbit-error';
