import { defineConfig } from 'tsup';

const common = { shims: true, sourcemap: true, target: 'node20' } as const;

export default defineConfig([
  // The programmatic API. Its clean spares the bin, which the second build writes concurrently.
  {
    ...common,
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: ['!cli.js', '!cli.js.map'],
  },
  // The `lowbit` bin: src/cli.ts starts with a hashbang, which esbuild keeps.
  { ...common, entry: ['src/cli.ts'], format: ['esm'], clean: false },
]);
