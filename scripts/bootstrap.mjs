#!/usr/bin/env node
// Runs a workspace command on a bare machine: fetches Node 24 and pnpm into .tools/ when the
// system's are missing or too old, installs the Debian packages the services and tests need
// (when running as root), installs the workspace, then runs the command given.
// Usage: node scripts/bootstrap.mjs <command> [args...]   e.g. `turbo run test`.
// Written for any Node >= 18 so that it runs before the right Node is there.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const toolsBin = join(root, '.tools', 'node_modules', '.bin');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmVersion = pkg.packageManager.replace(/^pnpm@/, '');
const minNode = [22, 12];

// What the services need at run time: the sandbox, and the toolchains of the languages code-runner
// offers. Names are Debian's. The toolchains' packages are read from the language manifest
// (packages/languages) once a recent enough Node is there; Node itself is not among them: ensureTools
// fetches it.
const sandboxPackages = ['bubblewrap', 'util-linux', 'procps', 'tini'];
// Only the tests: a real browser, a real OCI builder and runtime (the images), debootstrap (their local
// base), QEMU with Debian's kernel (a cgroup v2 guest), and Redis (Judge0's API on many replicas).
const debianTestPackages = [
  'redis-server',
  'chromium',
  'fonts-dejavu-core',
  'podman',
  'buildah',
  'runc',
  'debootstrap',
  'qemu-system-x86',
  'linux-image-amd64',
  'e2fsprogs',
];

function log(message) {
  process.stderr.write(`bootstrap: ${message}\n`);
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function output(cmd, args, env = process.env) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', env });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function nodeIsRecent(version) {
  const [major, minor] = (version ?? '').replace(/^v/, '').split('.').map(Number);
  return major > minNode[0] || (major === minNode[0] && minor >= minNode[1]);
}

function ensureTools(env) {
  const wanted = [];
  if (!nodeIsRecent(output('node', ['--version'], env))) wanted.push('node@24');
  if (output('pnpm', ['--version'], env) !== pnpmVersion) wanted.push(`pnpm@${pnpmVersion}`);
  if (wanted.length === 0) return;
  log(`installing ${wanted.join(' and ')} into .tools/ (nothing global is touched)`);
  const status = run('npm', [
    'install',
    '--prefix',
    '.tools',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    ...wanted,
  ]);
  if (status !== 0) throw new Error(`npm install of ${wanted.join(', ')} failed with exit code ${status}`);
}

/** The toolchains' Debian packages, from the language manifest, read with the Node that ensureTools made sure of. */
function languagePackages(env) {
  const cli = join(root, 'packages', 'languages', 'src', 'cli.ts');
  // Type stripping is on by default from Node 23.6; 22.12 to 23.5 need the flag, which later versions accept.
  const result = spawnSync('node', ['--experimental-strip-types', '--no-warnings', cli, 'packages'], {
    encoding: 'utf8',
    env,
  });
  if (result.status !== 0) throw new Error(`reading the language manifest failed: ${result.stderr || result.error}`);
  return result.stdout.split('\n').filter(Boolean);
}

/** Installs what of `names` is missing; `runtime` is the part the services need (the rest: the tests'). */
function ensureDebianPackages(names, runtime) {
  if (process.platform !== 'linux' || !output('sh', ['-c', 'command -v dpkg-query'])) return;
  const missing = names.filter((name) => {
    const state = output('dpkg-query', ['-W', '-f=$' + '{Status}', name]);
    return !state?.endsWith(' installed');
  });
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    // Where CI states what it provides (EXPECT_ISOLATION, EXPECT_LANGUAGES), the tests would fail without
    // the sandbox's and the languages' packages anyway: say so at once, with the packages to install.
    const promises = ['EXPECT_ISOLATION', 'EXPECT_LANGUAGES'].filter((name) => process.env[name]);
    const promised = missing.filter((name) => runtime.includes(name));
    if (promises.length > 0 && promised.length > 0) {
      throw new Error(
        `missing Debian packages: ${promised.join(' ')}, which ${promises.join(' and ')} ${promises.length > 1 ? 'promise' : 'promises'}; not root, so they cannot be installed here`,
      );
    }
    log(
      `missing Debian packages: ${missing.join(' ')} (not root: install them yourself; tests that need them are skipped)`,
    );
    return;
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update', '-qq'], { env }) !== 0) throw new Error('apt-get update failed');
  const status = run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
  if (status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed with exit code ${status}`);
}

const [command, ...args] = process.argv.slice(2);
if (!command) {
  log('usage: node scripts/bootstrap.mjs <command> [args...]');
  process.exit(2);
}

try {
  const env = {
    ...process.env,
    PATH: [toolsBin, join(root, 'node_modules', '.bin'), process.env.PATH].join(':'),
  };
  ensureTools(env);
  const wantsTests = command === 'turbo' && args.includes('test');
  if (process.env.BOOTSTRAP_SKIP_APT !== '1') {
    const runtime = [...sandboxPackages, ...languagePackages(env)];
    ensureDebianPackages(wantsTests ? [...runtime, ...debianTestPackages] : runtime, runtime);
  }
  // Cheap when nothing changed; keeps node_modules in step with the lockfile after a pull.
  const status = run('pnpm', ['install', '--frozen-lockfile', '--prefer-offline'], { env });
  if (status !== 0) throw new Error(`pnpm install failed with exit code ${status}`);
  process.exit(run(command, args, { env }));
} catch (error) {
  log(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
