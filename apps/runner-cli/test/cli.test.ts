import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { languageByExtension } from '@repo/languages';
import type { ExecuteResponse, Runtime } from '@repo/runner-api';
import { freePort, type RunningCodeRunner, startCodeRunner } from 'code-runner/testing';
import { execa, type Options, type ResultPromise } from 'execa';
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

/** Single quotes for sh, so that `script -c` runs the command word for word. */
const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

interface Terminal {
  child: ResultPromise;
  /** Everything the terminal showed so far: the program's output, runner's, and the echo of what was typed. */
  screen(): string;
  /** Resolves once the screen shows `text`. */
  waitFor(text: string): Promise<void>;
  /** Types on the terminal: "\x03" is Ctrl-C, "\x04" Ctrl-D, as the line discipline reads them. */
  type(text: string): void;
}

/** The CLI on a pseudo-terminal of its own (util-linux `script`), typed at through script's stdin. */
function underTerminal(args: string[], env: Record<string, string> = {}): Terminal {
  // exec: runner is the terminal's foreground process itself, so Ctrl-C's SIGINT reaches it and no shell.
  const command = `exec ${[process.execPath, main, ...args].map(quote).join(' ')}`;
  const child = execa('script', ['-qec', command, '/dev/null'], {
    reject: false,
    env: { RUNNER_URL: server.url, ...env },
    stdin: 'pipe',
    timeout: 60_000,
  });
  let screen = '';
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    screen += chunk.toString();
    for (const wake of waiters) wake();
  });
  return {
    child,
    screen: () => screen,
    waitFor: (text) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the terminal never showed ${JSON.stringify(text)}; it showed ${JSON.stringify(screen)}`));
        }, 20_000);
        const check = () => {
          if (!screen.includes(text)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        waiters.add(check);
        check();
      }),
    type: (text) => child.stdin?.write(text),
  };
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

describe('runner run -i', () => {
  const ask = () =>
    source(
      'ask.py',
      'name = input("Name? ")\nage = input("Age? ")\nprint(f"Hello, {name}! Next year you are {int(age) + 1}.")\n',
    );

  it('feeds piped stdin to the program and prints its output, exit code 0', async () => {
    const result = await runner(['run', '-i', await ask()], { stdin: undefined, input: 'Ada\n36\n' });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'Name? Age? Hello, Ada! Next year you are 37.', stderr: '' });
  });

  it('ends the input when the pipe ends: a program reading all of stdin finishes', async () => {
    const file = await source('total.py', 'import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))\n');
    const result = await runner(['run', '--interactive', file], { stdin: undefined, input: '1 2\n3\n4\n' });
    expect(result).toMatchObject({ exitCode: 0, stdout: '10' });
  });

  it('streams both ways: output comes before the input that the program then waits for', async () => {
    const file = await source(
      'pingpong.py',
      'import sys\nprint("first", flush=True)\nline = sys.stdin.readline()\nprint("second:", line.strip())\n',
    );
    const child = runner(['run', '-i', file], { stdin: 'pipe' });
    let stdout = '';
    await new Promise<void>((resolve) =>
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('first')) resolve();
      }),
    );
    expect(stdout).not.toContain('second');
    child.stdin?.end('go\n');
    expect(await child).toMatchObject({ exitCode: 0, stdout: 'first\nsecond: go' });
  });

  it('on a terminal: what is typed reaches the program line by line, its prompts show at once', async () => {
    const terminal = underTerminal(['run', '-i', await ask()]);
    await terminal.waitFor('Name? ');
    terminal.type('Ada\n');
    await terminal.waitFor('Age? ');
    terminal.type('36\n');
    const result = await terminal.child;
    expect(result.exitCode).toBe(0);
    // The terminal echoes what was typed and turns \n into \r\n, as for a program run here.
    expect(terminal.screen()).toBe('Name? Ada\r\nAge? 36\r\nHello, Ada! Next year you are 37.\r\n');
  });

  it("on a terminal: Ctrl-C sends SIGINT to the program, and its exit code is runner's", async () => {
    const file = await source(
      'trap.py',
      'import signal, sys, time\n' +
        'def stop(*_):\n    print("caught SIGINT", flush=True)\n    sys.exit(3)\n' +
        'signal.signal(signal.SIGINT, stop)\nprint("waiting", flush=True)\nwhile True:\n    time.sleep(0.05)\n',
    );
    const terminal = underTerminal(['run', '-i', file]);
    await terminal.waitFor('waiting');
    terminal.type('\x03');
    const result = await terminal.child;
    expect(terminal.screen()).toContain('caught SIGINT');
    expect(result.exitCode).toBe(3);
  });

  it('on a terminal: Ctrl-C twice in a row ends runner with 130 when the program goes on', async () => {
    const file = await source(
      'stubborn.py',
      'import signal, time\n' +
        'signal.signal(signal.SIGINT, lambda *_: print("still here", flush=True))\n' +
        'print("started", flush=True)\ntime.sleep(30)\nprint("slept")\n',
    );
    const terminal = underTerminal(['run', '-i', file]);
    await terminal.waitFor('started');
    terminal.type('\x03');
    // The program's answer shows that runner forwarded it (two signals pending at once are one signal).
    await terminal.waitFor('still here');
    terminal.type('\x03');
    await new Promise((resolve) => setTimeout(resolve, 300));
    terminal.type('\x03');
    const result = await terminal.child;
    expect(result.exitCode, terminal.screen()).toBe(130);
    expect(terminal.screen()).toContain('runner: interrupted (SIGINT)');
    expect(terminal.screen()).not.toContain('slept');
  });

  it("on a terminal: Ctrl-D at the start of a line ends the program's input", async () => {
    const file = await source(
      'count.py',
      'import sys\nprint("ready", flush=True)\ntext = sys.stdin.read()\nprint(f"{len(text.splitlines())} lines, {len(text)} chars")\n',
    );
    const terminal = underTerminal(['run', '-i', file]);
    await terminal.waitFor('ready');
    terminal.type('one\ntwo\n');
    await terminal.waitFor('two\r\n');
    terminal.type('\x04');
    const result = await terminal.child;
    expect(result.exitCode).toBe(0);
    expect(terminal.screen()).toContain('2 lines, 8 chars');
  });

  it("keeps the program's exit code for a runtime error, its traceback on stderr", async () => {
    const file = await source('boom.py', 'print("before")\nraise ValueError("boom")\n');
    const result = await runner(['run', '-i', file]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('before');
    expect(result.stderr).toMatch(/ValueError: boom$/);
  });

  it("reports a compile error as run does: the compiler's output on stderr, exit code 121", async () => {
    const file = await source('broken-i.cpp', '#include <cstdio>\nint main() { printf("hi") return 0; }\n');
    const result = await runner(['run', '-i', file]);
    expect(result.exitCode).toBe(121);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/error: expected .;. before .return./);
    expect(result.stderr).toMatch(/runner: compilation failed \(compiler exit code \d+\)/);
  });

  it('runs a compiled program, which reads its input as it comes', async () => {
    const file = await source(
      'echo.c',
      '#include <stdio.h>\nint main(void) { char line[64]; while (fgets(line, sizeof line, stdin)) printf("> %s", line); return 7; }\n',
    );
    const result = await runner(['run', '-i', file], { stdin: undefined, input: 'a\nb\n' });
    expect(result).toMatchObject({ exitCode: 7, stdout: '> a\n> b', stderr: '' });
  });

  it('reports a time limit with exit code 124', async () => {
    const file = await source('spin.py', 'print("spinning", flush=True)\nwhile True:\n    pass\n');
    const result = await runner(['run', '-i', file, '--timeout', '500']);
    expect(result.exitCode).toBe(124);
    expect(result.stdout).toBe('spinning');
    expect(result.stderr).toContain('runner: time limit exceeded');
  });

  it("shows the server's message when it refuses the session (unknown version), exit code 120", async () => {
    const file = await source('v-i.py', 'print(1)\n');
    const result = await runner(['run', '-i', file, '--lang-version', '9.9.9']);
    expect(result.exitCode).toBe(120);
    expect(result.stderr).toBe('runner: the server refused the session: python-9.9.9 runtime is unknown');
  });

  it('says in one line that the server cannot be reached, exit code 123', async () => {
    const port = await freePort();
    const file = await source('unreachable-i.py', 'print(1)\n');
    const result = await runner(['run', '-i', file, '--url', `http://127.0.0.1:${port}`]);
    expect(result.exitCode).toBe(123);
    expect(result.stderr).toBe(
      `runner: cannot reach code-runner at http://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}); is it running? Set --url or RUNNER_URL`,
    );
  });

  it('refuses --stdin and --json with -i as usage errors', async () => {
    const file = await source('usage-i.py', 'print(1)\n');
    const withStdin = await runner(['run', '-i', file, '--stdin', '-']);
    expect(withStdin.exitCode).toBe(2);
    expect(withStdin.stderr).toMatch(/^runner: --stdin and -i do not go together/);
    const withJson = await runner(['--json', 'run', '-i', file]);
    expect(withJson.exitCode).toBe(2);
    expect(withJson.stderr).toMatch(/^runner: --json and -i do not go together/);
  });

  it('works from the bundle that the build makes (dist/runner.js)', async () => {
    const bundle = join(dir, 'bundle', 'runner.js');
    const built = await execa('node', ['--run', 'build', '--', `--outfile=${bundle}`], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      reject: false,
    });
    expect(built.exitCode, String(built.stderr)).toBe(0);
    const result = await execa(process.execPath, [bundle, 'run', '-i', await ask()], {
      reject: false,
      env: { RUNNER_URL: server.url },
      input: 'Bob\n41\n',
    });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'Name? Age? Hello, Bob! Next year you are 42.' });
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
      '--interactive',
      '--url',
      '--json',
    ]) {
      expect(result.stdout).toContain(option);
    }
  });

  it('has every option that --help lists in the README too', async () => {
    const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const help = String((await runner(['run', '--help'])).stdout);
    const options = [...help.matchAll(/^\s+(?:-\w, )?(--[\w-]+)/gm)].map((match) => match[1]);
    expect(options).toContain('--interactive');
    for (const option of options) {
      if (option !== '--help') expect(readme, option).toContain(`${option}`);
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
    // One box and no queue: a request while the box runs is turned away at once with 503. It wants an API key.
    busy = await startCodeRunner({ env: { NUM_RUNNERS: '1', MAX_QUEUE: '0', RUNNER_API_KEYS: 'k1' } });
  });

  afterAll(async () => {
    await busy?.stop();
  });

  const withKey = () => ({ env: { RUNNER_URL: busy.url, RUNNER_API_KEY: 'k1' } });

  async function boxTaken(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const answer = await fetch(`${busy.url}/api/v2/info`, { headers: { authorization: 'Bearer k1' } });
      const info = (await answer.json()) as { pool: { busy: number } };
      if (info.pool.busy >= 1) return;
      if (Date.now() > deadline) throw new Error('the first run never took the box');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('says the server is busy, with the retry-after delay, and exits with 122', async () => {
    const sleeper = await source('sleeper.py', 'import time\ntime.sleep(2.5)\nprint("slept")\n');
    const quick = await source('quick.py', 'print("quick")\n');
    const first = runner(['run', sleeper], withKey());
    await boxTaken();
    const second = await runner(['run', quick], withKey());
    expect(second.exitCode).toBe(122);
    expect(second.stderr).toMatch(
      /^runner: the server at http:\/\/127\.0\.0\.1:\d+ is busy \(HTTP 503\): .+; retry after \d+ s$/,
    );
    // The sleeper itself may end at the time limit on a loaded machine; it only had to hold the box.
    await first;
  });

  it('with -i: a session holds the box; the next is told busy (122), one without the API key 401 (120)', async () => {
    const waiting = await source('waiting.py', 'print("got", input())\n');
    const quick = await source('quick-i.py', 'print("quick")\n');
    const first = runner(['run', '-i', waiting], { ...withKey(), stdin: 'pipe' });
    await boxTaken();
    const second = await runner(['run', '-i', quick], withKey());
    expect(second.exitCode).toBe(122);
    expect(second.stderr).toMatch(
      /^runner: the server at http:\/\/127\.0\.0\.1:\d+ is busy \(HTTP 503\): .+; retry after \d+ s$/,
    );
    const keyless = await runner(['run', '-i', quick], { env: { RUNNER_URL: busy.url } });
    expect(keyless.exitCode).toBe(120);
    expect(keyless.stderr).toMatch(/^runner: the server refused the request \(HTTP 401\): /);
    first.stdin?.end('hello\n');
    expect(await first).toMatchObject({ exitCode: 0, stdout: 'got hello' });
  });
});
