// The design card's promise: a user installs only the technique they need. This packs
// @lowbit/core-tensor and @lowbit/rtn, installs just those two tarballs into an empty folder with
// npm (their third-party dependencies come from the registry), and runs rtn's README snippet there.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const packagesDir = resolve(__dirname, '..', '..');
const workDir = mkdtempSync(join(tmpdir(), 'lowbit-standalone-'));

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_yes: 'true', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function pack(name: string): string {
  run('npx', ['pnpm@10', 'pack', '--pack-destination', workDir], join(packagesDir, name));
  const tarball = readdirSync(workDir).find((f) => f.startsWith(`lowbit-${name}-`) && f.endsWith('.tgz'));
  if (!tarball) throw new Error(`pnpm pack produced no tarball for ${name}`);
  return join(workDir, tarball);
}

function readmeSnippet(): string {
  const readme = readFileSync(join(packagesDir, 'rtn', 'README.md'), 'utf8');
  const match = readme.match(/```js\n([\s\S]*?)```/);
  if (!match) throw new Error('packages/rtn/README.md has no ```js snippet');
  return match[1];
}

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('installing @lowbit/rtn on its own', () => {
  it('runs the README snippet from the two packed tarballs', () => {
    const tarballs = [pack('core-tensor'), pack('rtn')];
    const app = join(workDir, 'app');
    run('mkdir', ['-p', app], workDir);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    run('npm', ['install', '--no-audit', '--no-fund', ...tarballs], app);
    const installed = readdirSync(join(app, 'node_modules', '@lowbit')).sort();
    expect(installed).toEqual(['core-tensor', 'rtn']);
    writeFileSync(join(app, 'snippet.mjs'), readmeSnippet());
    const output = run('node', ['snippet.mjs'], app);
    expect(output).toMatch(/scale shape: 256x4/);
    expect(output.trim().split('\n').at(-1)).toBe('OK');
  }, 600_000);
});
