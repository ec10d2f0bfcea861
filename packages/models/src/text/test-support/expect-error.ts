// Kept for the tests' existing imports: core's assertion helper under its models name.
export { expectLowbitError as expectError } from '@lowbit/core-tensor/testing';
