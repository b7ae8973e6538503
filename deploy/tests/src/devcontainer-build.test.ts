// Slow (several minutes cold: the dev container installs gcc, Go, Rust, a JDK and Chromium; then a
// pnpm install inside): builds .devcontainer/ with the Dev Containers CLI (`devcontainer build`, `up`,
// `exec`) against podman with runc, enters it as its user `node`, checks the tools it promises, and runs
// `pnpm install --frozen-lockfile` (its postCreateCommand) and two packages' tests inside it: @repo/lock,
// and @repo/sandbox at the `namespaces` level, which proves bubblewrap works there with the runArgs of
// devcontainer.json. Real CLI, real podman: nothing is mocked.

import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { languages } from '@repo/languages';
import { execa } from 'execa';
import { parse } from 'jsonc-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inCI, podmanMissing } from './image-podman.ts';
import { eachLine, readRepoFile, repoRoot, rootPackageJson } from './repo.ts';

const official = 'docker.io/library/node:24-bookworm';
const localBase = 'localhost/node:24-bookworm-slim';
const image = 'localhost/devcontainer:test';
const kubectlKey = 'https://pkgs.k8s.io/core:/stable:/v1.34/deb/Release.key';
const devcontainerBin = join(repoRoot, 'deploy/tests/node_modules/.bin/devcontainer');
/** The container's user, devcontainer.json's remoteUser, uid 1000 in node:24-bookworm. */
const nodeUid = 1000;

const missing = await podmanMissing();
if (missing && inCI) throw new Error(`CI promises the dev container test, but ${missing}`);
if (missing) console.warn(`SKIPPING the dev container build test: ${missing}`);

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const log = (line: string) => console.log(`  [devcontainer] ${line}`);

/** What podman-host-opts.sh gives, and what the Dev Containers CLI passes that rootful podman refuses. */
function podmanShim(dir: string): string {
  const path = join(dir, 'podman');
  // Named `podman`: the CLI tells podman from docker by `<docker-path> -v`, which this passes through.
  writeFileSync(
    path,
    `#!/usr/bin/env bash
# podman as the Dev Containers CLI's --docker-path, with this host's options (runc, ulimits within the
# session's) on build, run and create. The CLI adds --userns=keep-id for a non-root remoteUser; podman
# refuses it when run as root ("keep-id is only supported in rootless mode"), so it is dropped: the
# workspace given to the container is owned by uid ${nodeUid} (node) instead, which is what keep-id
# arranges for a rootless user.
set -euo pipefail
mapfile -t host < <(${JSON.stringify(join(repoRoot, 'deploy/images/podman-host-opts.sh'))})
case "\${1:-}" in
  build) shift; exec podman build "\${host[@]}" "$@" ;;
  run | create)
    sub=$1; shift; args=()
    for arg in "$@"; do [[ "$arg" == --userns=keep-id ]] || args+=("$arg"); done
    echo "podman-shim: podman $sub \${host[*]} \${args[*]}" >&2
    exec podman "$sub" "\${host[@]}" "\${args[@]}" ;;
  *) exec podman "$@" ;;
esac
`,
  );
  chmodSync(path, 0o755);
  return path;
}

/** The base: node:24-bookworm when it is here or can be pulled; else local-base.sh's stand-in, said loudly. */
async function chooseBase(): Promise<string> {
  if ((await execa('podman', ['image', 'exists', official], { reject: false })).exitCode === 0) return official;
  const pull = await execa('podman', ['pull', '--quiet', official], { reject: false, all: true });
  if (pull.exitCode === 0) return official;
  const why = (pull.all ?? '').trim().split('\n').at(-1);
  log(`USING A LOCAL BASE: ${official} cannot be pulled here (${why}).`);
  log(`  ${localBase} from deploy/images/local-base.sh instead: debootstrap minbase bookworm + Node 24 and npm`);
  log('  from the npm registry, slim-like; the Dockerfile installs what the full image has that it needs.');
  const started = performance.now();
  const made = await execa(join(repoRoot, 'deploy/images/local-base.sh'), [localBase], { all: true, reject: false });
  for (const line of (made.all ?? '').split('\n')) log(`  ${line}`);
  if (made.exitCode !== 0) throw new Error(`deploy/images/local-base.sh failed (exit ${made.exitCode})`);
  log(`  local base ready in ${seconds(performance.now() - started)}`);
  return localBase;
}

/** kubectl comes from pkgs.k8s.io: installed where that answers, left out (and said) where it does not. */
async function kubectlReachable(): Promise<boolean> {
  const why = await fetch(kubectlKey, { method: 'HEAD', signal: AbortSignal.timeout(10_000) }).then(
    (response) => (response.ok ? null : `HTTP ${response.status}`),
    (error: Error) => String((error.cause as Error | undefined)?.message ?? error.message),
  );
  if (why === null) return true;
  log(`WITHOUT KUBECTL: ${kubectlKey} does not answer here (${why}); the test builds with`);
  log('  INSTALL_KUBECTL=false. Users get kubectl (the default, INSTALL_KUBECTL=true); Debian has only 1.20,');
  log(
    "  too old for deploy/k8s; the npm registry has only repackaged copies (AWS CDK Lambda layers), not Kubernetes' own.",
  );
  return false;
}

/** The files of the checkout as a user has them (tracked and new, not ignored), owned by `node`. */
async function copyWorkspace(dest: string): Promise<void> {
  const { stdout } = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
  });
  const files = stdout.split('\0').filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    try {
      cpSync(join(repoRoot, file), join(dest, file), { verbatimSymlinks: true });
    } catch (error) {
      // A tracked file deleted in the work tree is not part of what the user has.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  await execa('chown', ['-R', `${nodeUid}:${nodeUid}`, dest]);
  log(`workspace: ${files.length} files of the checkout copied to ${dest}, owned by uid ${nodeUid} (node)`);
}

/** Runs the Dev Containers CLI, printing its progress lines; the whole output is in the error if it fails. */
async function devcontainer(args: string[], timeoutMs: number): Promise<{ ms: number; stdout: string }> {
  log(`devcontainer ${args.join(' ')}`);
  const started = performance.now();
  const child = execa(devcontainerBin, args, { reject: false, timeout: timeoutMs, all: true });
  eachLine(child.all, (line) => {
    if (/STEP \d+\/\d+|COMMIT|podman-shim|Running the postCreateCommand|Done\. |Error|error:|ERR/.test(line))
      log(`  ${line.slice(0, 400)}`);
  });
  const result = await child;
  const ms = performance.now() - started;
  if (result.exitCode !== 0) {
    throw new Error(
      `devcontainer ${args[0]} failed (exit ${result.exitCode}${result.timedOut ? ', timed out' : ''}):\n${(result.all ?? '').split('\n').slice(-80).join('\n')}`,
    );
  }
  return { ms, stdout: result.stdout };
}

describe.skipIf(missing)('the dev container, built by the Dev Containers CLI with podman and entered (slow)', () => {
  let work = '';
  let workspace = '';
  let common: string[] = [];
  let withKubectl = false;
  const idLabel = `deploy-tests-devcontainer=${process.pid}`;

  /** `devcontainer exec` as the container's user, in the workspace; its exit code and output. */
  async function inside(command: string, env: Record<string, string> = {}, timeoutMs = 600_000) {
    const remoteEnv = Object.entries(env).flatMap(([key, value]) => ['--remote-env', `${key}=${value}`]);
    const result = await execa(
      devcontainerBin,
      ['exec', ...common, '--id-label', idLabel, ...remoteEnv, 'bash', '-lc', command],
      { reject: false, all: true, timeout: timeoutMs },
    );
    // Without colours, whatever the tools inside decide.
    const plain = (text: string | undefined) => stripVTControlCharacters(text ?? '');
    return { code: result.exitCode, all: plain(result.all), stdout: plain(result.stdout) };
  }

  beforeAll(async () => {
    const started = performance.now();
    work = mkdtempSync(join(tmpdir(), 'devcontainer-test-'));
    workspace = join(work, 'runner');
    const base = await chooseBase();
    withKubectl = await kubectlReachable();
    await copyWorkspace(workspace);

    // The shipped devcontainer.json, with only the base and kubectl chosen for this machine, in a folder of
    // .devcontainer/ (the CLI's `up` takes only a file named devcontainer.json), its Dockerfile and build
    // context still the shipped ones.
    const config = parse(readRepoFile('.devcontainer/devcontainer.json'));
    config.build = {
      ...config.build,
      dockerfile: join('..', config.build.dockerfile),
      context: join('..', config.build.context ?? '.'),
      args: { ...config.build.args, NODE_IMAGE: base, INSTALL_KUBECTL: String(withKubectl) },
    };
    const configPath = join(workspace, '.devcontainer', 'local-base', 'devcontainer.json');
    mkdirSync(dirname(configPath));
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    await execa('chown', ['-R', `${nodeUid}:${nodeUid}`, dirname(configPath)]);
    log(`config: .devcontainer/devcontainer.json as shipped, but build ${JSON.stringify(config.build)}`);
    common = ['--workspace-folder', workspace, '--config', configPath, '--docker-path', podmanShim(work)];
    log(
      `--docker-path ${work}/podman: podman with ${(await execa(join(repoRoot, 'deploy/images/podman-host-opts.sh'))).stdout.replaceAll('\n', ' ')};`,
    );
    log(
      '  without the --userns=keep-id the CLI adds for remoteUser node, which podman refuses as root (rootless only).',
    );

    // IMAGE_COLD_BUILD=1 measures a cold build on a machine that has built before.
    const cold = process.env.IMAGE_COLD_BUILD === '1' ? ['--no-cache'] : [];
    const first = await devcontainer(['build', ...common, '--image-name', image, ...cold], 40 * 60_000);
    const second = await devcontainer(['build', ...common, '--image-name', image], 10 * 60_000);
    const size = Number((await execa('podman', ['image', 'inspect', '--format', '{{.Size}}', image])).stdout);
    // `up` builds again (from the cache), starts the container with the runArgs, runs postCreateCommand.
    const up = await devcontainer(['up', ...common, '--id-label', idLabel], 30 * 60_000);
    const outcome = JSON.parse(up.stdout.trim().split('\n').at(-1) ?? '{}') as { outcome?: string };
    expect(outcome.outcome).toBe('success');
    console.log(
      `FIGURES devcontainer: image ${(size / 2 ** 20).toFixed(0)} MiB; devcontainer build ${seconds(first.ms)} ` +
        `(${cold.length ? 'cold, --no-cache' : 'as the cache stood'}), again ${seconds(second.ms)} (cached); ` +
        `devcontainer up with postCreateCommand (pnpm install --frozen-lockfile) ${seconds(up.ms)}; ` +
        `all set up in ${seconds(performance.now() - started)}`,
    );
  }, 90 * 60_000);

  afterAll(async () => {
    const { stdout } = await execa('podman', ['ps', '-aq', '--filter', `label=${idLabel}`], { reject: false });
    for (const id of stdout.split('\n').filter(Boolean)) {
      // `up` tags the image it ran as vsc-<folder>-<hash of this run's workspace path>[-uid]: untagged here
      // (the layers stay, shared with the image built above, for the next run's cache).
      const { stdout: used } = await execa('podman', ['inspect', '--format', '{{.ImageName}}', id], { reject: false });
      await execa('podman', ['rm', '-f', id], { reject: false });
      const tag = used.trim();
      if (/\/vsc-runner-[0-9a-f]+(-uid)?(:latest)?$/.test(tag)) {
        for (const name of new Set([tag, tag.replace(/-uid(:latest)?$/, '$1')]))
          await execa('podman', ['rmi', name], { reject: false });
      }
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs as node, with the runArgs of devcontainer.json and nothing privileged', async () => {
    const whoami = await inside('id -un; id -u; pwd');
    expect(whoami.stdout.split('\n')).toEqual(['node', String(nodeUid), expect.stringMatching(/\/runner$/)]);
    const { stdout } = await execa('podman', ['ps', '-q', '--filter', `label=${idLabel}`, '--format', '{{.ID}}']);
    const id = stdout.split('\n')[0] ?? '';
    const { stdout: hostConfig } = await execa('podman', ['inspect', '--format', '{{json .HostConfig}}', id]);
    const config = JSON.parse(hostConfig) as { Privileged: boolean; SecurityOpt: string[] };
    expect(config.Privileged).toBe(false);
    log(`container ${id}: SecurityOpt ${JSON.stringify(config.SecurityOpt)}`);
    expect(config.SecurityOpt).toEqual(expect.arrayContaining(['seccomp=unconfined', 'apparmor=unconfined']));
    // systempaths=unconfined: nothing is mounted over /proc's entries (podman's inspect does not show it).
    const masked = await inside('awk \'$5 ~ "^/proc/." { print $5 }\' /proc/self/mountinfo');
    expect(masked.code, masked.all).toBe(0);
    expect(masked.stdout.split('\n').filter(Boolean), 'paths masked under /proc').toEqual([]);
  });

  it('has Node of .nvmrc, the pinned pnpm, bubblewrap and every toolchain', async () => {
    const nodeMajor = readRepoFile('.nvmrc').trim().replace(/^v/, '').split('.')[0];
    const pnpm = rootPackageJson().packageManager.replace(/^pnpm@/, '');
    const checks: [string, string, RegExp][] = [
      ['node', 'node --version', new RegExp(`^v${nodeMajor}\\.`)],
      ['pnpm', 'pnpm --version', new RegExp(`^${pnpm.replaceAll('.', '\\.')}$`)],
      ['bwrap', 'bwrap --version', /^bubblewrap \d/],
      ['python3', 'python3 --version', /^Python 3\./],
      ['gcc', 'gcc --version', /^gcc .* \d+\.\d+/],
      ['g++', 'g++ --version', /^g\+\+ .* \d+\.\d+/],
      ['go', 'go version', /^go version go1\./],
      ['rustc', 'rustc --version', /^rustc \d/],
      ['java', 'java -version 2>&1', /^openjdk version "\d+/],
      ['javac', 'javac -version 2>&1', /^javac \d+/],
      ['chromium', 'chromium --version', /^Chromium \d+/],
      ['redis-server', 'redis-server --version', /^Redis server v=\d/],
      ['tini', 'tini --version', /^tini version \d/],
      ['git', 'git --version', /^git version \d/],
    ];
    const found: string[] = [];
    for (const [name, command, expected] of checks) {
      const result = await inside(command);
      const first = result.stdout.split('\n')[0] ?? '';
      expect(result.code, `${name}: ${result.all}`).toBe(0);
      expect(first, name).toMatch(expected);
      found.push(`${name}: ${first}`);
    }
    log(`tools inside:\n${found.map((line) => `    ${line}`).join('\n')}`);
    // And the tools of every runtime of the language manifest (the list above is the base of the dev container).
    const tools = [...new Set(languages.flatMap((l) => l.runtimes.flatMap((r) => Object.values(r.tools))))];
    const missing = await inside(`for t in ${tools.join(' ')}; do command -v "$t" >/dev/null || echo "$t"; done`);
    expect(missing.stdout.trim(), 'tools of the language manifest missing in the dev container').toBe('');

    const kubectl = await inside('kubectl version --client');
    if (withKubectl) expect(kubectl.code, kubectl.all).toBe(0);
    else {
      expect(kubectl.code, 'INSTALL_KUBECTL=false must leave kubectl out').not.toBe(0);
      log('kubectl: not installed in this build (INSTALL_KUBECTL=false: pkgs.k8s.io unreachable here)');
    }
  }, 180_000);

  it('installed the workspace with pnpm install --frozen-lockfile (its postCreateCommand)', async () => {
    const result = await inside('test -x node_modules/.bin/turbo && pnpm install --frozen-lockfile --offline');
    expect(result.code, result.all).toBe(0);
  }, 300_000);

  it("passes @repo/lock's tests inside", async () => {
    const started = performance.now();
    const result = await inside('pnpm --filter @repo/lock test', { CI: 'true' });
    log(`@repo/lock tests inside: exit ${result.code} in ${seconds(performance.now() - started)}`);
    expect(result.code, result.all).toBe(0);
    expect(result.all).toMatch(/Tests +\d+ passed/);
  }, 600_000);

  it("passes @repo/sandbox's tests inside at the namespaces level: bubblewrap works with the runArgs", async () => {
    const started = performance.now();
    // As node, no cgroup is writable and there is no per-box uid: `namespaces` is the level promised there.
    const result = await inside('pnpm --filter @repo/sandbox test', {
      CI: 'true',
      EXPECT_ISOLATION: 'namespaces',
      EXPECT_LANGUAGES: 'c,c++',
    });
    const summary = result.all
      .split('\n')
      .filter((line) => /Test Files|Tests +\d|FAIL|\[sandbox test\] skipped/.test(line))
      .filter((line, i, all) => all.indexOf(line) === i);
    log(`@repo/sandbox tests inside: exit ${result.code} in ${seconds(performance.now() - started)}`);
    for (const line of summary) log(`  ${line.trim()}`);
    expect(result.code, result.all.split('\n').slice(-120).join('\n')).toBe(0);
    expect(result.all).toMatch(/Tests +\d+ passed/);
  }, 1_200_000);
});
