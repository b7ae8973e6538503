// Builds the images with podman (deploy/images/build.sh) and runs them as containers, for the
// image-*.test.ts files. Real podman, real runc, real images: nothing is mocked.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { type AppName, eachLine, readRepoFile, repoRoot } from './repo.ts';

export const inCI = ['true', '1'].includes(process.env.CI ?? '');

/** Why the image tests cannot run here, or null. In CI the caller turns a reason into a failure. */
export async function podmanMissing(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'the image tests build a local base with debootstrap and run podman as root';
  for (const tool of ['podman', 'debootstrap', 'runc']) {
    const found = await execa('sh', ['-c', `command -v ${tool}`], { reject: false });
    if (found.exitCode !== 0)
      return `${tool} is not installed (scripts/bootstrap.mjs installs podman, runc, debootstrap)`;
  }
  return null;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** The options this kind of host needs for podman (runtime, ulimits): deploy/images/podman-host-opts.sh. */
export async function hostOptions(): Promise<string[]> {
  const { stdout } = await execa(join(repoRoot, 'deploy/images/podman-host-opts.sh'));
  return stdout.split('\n').filter(Boolean);
}

export interface Build {
  ms: number;
  steps: number;
  cached: number;
}

/**
 * One `deploy/images/build.sh <app> <tag>`: its time and how many steps came from the cache. The
 * step lines and what the base image script says are printed; the whole log goes to a file whose
 * tail is in the error when the build fails.
 */
export async function buildImage(app: AppName, tag: string, extra: string[] = []): Promise<Build> {
  const logFile = join(mkdtempSync(join(tmpdir(), `image-${app}-`)), 'build.log');
  const started = performance.now();
  const child = execa(join(repoRoot, 'deploy/images/build.sh'), [app, tag, ...extra], {
    all: true,
    reject: false,
  });
  eachLine(child.all, (line) => {
    if (/STEP \d+\/\d+|COMMIT|^build\.sh|local-base|^#|Error|error:/.test(line)) console.log(`  [${app}] ${line}`);
  });
  const result = await child;
  const ms = performance.now() - started;
  const log = result.all ?? '';
  writeFileSync(logFile, log);
  if (result.exitCode !== 0) {
    throw new Error(
      `build.sh ${app} failed (exit ${result.exitCode}); full log in ${logFile}:\n${log.split('\n').slice(-60).join('\n')}`,
    );
  }
  // FROM steps are never "from cache": count the others.
  const steps = (log.match(/STEP \d+\/\d+: (?!FROM )/g) ?? []).length;
  const cached = (log.match(/--> Using cache/g) ?? []).length;
  return { ms, steps, cached };
}

/** Builds twice: the first time as this machine's cache stands (cold on a fresh CI machine), then all cached. */
export async function buildTwice(app: AppName, tag: string): Promise<{ first: Build; second: Build; size: number }> {
  // IMAGE_COLD_BUILD=1 measures a cold build on a machine that has built before.
  const first = await buildImage(app, tag, process.env.IMAGE_COLD_BUILD === '1' ? ['--no-cache'] : []);
  const second = await buildImage(app, tag);
  const size = Number((await execa('podman', ['image', 'inspect', '--format', '{{.Size}}', tag])).stdout);
  const kind = first.cached === 0 ? 'cold' : `warm: ${first.cached} of ${first.steps} steps from cache`;
  console.log(
    `FIGURES ${app} image: size ${mib(size)} (${size} bytes); first build ${seconds(first.ms)} (${kind}); ` +
      `cached build ${seconds(second.ms)} (${second.cached} of ${second.steps} steps from cache)`,
  );
  return { first, second, size };
}

/**
 * The `--security-opt`s that deploy/README.md tells operators to run an image with, from its
 * `docker run` and `podman run` lines for that image (they must agree): the tests run it with exactly those.
 */
export function operatorOptions(image: string): string[] {
  const readme = readRepoFile('deploy/README.md');
  // A command is the lines joined by their trailing backslashes.
  const commands = readme.replace(/\\\n\s*/g, ' ').split('\n');
  const runs = commands.filter(
    (line) => /^\s*(docker|podman) run\b/.test(line) && new RegExp(`[\\s/]${image}:`).test(line),
  );
  if (runs.length === 0) throw new Error(`deploy/README.md has no "docker run" or "podman run" line for ${image}`);
  const opts = runs.map((line) => [...line.matchAll(/--security-opt[ =](\S+)/g)].map((m) => m[1] as string).sort());
  for (const other of opts.slice(1)) {
    if (other.join(' ') !== opts[0]?.join(' ')) {
      throw new Error(`deploy/README.md runs ${image} with different options:\n${runs.join('\n')}`);
    }
  }
  return (opts[0] ?? []).flatMap((opt) => ['--security-opt', opt]);
}

export interface Container {
  name: string;
  url: string;
  /** From `podman run` to the first /readyz 200. */
  readyMs: number;
  /** From the container's start (State.StartedAt) to the first /readyz 200. */
  readyAfterStartMs: number;
  exec(command: string): Promise<string>;
  logs(): Promise<string>;
  /** `podman stop` (SIGTERM, then SIGKILL after `timeout` s); the container's exit code. */
  stop(timeout?: number): Promise<number>;
  remove(): Promise<void>;
}

/** Runs an image detached, its port published on a free loopback port, and waits for /readyz 200. */
export async function runContainer(opts: {
  image: string;
  name: string;
  port: number;
  options: string[];
  readyTimeoutMs?: number;
}): Promise<Container> {
  await execa('podman', ['rm', '-f', '--ignore', opts.name], { reject: false });
  const args = [
    'run',
    '--detach',
    '--name',
    opts.name,
    '--publish',
    `127.0.0.1::${opts.port}`,
    ...(await hostOptions()),
    ...opts.options,
    opts.image,
  ];
  console.log(`  podman ${args.join(' ')}`);
  const started = performance.now();
  await execa('podman', args);
  const { stdout: published } = await execa('podman', ['port', opts.name, String(opts.port)]);
  const url = `http://${published.split('\n')[0]?.trim()}`;
  const logs = async () => (await execa('podman', ['logs', opts.name], { all: true, reject: false })).all ?? '';
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 120_000);
  let readyAt = 0;
  while (!readyAt) {
    const state = (await execa('podman', ['inspect', '--format', '{{.State.Status}}', opts.name])).stdout;
    if (state !== 'running') throw new Error(`${opts.name} is ${state} before /readyz answered 200:\n${await logs()}`);
    if (Date.now() > deadline) throw new Error(`${opts.name}: no /readyz 200 within the timeout:\n${await logs()}`);
    const ok = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) readyAt = performance.now();
    else await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const readyWall = Date.now();
  // e.g. "2026-11-30 20:36:41.123456789 +0000 UTC"
  const startedAt = (await execa('podman', ['inspect', '--format', '{{.State.StartedAt}}', opts.name])).stdout;
  const m = /^(\S+) (\d+:\d+:\d+)(\.\d{1,3})?\d* ([+-]\d{2})(\d{2})/.exec(startedAt);
  const startedMs = m ? Date.parse(`${m[1]}T${m[2]}${m[3] ?? ''}${m[4]}:${m[5]}`) : Number.NaN;
  return {
    name: opts.name,
    url,
    readyMs: readyAt - started,
    readyAfterStartMs: readyWall - startedMs - (performance.now() - readyAt),
    logs,
    async exec(command) {
      const result = await execa('podman', ['exec', opts.name, 'sh', '-c', command], { all: true, reject: false });
      if (result.exitCode !== 0)
        throw new Error(`podman exec ${opts.name} ${command}: exit ${result.exitCode}\n${result.all}`);
      return result.stdout;
    },
    async stop(timeout = 10) {
      await execa('podman', ['stop', '--time', String(timeout), opts.name], { reject: false });
      return Number((await execa('podman', ['inspect', '--format', '{{.State.ExitCode}}', opts.name])).stdout);
    },
    async remove() {
      await execa('podman', ['rm', '-f', '--ignore', opts.name], { reject: false });
    },
  };
}

/** Processes in the container: pid, ppid, state, uid, rss (kB), name and command line, read from its /proc. */
export interface Proc {
  pid: number;
  ppid: number;
  state: string;
  /** Real uid. */
  uid: number;
  rssKb: number;
  name: string;
  cmdline: string;
}

export async function processes(container: Container): Promise<Proc[]> {
  // One line per process: pid ppid state uid rss name|cmdline (the image may lack ps: testero's does).
  // The shell that lists them, and what it starts, are left out.
  const out = await container.exec(
    `echo "self $$"; for d in /proc/[0-9]*; do s=$(cat "$d/status" 2>/dev/null) || continue; ` +
      `c=$(tr '\\0\\n' '  ' < "$d/cmdline" 2>/dev/null); ` +
      `printf '%s %s %s %s %s %s|%s\\n' "\${d#/proc/}" ` +
      `"$(echo "$s" | sed -n 's/^PPid:[[:space:]]*//p')" "$(echo "$s" | sed -n 's/^State:[[:space:]]*\\(.\\).*/\\1/p')" ` +
      `"$(echo "$s" | sed -n 's/^Uid:[[:space:]]*\\([0-9]*\\).*/\\1/p')" ` +
      `"$(echo "$s" | sed -n 's/^VmRSS:[[:space:]]*\\([0-9]*\\).*/\\1/p')" "$(echo "$s" | sed -n 's/^Name:[[:space:]]*//p')" "$c"; done`,
  );
  const [first = '', ...lines] = out.split('\n');
  const self = Number(first.replace('self ', ''));
  return lines
    .filter(Boolean)
    .map((line) => {
      const [head = '', cmdline = ''] = line.split('|');
      const [pid, ppid, state, uid, rss, name] = head.split(' ');
      return {
        pid: Number(pid),
        ppid: Number(ppid),
        state: state ?? '',
        uid: Number(uid),
        rssKb: Number(rss || 0),
        name: name ?? '',
        cmdline: cmdline.trim(),
      };
    })
    .filter((p) => p.pid !== self && p.ppid !== self);
}

/** `/app` of an image as its runtime stage left it: each entry's name and numeric owner. */
export async function appFiles(image: string): Promise<Array<{ name: string; owner: string }>> {
  const { stdout } = await execa('podman', [
    'run',
    '--rm',
    ...(await hostOptions()),
    '--entrypoint',
    'ls',
    image,
    '-ln',
    '/app',
  ]);
  return stdout
    .split('\n')
    .slice(1)
    .map((line) => {
      const fields = line.split(/\s+/);
      return { name: fields.at(-1) ?? '', owner: fields.slice(2, 4).join(':') };
    });
}
