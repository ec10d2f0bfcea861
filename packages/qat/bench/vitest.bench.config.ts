import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['bench/**/*.bench.test.ts'], testTimeout: 3_600_000, pool: 'forks' },
});
