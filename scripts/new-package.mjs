// Writes the boilerplate files of a workspace package: package.json, tsconfig, tsup and vitest configs.
// Usage: node scripts/new-package.mjs <name> "<description>" [dep ...]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [name, description, ...deps] = process.argv.slice(2);
if (!name || !description) throw new Error('usage: new-package.mjs <name> "<description>" [dep ...]');
const dir = join('packages', name);
mkdirSync(join(dir, 'src'), { recursive: true });
const write = (file, text) => {
  const path = join(dir, file);
  if (!existsSync(path)) writeFileSync(path, text);
};
const pkg = {
  name: `@lowbit/${name}`,
  version: '0.1.0',
  description,
  license: 'Apache-2.0',
  type: 'module',
  sideEffects: false,
  main: './dist/index.cjs',
  module: './dist/index.js',
  types: './dist/index.d.ts',
  exports: {
    '.': {
      import: { types: './dist/index.d.ts', default: './dist/index.js' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    },
    './package.json': './package.json',
  },
  files: ['dist', 'README.md', 'CHANGELOG.md'],
  engines: { node: '>=20' },
  repository: { type: 'git', url: 'https://example.invalid/lowbit.git', directory: dir },
  scripts: {
    build: 'tsup',
    test: 'vitest run',
    typecheck: 'tsc -p tsconfig.json',
    publint: 'publint --strict',
  },
  dependencies: Object.fromEntries(deps.map((d) => [`@lowbit/${d}`, 'workspace:^'])),
};
write('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
write('tsconfig.json', '{\n  "extends": "../../tsconfig.base.json",\n  "include": ["src"]\n}\n');
write(
  'tsup.config.ts',
  `import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  shims: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
`,
);
write(
  'vitest.config.ts',
  `import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['src/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000, pool: 'forks' },
});
`,
);
write('CHANGELOG.md', `# @lowbit/${name}\n`);
