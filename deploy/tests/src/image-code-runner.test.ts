// Slow (several minutes cold: the image installs the toolchains of every language; then a 3-minute soak):
// builds code-runner's image with podman from deploy/docker/code-runner.Dockerfile and runs it as
// it ships: its own user, never --privileged, with exactly the options deploy/README.md gives
// operators. Over HTTP: its isolation level, every language, a hostile set, no orphan or zombie left, and a soak.
import { languages } from '@repo/languages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appFiles,
  buildTwice,
  type Container,
  inCI,
  operatorOptions,
  type Proc,
  podmanMissing,
  processes,
  runContainer,
} from './image-podman.ts';

const image = 'localhost/code-runner:test';
const soakSeconds = Number(process.env.SOAK_SECONDS ?? 180);
const soakConcurrency = 4;
const missing = await podmanMissing();
if (missing && inCI) throw new Error(`CI promises the image tests, but ${missing}`);
if (missing) console.warn(`SKIPPING the code-runner image tests: ${missing}`);

interface Stage {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
  status: string | null;
  message: string | null;
  wall_time: number;
  cpu_time: number;
}
interface Answer {
  run: Stage;
  compile?: Stage & { cached?: boolean };
}

interface Request {
  language: string;
  source: string;
  stdin?: string;
  limits?: Record<string, number>;
}

let container: Container;
/** The processes of an idle server: tini, node, the sandbox's launcher under `tini -s`. */
let idle: Proc[] = [];

let requests = 0;
/** The request id each request is sent with (the server logs it), so that a lost answer can be found in the log. */
const nextRequestId = () => `image-test-${++requests}`;

async function execute(
  request: Request,
  timeoutMs = 60_000,
  id = nextRequestId(),
): Promise<{ http: number; answer?: Answer }> {
  const response = await fetch(`${container.url}/api/v2/execute`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Request-Id': id },
    body: JSON.stringify({
      language: request.language,
      files: [{ content: request.source }],
      ...(request.stdin === undefined ? {} : { stdin: request.stdin }),
      ...request.limits,
    }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.status !== 200) return { http: response.status };
  return { http: 200, answer: (await response.json()) as Answer };
}

async function ok(request: Request): Promise<Answer> {
  const { http, answer } = await execute(request);
  expect(http, `${request.language}: ${request.source}`).toBe(200);
  return answer as Answer;
}

const hello: Request = { language: 'python', source: 'print("hello world")' };

/** Waits until every box is back and nothing but the idle server's processes is left; returns what is left. */
async function settled(timeoutMs = 15_000): Promise<Proc[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = (await (await fetch(`${container.url}/api/v2/info`)).json()) as { pool: { busy: number } };
    const procs = await processes(container);
    const extra = procs.filter((p) => !idle.some((q) => q.pid === p.pid));
    if ((info.pool.busy === 0 && extra.length === 0) || Date.now() > deadline) return extra;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const describeImage = describe.skipIf(missing);

describeImage('the code-runner image, built by podman and run as it ships (slow)', () => {
  beforeAll(async () => {
    await buildTwice('code-runner', image);
    const options = operatorOptions('code-runner');
    console.log(`deploy/README.md runs code-runner with: ${options.join(' ')}`);
    expect(options.join(' ')).not.toMatch(/privileged|--cap-add|--user/);
    container = await runContainer({ image, name: `code-runner-test-${process.pid}`, port: 10100, options });
    console.log(
      `FIGURES code-runner: /readyz 200 ${container.readyMs.toFixed(0)} ms after podman run ` +
        `(${container.readyAfterStartMs.toFixed(0)} ms after the container started)`,
    );
    idle = await processes(container);
  });
  afterAll(async () => {
    await container?.remove();
  });

  it('holds only the production files, runs as uid 10001 under tini, reports its isolation level', async () => {
    const files = await appFiles(image);
    expect(files.map((file) => file.name).toSorted()).toEqual(['dist', 'package.json', 'web']);
    for (const file of files) expect(file.owner, file.name).toBe('0:0');

    expect(idle.find((p) => p.pid === 1)?.name).toBe('tini');
    const server = idle.find((p) => p.cmdline === 'node --enable-source-maps dist/main.js');
    expect(server, JSON.stringify(idle)).toMatchObject({ ppid: 1, uid: 10001 });
    for (const p of idle) expect(p.uid, p.cmdline).toBe(10001);

    const info = (await (await fetch(`${container.url}/api/v2/info`)).json()) as {
      isolation: {
        level: string;
        layers: Record<string, { available: boolean; detail: string }>;
        run_path: { kind: string; detail: string };
      };
      runtimes: { language: string }[];
    };
    console.log(`FIGURES code-runner: isolation level ${info.isolation.level} in the container`);
    for (const [layer, { available, detail }] of Object.entries(info.isolation.layers)) {
      console.log(`  ${layer}: ${available ? 'yes' : 'no'} (${detail})`);
    }
    // The image requires namespaces; cgroups inside a container need a delegated cgroup (deploy/README.md).
    expect(['namespaces', 'full']).toContain(info.isolation.level);
    // Warm boxes work in the image (warm-box comes prebuilt beside box-init): every run below takes that path.
    console.log(`FIGURES code-runner: run path ${info.isolation.run_path.kind} in the container`);
    expect(info.isolation.run_path).toMatchObject({
      kind: 'warm',
      detail: expect.stringContaining('/usr/local/libexec/warm-box'),
    });
    // Every language of the manifest, each of its runtimes: the image installs all their packages.
    expect([...new Set(info.runtimes.map((r) => r.language))].toSorted()).toEqual(
      languages.map((language) => language.name).toSorted(),
    );
    expect(info.runtimes).toHaveLength(languages.flatMap((language) => language.runtimes).length);
    const page = await fetch(`${container.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
  });

  // Each runtime by the name that picks it: the language's for its default, its first alias for the others.
  const runtimes = languages.flatMap((language) =>
    language.runtimes.map((runtime, i) => ({
      language,
      request: i === 0 ? language.name : (runtime.aliases[0] ?? ''),
    })),
  );

  it("serves Judge0's API from its embedded store (node:sqlite, in WORK_DIR, as uid 10001)", async () => {
    const submitted = await fetch(`${container.url}/submissions?wait=true&fields=token,stdout,status`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ source_code: 'print(input()[::-1])', language_id: 71, stdin: 'egami' }),
    });
    expect(submitted.status).toBe(201);
    const { token, ...result } = (await submitted.json()) as { token: string; stdout: string };
    expect(result).toEqual({ stdout: 'image\n', status: { id: 3, description: 'Accepted' } });
    const again = await fetch(`${container.url}/submissions/${token}?fields=stdout,status_id`);
    expect(await again.json()).toEqual({ stdout: 'image\n', status_id: 3 });
  });

  it(`runs hello world and the sample of each of the ${runtimes.length} runtimes as uid 10001 in the image`, {
    timeout: 20 * 60_000,
  }, async () => {
    const failures: string[] = [];
    /** What went wrong in one attempt, by its failing stages; null when hello and the sample both worked. */
    const attempt = async (language: (typeof runtimes)[number]['language'], request: string) => {
      const hello = await ok({ language: request, source: language.tests.hello });
      const sample = await ok({ language: request, source: language.sample, stdin: 'Ada\n' });
      if (hello.run.stdout === 'hello world\n' && sample.run.stdout.includes('Hello, Ada!')) return null;
      // The stages that went wrong, without the outputs that went right (a whole answer is cut before its end).
      const stages = Object.entries({ hello, sample }).flatMap(([name, answer]) =>
        Object.entries({ compile: answer.compile, run: answer.run })
          .filter(([, stage]) => stage && (stage.status !== null || stage.code !== 0))
          .map(([which, stage]) => ({
            [`${name}.${which}`]: {
              ...stage,
              stdout: stage?.stdout.slice(0, 300),
              stderr: stage?.stderr.slice(-600),
              output: undefined,
            },
          })),
      );
      return JSON.stringify(stages);
    };
    for (const { language, request } of runtimes) {
      const started = performance.now();
      const first = await attempt(language, request);
      // A heavy compiler (kotlinc, scalac) on this shared 2-core machine failed once under load: it is tried
      // once more, and the first failure is printed for the record; two failures fail the test.
      const second = first === null ? null : await attempt(language, request);
      const ms = performance.now() - started;
      console.log(`  ${request}: hello and sample answered in ${ms.toFixed(0)} ms`);
      if (first !== null) console.warn(`  ${request}: FAILED ONCE${second === null ? ', then passed' : ''}: ${first}`);
      if (second !== null) failures.push(`${request}: ${second}`);
    }
    expect(failures).toEqual([]);
  });

  const hostile: { name: string; request: Request; check: (answer: Answer) => void }[] = [
    {
      name: 'a Python fork bomb',
      request: {
        language: 'python',
        source: 'import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass',
      },
      check: (a) => expect(['TO', 'SG', 'RE']).toContain(a.run.status),
    },
    {
      name: 'a bash fork bomb',
      request: { language: 'bash', source: ':(){ :|:& };:' },
      check: (a) => expect(a.run.wall_time).toBeLessThan(10_000),
    },
    {
      name: 'a C fork loop',
      request: { language: 'c', source: '#include <unistd.h>\nint main(void) { for (;;) fork(); }' },
      check: (a) => expect(['TO', 'SG', 'RE']).toContain(a.run.status),
    },
    {
      name: 'a Python memory hog (1 GiB over a 256 MiB limit)',
      request: { language: 'python', source: 'b = bytearray(1 << 30)\nprint(len(b))' },
      check: (a) => {
        expect(a.run.stdout).toBe('');
        expect(['ML', 'RE', 'SG']).toContain(a.run.status);
        if (a.run.status === 'RE') expect(a.run.stderr).toContain('MemoryError');
      },
    },
    {
      name: 'a C memory bomb',
      request: {
        language: 'c',
        source:
          '#include <stdlib.h>\n#include <string.h>\nint main(void) { for (;;) { char *p = malloc(1 << 24); if (!p) return 3; memset(p, 1, 1 << 24); } }',
      },
      check: (a) => expect(['ML', 'SG', 'RE']).toContain(a.run.status),
    },
    {
      name: 'a wall-time overrun (sleep past run_timeout 1000 ms)',
      request: { language: 'python', source: 'import time\ntime.sleep(30)', limits: { run_timeout: 1000 } },
      check: (a) => {
        expect(a.run.status).toBe('TO');
        expect(a.run.wall_time).toBeGreaterThanOrEqual(1000);
        expect(a.run.wall_time).toBeLessThan(5000);
      },
    },
    {
      name: 'a CPU-time overrun (spin past run_cpu_time 1000 ms)',
      request: { language: 'python', source: 'while True:\n    pass', limits: { run_cpu_time: 1000 } },
      check: (a) => {
        expect(a.run.status).toBe('TO');
        expect(a.run.wall_time).toBeLessThan(5000);
      },
    },
    {
      name: 'an output flood',
      request: { language: 'python', source: 'while True:\n    print("flood flood flood flood")' },
      check: (a) => {
        expect(a.run.status).toBe('OL');
        expect(Buffer.byteLength(a.run.stdout)).toBeLessThanOrEqual(64 * 1024);
      },
    },
    {
      name: 'a connection to a public address',
      request: {
        language: 'python',
        source:
          'import socket\ns = socket.socket()\ns.settimeout(2)\ntry:\n    s.connect(("1.1.1.1", 80))\n    print("connected")\nexcept OSError as e:\n    print("refused", e.errno)',
      },
      check: (a) => expect(a.run.stdout).toMatch(/^refused \d+/),
    },
    {
      name: "a connection to the server's own port",
      request: {
        language: 'python',
        source:
          'import socket\ntry:\n    socket.create_connection(("127.0.0.1", 10100), 2)\n    print("connected")\nexcept OSError as e:\n    print("refused", e.errno)',
      },
      check: (a) => expect(a.run.stdout).toMatch(/^refused \d+/),
    },
    {
      name: 'a read of /etc/shadow',
      request: {
        language: 'python',
        source:
          'try:\n    print(open("/etc/shadow").read())\nexcept OSError as e:\n    print("denied", type(e).__name__)',
      },
      check: (a) => expect(a.run.stdout).toMatch(/^denied (PermissionError|FileNotFoundError)/),
    },
    {
      name: 'a daemon (sleep 100 & disown)',
      request: { language: 'bash', source: 'sleep 100 & disown\necho started' },
      check: (a) => expect(a.run.stdout).toBe('started\n'),
    },
    {
      name: 'a double fork into a new session',
      request: {
        language: 'python',
        source:
          'import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        time.sleep(100)\n    os._exit(0)\nos.wait()\nprint("forked")',
      },
      check: (a) => expect(a.run.stdout).toBe('forked\n'),
    },
  ];

  for (const program of hostile) {
    it(`contains ${program.name}, leaves nothing behind, and serves the next request`, async () => {
      const started = performance.now();
      const answer = await ok(program.request);
      const ms = performance.now() - started;
      console.log(
        `  ${program.name}: status ${answer.run.status} code ${answer.run.code} signal ${answer.run.signal} ` +
          `wall ${answer.run.wall_time} ms cpu ${answer.run.cpu_time} ms (answer in ${ms.toFixed(0)} ms)`,
      );
      expect(answer.run.status, answer.run.message ?? '').not.toBe('XX');
      program.check(answer);
      // Nothing of the run outlives its box's reset: no orphan, no zombie.
      expect(await settled()).toEqual([]);
      expect((await fetch(`${container.url}/healthz`)).status).toBe(200);
      expect((await ok(hello)).run.stdout).toBe('hello world\n');
    });
  }

  it(`survives a ${soakSeconds}-second soak of mixed load, ${soakConcurrency} at a time, with nothing left behind`, {
    timeout: (soakSeconds + 300) * 1000,
  }, async () => {
    const serverRss = async () =>
      (await processes(container)).find((p) => p.cmdline === 'node --enable-source-maps dist/main.js')?.rssKb ?? 0;
    const rssStart = await serverRss();
    const mix: { kind: string; request: Request; expected: (string | null)[] }[] = [
      { kind: 'hello', request: hello, expected: [null] },
      {
        kind: 'c++',
        request: { language: 'c++', source: '#include <iostream>\nint main() { std::cout << "hi" << std::endl; }' },
        expected: [null],
      },
      { kind: 'spin', request: { language: 'python', source: 'while True:\n    pass' }, expected: ['TO'] },
      { kind: 'fork bomb', request: { language: 'bash', source: ':(){ :|:& };:' }, expected: [null, 'RE', 'SG', 'TO'] },
      {
        kind: '1 GiB',
        request: { language: 'python', source: 'b = bytearray(1 << 30)\nprint(len(b))' },
        expected: ['ML', 'RE', 'SG'],
      },
      {
        kind: '10 MB print',
        request: { language: 'python', source: 'import sys\nsys.stdout.write("x" * 10_000_000)' },
        expected: ['OL'],
      },
      { kind: 'daemon', request: { language: 'bash', source: 'sleep 100 & disown\necho started' }, expected: [null] },
    ];
    const counts = new Map<string, number>();
    const unexpected: string[] = [];
    const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
    const end = Date.now() + soakSeconds * 1000;
    let next = 0;
    let total = 0;
    const worker = async () => {
      while (Date.now() < end) {
        const item = mix[next++ % mix.length] as (typeof mix)[number];
        let status: string;
        const id = nextRequestId();
        try {
          const { http, answer } = await execute(item.request, 60_000, id);
          status = http !== 200 ? `HTTP ${http}` : String(answer?.run.status ?? answer?.compile?.status ?? 'ok');
          if (http === 200 && answer?.compile?.status) status = `compile ${answer.compile.status}`;
          const fine = http === 200 && answer && item.expected.includes(answer.run.status) && !answer.compile?.status;
          if (!fine && unexpected.length < 20) {
            unexpected.push(`${item.kind}: ${status} ${JSON.stringify(answer?.run ?? {}).slice(0, 300)}`);
          }
        } catch (error) {
          status = `request failed: ${(error as Error).name}`;
          if (unexpected.length < 20) unexpected.push(`${item.kind}: ${status} (X-Request-Id ${id})`);
        }
        count(`${item.kind} -> ${status}`);
        total++;
      }
    };
    console.log(`soak: ${soakSeconds} s, ${soakConcurrency} at a time: ${mix.map((m) => m.kind).join(', ')}`);
    const started = performance.now();
    await Promise.all(Array.from({ length: soakConcurrency }, worker));
    const seconds = (performance.now() - started) / 1000;

    const left = await settled(30_000);
    const zombies = (await processes(container)).filter((p) => p.state === 'Z');
    const after = await ok(hello);
    const healthz = await fetch(`${container.url}/healthz`);
    const readyz = await fetch(`${container.url}/readyz`);
    const rssEnd = await serverRss();
    console.log(`FIGURES code-runner soak: ${total} answers in ${seconds.toFixed(0)} s, ${soakConcurrency} at a time`);
    for (const [key, n] of [...counts].sort()) console.log(`  ${key}: ${n}`);
    console.log(
      `FIGURES code-runner soak: server RSS ${rssStart} kB at the start, ${rssEnd} kB at the end; ` +
        `${zombies.length} zombies and ${left.length} leftover processes after it; /healthz ${healthz.status}, /readyz ${readyz.status}`,
    );
    if (unexpected.length) {
      console.log(`unexpected answers (first 20):\n  ${unexpected.join('\n  ')}`);
      // The server's warnings and errors (pino levels 40+) say what went wrong on its side.
      const lost = new Set([...unexpected.join(' ').matchAll(/X-Request-Id (\S+)\)/g)].map((m) => m[1]));
      const warnings = (await container.logs())
        .split('\n')
        .filter((line) => /"level":(4|5|6)0/.test(line) || [...lost].some((id) => line.includes(`"${id}"`)));
      console.log(`server warnings and errors (last 30 of ${warnings.length}):\n  ${warnings.slice(-30).join('\n  ')}`);
    }

    expect(after.run.stdout).toBe('hello world\n');
    expect(healthz.status).toBe(200);
    expect(readyz.status).toBe(200);
    expect(zombies).toEqual([]);
    expect(left).toEqual([]);
    expect(unexpected).toEqual([]);
    expect([...counts.keys()].filter((k) => k.includes('XX'))).toEqual([]);
  });

  it('stops on SIGTERM (podman stop) with exit code 0', async () => {
    const code = await container.stop(30);
    expect(code, await container.logs()).toBe(0);
  });
});
