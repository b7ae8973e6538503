import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { createHarness, type Harness } from '../../test/harness.ts';

const PYTHON = 71;
const C = 50;
const MULTI_FILE = 89;
const MiB = 1024 * 1024;

/** A zip archive of `files` (name -> content), base64 as Judge0 takes `additional_files`. */
async function zipOf(files: Record<string, string | Buffer>): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) zip.addBuffer(Buffer.from(content), name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('base64');
}

describe("Judge0's additional_files and multi-file programs on the real sandbox", () => {
  let h: Harness;
  let offered: number[];
  beforeAll(async () => {
    h = await createHarness();
    offered = (await h.get('/languages')).body.map((l: { id: number }) => l.id);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('runs a Python program that imports a module of its additional files', async () => {
    const res = await h.post('/submissions?wait=true&fields=stdout,stderr,status', {
      source_code: 'from lib.greeting import greet\nprint(greet(input()))',
      language_id: PYTHON,
      stdin: 'box',
      additional_files: await zipOf({ 'lib/greeting.py': 'def greet(name):\n    return f"hello {name}"\n' }),
      expected_output: 'hello box',
    });
    expect(res.status).toBe(201);
    expect(res.body, JSON.stringify(res.body)).toEqual({
      stdout: 'hello box\n',
      stderr: null,
      status: { id: 3, description: 'Accepted' },
    });
  });

  it('offers 89 "Multi-file program", and builds it with its compile script before its run script', async () => {
    expect(offered).toContain(MULTI_FILE);
    const language = await h.get(`/languages/${MULTI_FILE}`);
    // As Judge0 answers it: the archive's scripts, not the language, say what to compile and run.
    expect(language.body).toEqual({
      id: MULTI_FILE,
      name: 'Multi-file program',
      is_archived: false,
      source_file: null,
      compile_cmd: null,
      run_cmd: null,
    });
    // Two C files with gcc where C is offered; otherwise a compile stage of bash alone.
    const files: Record<string, string> = offered.includes(C)
      ? {
          'src/main.c':
            '#include <stdio.h>\n#include "twice.h"\nint main(void) { int n; scanf("%d", &n); printf("%d\\n", twice(n)); return 0; }\n',
          'src/twice.c': '#include "twice.h"\nint twice(int n) { return 2 * n; }\n',
          'src/twice.h': 'int twice(int n);\n',
          compile: 'gcc -O2 -o program src/main.c src/twice.c\necho built\n',
          run: './program\n',
        }
      : {
          compile: "printf 'read n\\necho $((2 * n))\\n' > program.sh\necho built\n",
          run: 'bash program.sh\n',
        };
    const res = await h.post('/submissions?wait=true&fields=stdout,stderr,compile_output,status', {
      language_id: MULTI_FILE,
      additional_files: await zipOf(files),
      stdin: '21',
      expected_output: '42',
    });
    expect(res.status).toBe(201);
    expect(res.body, JSON.stringify(res.body)).toEqual({
      stdout: '42\n',
      stderr: null,
      compile_output: 'built\n',
      status: { id: 3, description: 'Accepted' },
    });
  });

  it('runs a multi-file program without a compile script, and fails its compile stage as Judge0 does', async () => {
    const plain = await h.post('/submissions?wait=true&fields=stdout,compile_output,status_id', {
      language_id: MULTI_FILE,
      additional_files: await zipOf({ run: 'python3 tool/main.py', 'tool/main.py': 'print("no compile")' }),
    });
    expect(plain.body, JSON.stringify(plain.body)).toEqual({
      stdout: 'no compile\n',
      compile_output: null,
      status_id: 3,
    });
    const broken = await h.post('/submissions?wait=true&fields=compile_output,status_id', {
      language_id: MULTI_FILE,
      additional_files: await zipOf({ compile: 'echo cannot build >&2\nexit 1', run: 'true' }),
    });
    expect(broken.body, JSON.stringify(broken.body)).toEqual({ compile_output: 'cannot build\n', status_id: 6 });
  });

  it("sees every offered toolchain: each tool on PATH where its language finds it, each toolchain's directories", async () => {
    const tools = new Map<string, string>();
    for (const runtime of h.runner.runtimes) {
      for (const tool of Object.values(runtime.tools))
        if (!tools.has(path.basename(tool))) tools.set(path.basename(tool), tool);
    }
    const dirs = [...new Set(h.runner.runtimes.flatMap((runtime) => runtime.readOnlyPaths))];
    const run = [
      ...[...tools.keys()].map((name) => `echo "${name} $(command -v ${name})"`),
      ...dirs.map((dir) => `test -d '${dir}' && echo "dir ${dir}"`),
    ].join('\n');
    const res = await h.post('/submissions?wait=true&fields=stdout,stderr,status_id', {
      language_id: MULTI_FILE,
      additional_files: await zipOf({ run }),
    });
    expect(res.body.status_id, JSON.stringify(res.body)).toBe(3);
    expect((res.body.stdout as string).trim().split('\n')).toEqual([
      ...[...tools].map(([name, tool]) => `${name} ${tool}`),
      ...dirs.map((dir) => `dir ${dir}`),
    ]);
  });

  it('refuses at submission an archive with a name that climbs out of the box', async () => {
    // yazl will not write "../x": the name is put in place in the archive's bytes.
    const zip = Buffer.from(await zipOf({ 'XX/x': 'escaped' }), 'base64');
    for (let at = zip.indexOf('XX/x'); at !== -1; at = zip.indexOf('XX/x', at + 1)) zip.write('../x', at, 'latin1');
    const res = await h.post('/submissions', {
      source_code: 'print(1)',
      language_id: PYTHON,
      additional_files: zip.toString('base64'),
    });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      additional_files: ['has an entry "../x" that climbs out of the box with "..": names must stay inside it'],
    });
  });

  it('refuses at submission an archive that inflates beyond max_extract_size', async () => {
    const { max_extract_size: maxKb } = (await h.get('/config_info')).body;
    expect(maxKb).toBe(10240);
    const res = await h.post('/submissions', {
      language_id: MULTI_FILE,
      additional_files: await zipOf({ run: 'true', zeros: Buffer.alloc(maxKb * 1024 + MiB) }),
    });
    expect(res.status).toBe(422);
    expect(res.body.additional_files).toEqual([
      `inflates to more than ${maxKb * 1024} bytes: at most max_extract_size (${maxKb} KB) can be extracted`,
    ]);
  });
});
