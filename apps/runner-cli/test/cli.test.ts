import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { languageByExtension } from '@repo/languages';
import type { ExecuteResponse, Runtime } from '@repo/runner-api';
import { freePort, type RunningCodeRunner, startCodeRunner } from 'code-runner/testing';
import { execa, type Options } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The real CLI, as a user runs it: a Node 24 process on the TypeScript source.
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

let server: RunningCodeRunner;
let dir: string;

function runner(args: string[], options: Options = {}) {
  return execa(process.execPath, [main, ...args], {
    reject: false,
    env: { RUNNER_URL: server.url },
    stdin: 'ignore',
    timeout: 60_000,
    ...options,
  });
}

async function source(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'runner-cli-'));
  server = await startCodeRunner();
});

afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('runner langs', () => {
  it('lists the languages the server runs, with versions', async () => {
    const result = await runner(['langs']);
    expect(result.exitCode).toBe(0);
    const lines = String(result.stdout).split('\n');
    expect(lines[0]).toMatch(/^LANGUAGE\s+VERSION\s+ALIASES$/);
    expect(lines.some((line) => /^python\s+3\.\d+\.\d+/.test(line))).toBe(true);
  });

  it('prints the raw runtimes with --json', async () => {
    const result = await runner(['langs', '--json']);
    expect(result.exitCode).toBe(0);
    const runtimes = JSON.parse(String(result.stdout)) as Runtime[];
    expect(runtimes.map((r) => r.language)).toContain('python');
  });
});

describe('runner run', () => {
  it('runs a python file: its stdout on stdout, its stderr on stderr, exit code 0', async () => {
    const file = await source(
      'hello.py',
      'import sys\nprint("hello from the box")\nprint("a warning", file=sys.stderr)\n',
    );
    const result = await runner(['run', file]);
    expect(result.stdout).toBe('hello from the box');
    expect(result.stderr).toBe('a warning');
    expect(result.exitCode).toBe(0);
  });

  it('feeds stdin from a file', async () => {
    const file = await source('sum.py', 'import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))\n');
    const numbers = await source('numbers.txt', '1 2 3\n4\n');
    const result = await runner(['run', file, '--stdin', numbers]);
    expect(result).toMatchObject({ exitCode: 0, stdout: '10' });
  });

  it('feeds stdin from its own stdin with "-"', async () => {
    const file = await source('upper.py', 'import sys\nprint(sys.stdin.read().upper(), end="")\n');
    const result = await runner(['run', file, '--stdin', '-'], { stdin: undefined, input: 'piped text\n' });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'PIPED TEXT' });
  });

  it('passes everything after "--" to the program, options included', async () => {
    const file = await source('args.py', 'import sys\nprint(repr(sys.argv[1:]))\n');
    const result = await runner(['run', file, '--', '--name', 'world', 'two words']);
    expect(result).toMatchObject({ exitCode: 0, stdout: "['--name', 'world', 'two words']" });
  });

  it("exits with the program's own exit code", async () => {
    const file = await source('exit3.py', 'import sys\nprint("bye")\nsys.exit(3)\n');
    const result = await runner(['run', file]);
    expect(result).toMatchObject({ exitCode: 3, stdout: 'bye', stderr: '' });
  });

  it('exits with 128+n when the program is killed by signal n', async () => {
    const file = await source('segv.py', 'import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n');
    const result = await runner(['run', file]);
    expect(result.exitCode).toBe(139);
    expect(result.stderr).toContain('runner: killed by signal SIGSEGV');
  });

  it("reports a compile error with the compiler's output on stderr and exit code 121", async () => {
    const file = await source('broken.cpp', '#include <cstdio>\nint main() { printf("hi") return 0; }\n');
    const result = await runner(['run', file]);
    expect(result.exitCode).toBe(121);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/error: expected .;. before .return./);
    expect(result.stderr).toMatch(/runner: compilation failed \(compiler exit code \d+\)/);
  });

  it('runs a compiled program and passes its exit code', async () => {
    const file = await source('ok.c', '#include <stdio.h>\nint main(void) { puts("compiled"); return 5; }\n');
    const result = await runner(['run', file]);
    expect(result).toMatchObject({ exitCode: 5, stdout: 'compiled' });
  });

  it('reports a time limit with exit code 124 and the words on stderr', async () => {
    const file = await source('forever.py', 'print("started", flush=True)\nwhile True:\n    pass\n');
    const result = await runner(['run', file, '--timeout', '500']);
    expect(result.exitCode).toBe(124);
    expect(result.stdout).toBe('started');
    expect(result.stderr).toContain('runner: time limit exceeded');
  });

  it('reports a memory limit with exit code 125', async () => {
    const file = await source('hog.py', 'blocks = []\nwhile True:\n    blocks.append(bytearray(16 * 1024 * 1024))\n');
    const result = await runner(['run', file, '--memory', '64M']);
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toContain('runner: memory limit exceeded');
  });

  it('prints the raw answer with --json, and still exits with the mapped code', async () => {
    const file = await source('json.py', 'print("x")\nraise SystemExit(4)\n');
    const result = await runner(['--json', 'run', file]);
    expect(result.exitCode).toBe(4);
    const answer = JSON.parse(String(result.stdout)) as ExecuteResponse;
    expect(answer.language).toBe('python');
    expect(answer.run).toMatchObject({ stdout: 'x\n', code: 4, status: 'RE' });
  });

  it('takes the language from -l when the extension says nothing', async () => {
    const file = await source('script', 'echo "from bash: $1"\n');
    const result = await runner(['run', '-l', 'bash', file, '--', 'arg']);
    expect(result).toMatchObject({ exitCode: 0, stdout: 'from bash: arg' });
  });

  it('refuses a file whose extension names no language, before any request', async () => {
    const file = await source('notes.txt', 'hello\n');
    const result = await runner(['run', file]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      `runner: ${file} has the extension ".txt", which names no language; pass the language with -l LANG (known extensions: ${[...languageByExtension.keys()].join(' ')})`,
    );
  });

  it('refuses a file that does not exist', async () => {
    const result = await runner(['run', join(dir, 'missing.py')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`runner: cannot read ${join(dir, 'missing.py')}: no such file`);
  });

  it("shows the server's message when it refuses the request (unknown version)", async () => {
    const file = await source('v.py', 'print(1)\n');
    const result = await runner(['run', file, '--lang-version', '9.9.9']);
    expect(result.exitCode).toBe(120);
    expect(result.stderr).toMatch(/^runner: the server refused the request \(HTTP 400\): .*9\.9\.9/);
  });

  it('says in one line that the server cannot be reached', async () => {
    const port = await freePort();
    const file = await source('unreachable.py', 'print(1)\n');
    const result = await runner(['run', file, '--url', `http://127.0.0.1:${port}`]);
    expect(result.exitCode).toBe(123);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `runner: cannot reach code-runner at http://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}); is it running? Set --url or RUNNER_URL`,
    );
  });
});

describe('runner --help and --version', () => {
  it('documents the commands, the environment and the exit codes', async () => {
    const result = await runner(['--help']);
    expect(result.exitCode).toBe(0);
    for (const text of ['langs', 'run [options] <files...>', 'RUNNER_URL', 'RUNNER_API_KEY', '124      time limit']) {
      expect(result.stdout).toContain(text);
    }
  });

  it('documents every option of run', async () => {
    const result = await runner(['run', '--help']);
    expect(result.exitCode).toBe(0);
    for (const option of [
      '--language',
      '--stdin',
      '--timeout',
      '--memory',
      '--cpu-time',
      '--compile-timeout',
      '--url',
      '--json',
    ]) {
      expect(result.stdout).toContain(option);
    }
  });

  it('prints its version', async () => {
    const result = await runner(['--version']);
    expect(result).toMatchObject({ exitCode: 0, stdout: '0.1.0' });
  });

  it('calls a misspelt option a usage error (exit 2)', async () => {
    const result = await runner(['run', '--tiemout', '5', 'x.py']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("runner: error: unknown option '--tiemout'");
  });
});

describe('runner against a busy server', () => {
  let busy: RunningCodeRunner;

  beforeAll(async () => {
    // One box and no queue: a request while the box runs is turned away at once with 503.
    busy = await startCodeRunner({ env: { NUM_RUNNERS: '1', MAX_QUEUE: '0' } });
  });

  afterAll(async () => {
    await busy?.stop();
  });

  it('says the server is busy, with the retry-after delay, and exits with 122', async () => {
    const sleeper = await source('sleeper.py', 'import time\ntime.sleep(2.5)\nprint("slept")\n');
    const quick = await source('quick.py', 'print("quick")\n');
    const first = runner(['run', sleeper], { env: { RUNNER_URL: busy.url } });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const info = (await (await fetch(`${busy.url}/api/v2/info`)).json()) as { pool: { busy: number } };
      if (info.pool.busy >= 1) break;
      if (Date.now() > deadline) throw new Error('the sleeping run never took the box');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const second = await runner(['run', quick], { env: { RUNNER_URL: busy.url } });
    expect(second.exitCode).toBe(122);
    expect(second.stderr).toMatch(
      /^runner: the server at http:\/\/127\.0\.0\.1:\d+ is busy \(HTTP 503\): .+; retry after \d+ s$/,
    );
    // The sleeper itself may end at the time limit on a loaded machine; it only had to hold the box.
    await first;
  });
});
