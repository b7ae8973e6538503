// What the bounds of a request refuse, through the app over a fake runner (nothing runs). That values at the
// bounds really run is in request-bounds.e2e.test.ts, with the real sandbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeRunner } from '../../test/fake-runner.ts';
import { createFakeHarness, type Harness } from '../../test/harness.ts';
import { OutOfBoundsError } from '../limits.ts';
import { requireLanguage } from '../testing.ts';
import { checkExecution } from './request-bounds.ts';

let h: Harness<FakeRunner>;
beforeAll(() => {
  h = createFakeHarness({ NUM_RUNNERS: '1' });
});
afterAll(async () => {
  await h?.close();
});

const bash = (content: string, extra: Record<string, unknown> = {}) => ({
  language: 'bash',
  files: [{ content }],
  ...extra,
});

describe('v2 limits as Piston clients send them', () => {
  it('refuses a value outside the range, naming the limit, the range and the value', async () => {
    const cases: [string, unknown, string][] = [
      [
        'run_timeout',
        999_999,
        'run_timeout must be -1 (the maximum), 0 (the default) or from 1 to 3000 ms, got 999999',
      ],
      ['run_timeout', -2, 'run_timeout must be -1 (the maximum), 0 (the default) or from 1 to 3000 ms, got -2'],
      [
        'compile_cpu_time',
        1.5,
        'compile_cpu_time must be -1 (the maximum), 0 (the default) or from 1 to 10000 ms, got 1.5',
      ],
      [
        'run_cpu_time',
        2 ** 53,
        'run_cpu_time must be -1 (the maximum), 0 (the default) or from 1 to 3000 ms, got 9007199254740992',
      ],
      [
        'compile_memory_limit',
        '512',
        'compile_memory_limit must be -1 (the maximum), 0 (the default) or from 4194304 to 536870912 bytes, got "512"',
      ],
      [
        'run_memory_limit',
        2 ** 40,
        'run_memory_limit must be -1 (the maximum), 0 (the default) or from 4194304 to 268435456 bytes, got 1099511627776',
      ],
    ];
    for (const [key, value, message] of cases) {
      const res = await h.post('/api/v2/execute', bash('echo ok', { [key]: value }));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ message });
    }
    // 1e999 is Infinity once parsed.
    const infinite = await h.post(
      '/api/v2/execute',
      '{"language":"bash","files":[{"content":""}],"run_timeout":1e999}',
      {
        raw: true,
      },
    );
    expect(infinite.body).toEqual({
      message: 'run_timeout must be -1 (the maximum), 0 (the default) or from 1 to 3000 ms, got Infinity',
    });
  });
});

describe('v2: what the sandbox cannot take is a 400, not a 500', () => {
  it('answers the four requests a fuzz found with the field and the range', async () => {
    const tooMany = await h.post('/api/v2/execute', bash('', { args: Array(20_000).fill('a') }));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toEqual({
      message: `"args" must hold at most 8000 arguments, the language's own included, got 20000`,
    });
    const nul = await h.post('/api/v2/execute', bash('', { args: ['ok', 'a\0b'] }));
    expect(nul.status).toBe(400);
    expect(nul.body).toEqual({ message: 'args[1]: an argument must not contain NUL' });
    for (const bytes of [1, 4096]) {
      const small = await h.post('/api/v2/execute', bash('', { run_memory_limit: bytes }));
      expect(small.status).toBe(400);
      expect(small.body).toEqual({
        message: `run_memory_limit must be -1 (the maximum), 0 (the default) or from 4194304 to 268435456 bytes, got ${bytes}`,
      });
    }
  });

  it("counts the bytes of the language's own command and environment in the sandbox's exec limit", (ctx) => {
    requireLanguage(ctx, h.runner, 'bash');
    const runtime = h.runner.runtimes.find((r) => r.spec.name === 'bash');
    if (!runtime) throw new Error('no bash');
    const files = [{ name: 'main.sh', content: Buffer.from('') }];
    const fields = { files: '"files"', file: (i: number, part: string) => `files[${i}].${part}` };
    const plan = (args: string[]) => ({ runtime, files, args, maxima: h.runner.maxima, fields });
    // Within the 1 MiB body: eight arguments of the longest kind and their NULs are 1 MiB, the command is more.
    const args = Array(8).fill('x'.repeat(131_071));
    expect(() => checkExecution(plan(args))).toThrow(OutOfBoundsError);
    expect(() => checkExecution(plan(args))).toThrow(
      /^"args" must hold at most \d+ bytes in all for bash \(UTF-8, one more per argument; its command and environment take \d+ of the sandbox's 1048576\), got 1048576$/,
    );
    expect(() => checkExecution(plan(args.slice(1)))).not.toThrow();
  });
  it("refuses a body of 1 MiB whose args fit but not with java's long command", async (ctx) => {
    requireLanguage(ctx, h.runner, 'java');
    const bodyOf = (args: string[]) => JSON.stringify({ language: 'java', files: [{ content: 'x' }], args });
    const room = 1024 * 1024 - Buffer.byteLength(bodyOf(Array(8).fill('')));
    const args = [...Array(7).fill('x'.repeat(131_071)), 'x'.repeat(room - 7 * 131_071)];
    expect(Buffer.byteLength(bodyOf(args))).toBe(1024 * 1024);
    const res = await h.post('/api/v2/execute', bodyOf(args), { raw: true });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(
      /^"args" must hold at most \d+ bytes in all for java \(UTF-8, one more per argument; its command and environment take \d+ of the sandbox's 1048576\), got \d+$/,
    );
  });
  it('refuses file names the box cannot hold', async () => {
    const lone = await h.post('/api/v2/execute', {
      language: 'bash',
      files: [{ content: '' }, { name: 'a\ud800', content: '' }, { name: 'a\udc00', content: '' }],
    });
    expect(lone.status).toBe(400);
    expect(lone.body).toEqual({
      message:
        'files[1].name: file name "a\\ud800" must be valid Unicode (it holds a lone surrogate); ' +
        'files[2].name: file name "a\\udc00" must be valid Unicode (it holds a lone surrogate)',
    });
    const long = await h.post('/api/v2/execute', {
      language: 'bash',
      files: [{ content: '' }, { name: `dir/${'é'.repeat(128)}`, content: '' }],
    });
    expect(long.status).toBe(400);
    expect(long.body).toEqual({
      message: `files[1].name: file name "dir/${'é'.repeat(32)}..." must have no path segment longer than 255 bytes (UTF-8)`,
    });
    // 255 bytes is still a name.
    const longest = await h.post('/api/v2/execute', {
      language: 'bash',
      files: [{ content: 'ls' }, { name: `${'é'.repeat(127)}x`, content: '' }],
    });
    expect(longest.status).toBe(200);
  });
  it('refuses a main file whose name, taken from the Java class, is longer than a name can be', async (ctx) => {
    requireLanguage(ctx, h.runner, 'java');
    const source = `public class ${'A'.repeat(300)} { public static void main(String[] a) {} }`;
    const res = await h.post('/api/v2/execute', { language: 'java', files: [{ content: source }] });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      message: `files[0].name: file name "${'A'.repeat(36)}..." must have no path segment longer than 255 bytes (UTF-8)`,
    });
    const v1 = await h.post('/api/v1/run', { language: 'java', source });
    expect(v1.status).toBe(400);
    expect(v1.body.error).toMatch(/^"source": file name "A+\.\.\." must have no path segment longer than 255 bytes/);
  });
  it('refuses more than 1000 files and directories in the box', async () => {
    const nested = Array.from({ length: 500 }, (_, i) => ({ name: `d${i}/f`, content: '' }));
    const res = await h.post('/api/v2/execute', { language: 'bash', files: [{ content: '' }, ...nested] });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ message: '"files" must make at most 1000 files and directories in the box, got 1001' });
  });
  it('names five bad items and counts the others', async () => {
    const res = await h.post('/api/v2/execute', bash('', { args: Array(20).fill('\0') }));
    expect(res.body.message).toMatch(/^args\[0\]: an argument must not contain NUL; .*args\[4\]: .*; and 15 more$/);
  });
  it('documents the bounds in /openapi.json', async () => {
    const doc = await h.get('/openapi.json');
    const schema = doc.body.components.schemas.ExecuteRequest;
    expect(schema.allOf).toBeUndefined();
    expect(schema.properties.run_memory_limit.description).toContain('-1: the server');
    expect(schema.properties.run_memory_limit.description).toContain('from 4194304 (the sandbox');
    expect(schema.properties.args.maxItems).toBe(8000);
    const notObject = await h.post('/api/v2/execute', 'null', { raw: true });
    expect(notObject.body).toEqual({ message: 'the body must be a JSON object with "language" and "files"' });
  });
});

describe('a server with small file size and disk maxima', () => {
  let small: Harness<FakeRunner>;
  beforeAll(() => {
    small = createFakeHarness({ NUM_RUNNERS: '1', MAX_FILE_SIZE_BYTES: '100', MAX_DISK_BYTES: '65536' });
  });
  afterAll(async () => {
    await small?.close();
  });
  it('refuses a file above the file size maximum and files beyond the disk, in both APIs', async () => {
    const big = await small.post('/api/v2/execute', bash('x'.repeat(101)));
    expect(big.status).toBe(400);
    expect(big.body).toEqual({
      message: "files[0].content must be at most 100 bytes (the server's file size maximum), got 101",
    });
    const base64 = await small.post('/api/v2/execute', {
      language: 'bash',
      files: [{ content: Buffer.alloc(101).toString('base64'), encoding: 'base64' }],
    });
    expect(base64.body.message).toMatch(/^files\[0\]\.content must be at most 100 bytes .*, got 101$/);
    const many = await small.post('/api/v2/execute', {
      language: 'bash',
      files: Array.from({ length: 17 }, (_, i) => ({ name: `f${i}`, content: 'x' })),
    });
    expect(many.status).toBe(400);
    expect(many.body).toEqual({
      message:
        '"files" must fit in the box\'s 65536 bytes (the server\'s disk maximum; each file takes whole 4096-byte pages), got 69632',
    });
    const v1 = await small.post('/api/v1/run', { language: 'bash', source: 'x'.repeat(101) });
    expect(v1.status).toBe(400);
    expect(v1.body).toEqual({ error: `"source" must be at most 100 bytes (the server's file size maximum), got 101` });
  });
});
