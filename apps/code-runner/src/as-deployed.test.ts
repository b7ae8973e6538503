// code-runner started the way its image starts it: the esbuild bundle, as a non-root user, and as PID 1 of
// its own pid namespace (nothing above it reaps orphans). Root only: it needs another uid and unshare.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, promiseOfLevel, type SkippableContext, skipOrFail } from './testing.ts';

const root = process.getuid?.() === 0;
const nobody = 65534;

/** A world-readable folder holding the bundle and a copy of node: a checkout may sit in a 0700 directory. */
let dir = '';
beforeAll(async () => {
  if (!root) return;
  dir = mkdtempSync(path.join(tmpdir(), 'code-runner-deployed-'));
  chmodSync(dir, 0o755);
  await build({
    entryPoints: [fileURLToPath(new URL('./main.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    outfile: path.join(dir, 'main.js'),
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  copyFileSync(process.execPath, path.join(dir, 'node'));
  chmodSync(path.join(dir, 'node'), 0o755);
}, 120_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Server {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts the bundle with `prefix` (e.g. unshare, setpriv) before node and waits for /readyz. */
async function startBundle(prefix: string[], env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const [file, ...args] = [...prefix, path.join(dir, 'node'), path.join(dir, 'main.js')];
  const child = spawn(file as string, args, {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit');
  // SIGTERM to the server itself: unshare ignores it, and a dropped uid clears the parent-death signal that
  // --kill-child relies on. Whatever is left after 10 s is SIGKILLed.
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const node = path.join(dir, 'node');
    const server = exe(child.pid as number) === node ? (child.pid as number) : childrenOf(child.pid as number)[0];
    const kill = (pid: number | undefined, signal: NodeJS.Signals) => {
      try {
        if (pid !== undefined) process.kill(pid, signal);
      } catch {
        // gone
      }
    };
    kill(server, 'SIGTERM');
    const timer = setTimeout(() => {
      kill(server, 'SIGKILL');
      kill(child.pid, 'SIGKILL');
    }, 10_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-runner exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${text}`);
    }
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) }).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-runner was not ready within 90 s:\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, child, output: () => text, stop };
}

let requests = 0;

/** One bash program; a request unanswered after 60 s fails with its id and the server's last log lines. */
async function execute(server: Server, content: string, extra: Record<string, unknown> = {}) {
  const id = `as-deployed-${process.pid}-${++requests}`;
  const res = await fetch(`${server.url}/api/v2/execute`, {
    signal: AbortSignal.timeout(60_000),
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Request-Id': id },
    body: JSON.stringify({ language: 'bash', version: '*', files: [{ content }], ...extra }),
  }).catch((error: Error) => {
    throw new Error(`request ${id} (${content}): ${error.message}; the server's last output:\n${server.output()}`);
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { run: { stdout: string; stderr: string; status: string | null; code: number | null } };
}

function status(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}

/** Every process in the pid namespace of `pid`, seen from the host. */
function namespaceProcesses(pid: number): Array<{ pid: number; ppid: number; name: string; zombie: boolean }> {
  const ns = readlinkSync(`/proc/${pid}/ns/pid`);
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/pid`) !== ns) continue;
    } catch {
      continue; // gone, or a kernel thread
    }
    const text = status(Number(entry));
    if (!text) continue;
    found.push({
      pid: Number(entry),
      ppid: Number(/^PPid:\s+(\d+)/m.exec(text)?.[1]),
      name: /^Name:\s+(.*)$/m.exec(text)?.[1] ?? '?',
      zombie: /^State:\s+Z/m.test(text),
    });
  }
  return found;
}

function exe(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The ns's PID 1 (the server), the process `unshare --fork` started. */
function serverOf(unshare: ChildProcess): number {
  return childrenOf(unshare.pid as number)[0] as number;
}

// Programs that leave processes behind in every way a run can: they must all be gone, zombies included.
const leavers = [
  ':(){ :|:& };:', // fork bomb
  'sleep 100 & disown; echo daemon', // a daemon
  "(setsid sh -c 'sleep 100 & sleep 100' &); echo double", // a double fork out of the session
  'while :; do :; done', // a spin killed at the time limit
  'sleep 100 & exec sleep 100', // killed at the wall limit with a child
];

/**
 * Runs "$@" in a cgroup of its own below ours (v1: each controller's hierarchy; v2: the unified one): a sandbox
 * cleans up its siblings whose owners look dead, and from inside its pid namespace every other sandbox of this
 * host looks dead. Removed again by the next start (`rmdir` of empty leftovers).
 */
const ownCgroups = `
while IFS=: read -r _ controllers where; do
  for c in $(echo "\${controllers:-unified}" | tr , ' '); do
    case $c in memory|pids|cpuacct|unified) ;; *) continue ;; esac
    base=/sys/fs/cgroup/$c
    [ "$c" = unified ] && { [ -f /sys/fs/cgroup/cgroup.procs ] && base=/sys/fs/cgroup || base=/sys/fs/cgroup/unified; }
    [ -w "$base$where" ] || continue
    for old in "$base$where"/as-deployed-*; do rmdir "$old" 2>/dev/null || true; done
    mkdir -p "$base$where/as-deployed-$$" && echo $$ > "$base$where/as-deployed-$$/cgroup.procs" || true
  done
done < /proc/self/cgroup
exec "$@"`;

/** Another uid and unshare need root; where EXPECT_ISOLATION=full promised a root machine, not being root fails. */
function requireRoot(ctx: SkippableContext): void {
  if (!root)
    skipOrFail(ctx, 'root (to start the server as another uid and in its own pid namespace)', promiseOfLevel('full'));
}

describe('code-runner as deployed', () => {
  for (const as of ['root', 'nobody'] as const) {
    it(`as PID 1 of its own pid namespace (${as}), leaves no process and no zombie after hostile runs`, async (ctx) => {
      requireRoot(ctx);
      const work = mkdtempSync(path.join(tmpdir(), 'code-runner-pid1-'));
      chmodSync(work, 0o777);
      const drop = as === 'nobody' ? ['setpriv', `--reuid=${nobody}`, `--regid=${nobody}`, '--clear-groups', '--'] : [];
      const server = await startBundle(
        ['sh', '-c', ownCgroups, 'sh', 'unshare', '--pid', '--fork', '--mount-proc', '--kill-child', ...drop],
        {
          WORK_DIR: path.join(work, 'work'),
          // Its own uids (and TMPDIR): in its pid namespace, the uid claims of the host's other sandboxes (their
          // pids invisible there) would look stale and be taken over, and two servers would kill each other's runs.
          TMPDIR: work,
          SANDBOX_BASE_UID: String(1_000_000 + ((process.pid * 10) % 500_000) * 100),
          NUM_RUNNERS: '4',
          MAX_RUN_TIMEOUT_MS: '2000',
        },
      );
      try {
        const pid1 = serverOf(server.child);
        const node = path.join(dir, 'node');
        expect(status(pid1)).toMatch(/^NSpid:\s+\d+\s+1$/m);
        const jobs = Array.from({ length: 4 }, async (_, worker) => {
          for (let round = 0; round < 3; round++) {
            for (const program of leavers) {
              const answer = await execute(server, program, { run_timeout: 1000 });
              expect(answer.run.status, `${program}: ${JSON.stringify(answer.run)}\n${server.output()}`).not.toBe('XX');
            }
          }
          return worker;
        });
        await Promise.all(jobs);
        // The last answers were sent before their boxes' reset: give the resets their time, no more.
        const leftOver = () => {
          const all = namespaceProcesses(pid1);
          const tini = all.find((p) => p.name === 'tini' && p.ppid === pid1 && !p.zombie)?.pid;
          // The server, and its launcher (node) under tini: everything else belongs to a run.
          const serverSide = (p: (typeof all)[number]) =>
            !p.zombie && (p.pid === pid1 || p.pid === tini || (p.ppid === tini && exe(p.pid) === node));
          return all.filter((p) => !serverSide(p));
        };
        const deadline = Date.now() + 10_000;
        while (leftOver().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
        expect(leftOver()).toEqual([]);
        expect((await execute(server, 'echo still here')).run.stdout).toBe('still here\n');
        for (const probe of ['/healthz', '/readyz']) expect((await fetch(`${server.url}${probe}`)).status).toBe(200);
      } finally {
        await server.stop();
        rmSync(work, { recursive: true, force: true });
      }
    }, 300_000);
  }

  it('starts as a non-root user where a root instance left its slot and work dirs, and the box sees no unreadable /etc', async (ctx) => {
    requireRoot(ctx);
    // TMPDIR as a root instance leaves it: its work dir (and the 0700 slot dir of earlier versions).
    const tmp = mkdtempSync(path.join(tmpdir(), 'code-runner-tmp-'));
    chmodSync(tmp, 0o1777);
    mkdirSync(path.join(tmp, 'code-runner-slots'), { mode: 0o700 });
    mkdirSync(path.join(tmp, 'code-runner'), { mode: 0o755 });
    const server = await startBundle(['setpriv', `--reuid=${nobody}`, `--regid=${nobody}`, '--clear-groups', '--'], {
      TMPDIR: tmp,
      NUM_RUNNERS: '2',
    });
    try {
      const info = (await (await fetch(`${server.url}/api/v2/info`)).json()) as { isolation: { level: string } };
      expect(info.isolation.level).toBe('namespaces');
      const answer = await execute(server, 'id -u; ls /etc/ssl; cat /etc/ssl/private/* 2>&1 | head -1');
      expect(answer.run.status).toBeNull();
      const [uid, ...rest] = answer.run.stdout.trim().split('\n');
      expect(uid).toBe(String(nobody));
      expect(rest).not.toContain('private');
    } finally {
      await server.stop();
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 180_000);
});
