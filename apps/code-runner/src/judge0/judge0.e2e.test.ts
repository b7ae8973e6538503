import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/harness.ts';
import { startServer } from '../../test/server.ts';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const C = 50;
const PYTHON = 71;

/** Every status a real program can reach, with the program (C unless Python), through the real sandbox. */
const cases: { name: string; language: number; source: string; extra?: Record<string, unknown>; status: number }[] = [
  { name: 'Accepted', language: PYTHON, source: 'print("hello ")', extra: { expected_output: 'hello' }, status: 3 },
  { name: 'Wrong Answer', language: PYTHON, source: 'print("hello")', extra: { expected_output: 'bye' }, status: 4 },
  {
    name: 'Time Limit Exceeded',
    language: PYTHON,
    source: 'while True: pass',
    extra: { cpu_time_limit: 0.3, cpu_extra_time: 0.2 },
    status: 5,
  },
  { name: 'Compilation Error', language: C, source: 'int main( { return 0; }', status: 6 },
  {
    name: 'Runtime Error (SIGSEGV)',
    language: C,
    source: 'int main(void) { volatile int *p = 0; *p = 1; return 0; }',
    status: 7,
  },
  {
    name: 'Runtime Error (SIGXFSZ)',
    language: C,
    source:
      '#include <stdio.h>\nint main(void) { FILE *f = fopen("big", "w"); for (int i = 0; i < 100000; i++) fputs("0123456789", f); fclose(f); return 0; }',
    extra: { max_file_size: 1 },
    status: 8,
  },
  {
    name: 'Runtime Error (SIGFPE)',
    language: C,
    source:
      '#include <stdio.h>\nint main(void) { volatile int one = 1, zero = 0; int r = one / zero; printf("%d", r); return 0; }',
    status: 9,
  },
  {
    name: 'Runtime Error (SIGABRT)',
    language: C,
    source: '#include <stdlib.h>\nint main(void) { abort(); }',
    status: 10,
  },
  { name: 'Runtime Error (NZEC)', language: PYTHON, source: 'import sys\nsys.exit(3)', status: 11 },
  {
    name: 'Runtime Error (Other)',
    language: C,
    source: '#include <signal.h>\nint main(void) { raise(SIGUSR1); return 0; }',
    status: 12,
  },
];

describe("Judge0's API on the real sandbox", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  for (const testCase of cases) {
    it(`reaches ${testCase.status} ${testCase.name} from a real program`, async () => {
      const res = await h.post('/submissions?wait=true&fields=*', {
        source_code: testCase.source,
        language_id: testCase.language,
        ...testCase.extra,
      });
      expect(res.status).toBe(201);
      expect(res.body.status, JSON.stringify(res.body)).toEqual({ id: testCase.status, description: testCase.name });
      expect(res.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(res.body.finished_at).toMatch(/^\d{4}-\d\d-\d\dT/);
      if (testCase.status === 6) {
        expect(res.body.compile_output).toMatch(/error/);
        expect(res.body.time).toBeNull();
      } else {
        expect(res.body.time).toMatch(/^\d+\.\d+$/);
        expect(res.body.wall_time).toMatch(/^\d+\.\d+$/);
      }
      if ([7, 8, 9, 10, 12].includes(testCase.status)) {
        expect(res.body.exit_signal).toBe({ 7: 11, 8: 25, 9: 8, 10: 6, 12: 10 }[testCase.status]);
      }
      if (testCase.status === 11) expect(res.body.exit_code).toBe(3);
    });
  }

  it('round-trips base64 and passes stdin, arguments and compiler options', async () => {
    const source = [
      '#include <stdio.h>',
      'int main(int argc, char **argv) {',
      '  char line[64]; fgets(line, sizeof line, stdin);',
      '  printf("%s|%s|%s|%d|%s", line, argv[1], argv[2], VALUE, "é");',
      '  fprintf(stderr, "warn");',
      '  return 0;',
      '}',
    ].join('\n');
    const res = await h.post('/submissions?base64_encoded=true&wait=true&fields=stdout,stderr,status,memory', {
      source_code: b64(source),
      language_id: C,
      stdin: b64('ünïcode\n'),
      command_line_arguments: '"two words" x;rm',
      compiler_options: '-DVALUE=42',
    });
    expect(res.body.status.id, JSON.stringify(res.body)).toBe(3);
    expect(Buffer.from(res.body.stdout, 'base64').toString('utf8')).toBe('ünïcode\n|two words|xrm|42|é');
    expect(Buffer.from(res.body.stderr, 'base64').toString('utf8')).toBe('warn');
    expect(res.body.memory).toBeGreaterThan(0);
  });

  it('redirects stderr into stdout and runs number_of_runs times', async () => {
    const res = await h.post('/submissions?wait=true&fields=stdout,stderr,status_id', {
      source_code: 'import sys\nprint("out", flush=True)\nprint("err", file=sys.stderr, flush=True)\nprint("out2")',
      language_id: PYTHON,
      redirect_stderr_to_stdout: true,
      number_of_runs: 3,
    });
    expect(res.body).toEqual({ stdout: 'out\nerr\nout2\n', stderr: null, status_id: 3 });
  });

  it('runs a batch and answers it by tokens', async () => {
    const created = await h.post('/submissions/batch', {
      submissions: [1, 2, 3].map((n) => ({ source_code: `print(${n} * 7)`, language_id: PYTHON })),
    });
    expect(created.status).toBe(201);
    const tokens = created.body.map((t: { token: string }) => t.token).join(',');
    let got = await h.get(`/submissions/batch?tokens=${tokens}&fields=stdout,status_id`);
    for (let i = 0; i < 200 && got.body.submissions.some((s: { status_id: number }) => s.status_id < 3); i++) {
      await new Promise((r) => setTimeout(r, 50));
      got = await h.get(`/submissions/batch?tokens=${tokens}&fields=stdout,status_id`);
    }
    expect(got.body.submissions).toEqual([
      { stdout: '7\n', status_id: 3 },
      { stdout: '14\n', status_id: 3 },
      { stdout: '21\n', status_id: 3 },
    ]);
  });
});

describe("Judge0's API across a restart of a real server", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'judge0-data-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const main = fileURLToPath(new URL('../main.ts', import.meta.url));

  it('keeps finished results and resumes queued submissions', async () => {
    const env = { NUM_RUNNERS: '1', JUDGE0_DATA_DIR: dataDir };
    const first = await startServer(main, env);
    let done: string;
    let queued: string[];
    try {
      const res = await fetch(`${first.baseUrl}/submissions?wait=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ source_code: 'print("before")', language_id: PYTHON }),
      });
      const body = (await res.json()) as { token: string; stdout: string };
      expect(body.stdout).toBe('before\n');
      done = body.token;
      const batch = await fetch(`${first.baseUrl}/submissions/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          submissions: [1, 2, 3].map((n) => ({
            source_code: `import time\ntime.sleep(0.5)\nprint(${n})`,
            language_id: PYTHON,
          })),
        }),
      });
      queued = ((await batch.json()) as { token: string }[]).map((t) => t.token);
      const before = await fetch(`${first.baseUrl}/submissions/batch?tokens=${queued.join(',')}&fields=status_id`);
      const statuses = ((await before.json()) as { submissions: { status_id: number }[] }).submissions;
      // Stopped while they wait or run: the next process must run them.
      expect(statuses.map((s) => s.status_id).every((id) => id <= 2)).toBe(true);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const second = await startServer(main, env);
    try {
      const kept = (await (await fetch(`${second.baseUrl}/submissions/${done}`)).json()) as { stdout: string };
      expect(kept.stdout).toBe('before\n');
      const url = `${second.baseUrl}/submissions/batch?tokens=${queued.join(',')}&fields=stdout,status_id`;
      let got: { submissions: { stdout: string; status_id: number }[] } = { submissions: [] };
      for (let i = 0; i < 200; i++) {
        got = (await (await fetch(url)).json()) as typeof got;
        if (got.submissions.every((s) => s.status_id >= 3)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(got.submissions).toEqual([
        { stdout: '1\n', status_id: 3 },
        { stdout: '2\n', status_id: 3 },
        { stdout: '3\n', status_id: 3 },
      ]);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});
