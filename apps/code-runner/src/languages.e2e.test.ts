import { languages } from '@repo/languages';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../test/harness.ts';
import { detectLanguages } from './languages.ts';
import { requireLanguage } from './testing.ts';

const detected = await detectLanguages();

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ QUEUE_TIMEOUT_MS: '120000' });
});
afterAll(async () => {
  await h?.close();
});

/** Each language by its name (its default runtime), then each other runtime by its first alias (e.g. luajit). */
const targets = languages.flatMap(({ name: language, tests: p, runtimes }) => [
  { language, request: language, p },
  ...runtimes.slice(1).map((r) => ({ language, request: r.aliases[0] ?? language, p })),
]);

for (const { language, request, p } of targets) {
  describe(request === language ? language : `${language} (${request})`, () => {
    // Skipped with the reason where the toolchain is missing, or failed where EXPECT_LANGUAGES promised it.
    // A second runtime counts as the language only where that runtime was found.
    const runtimes = detected.available.filter((r) => request === language || r.spec.aliases.includes(request));
    beforeEach((ctx) => requireLanguage(ctx, { runtimes, missing: detected.missing }, language));

    const run = (source: string, extra: { stdin?: string; args?: string[] } = {}) =>
      h.execute({ language: request, version: '*', files: [{ content: source }], ...extra });

    it('runs hello world', async () => {
      const res = await run(p.hello);
      expect(res.run).toMatchObject({ stdout: 'hello world\n', code: 0, status: null, signal: null });
      if (p.compileError) expect(res.compile).toMatchObject({ code: 0, status: null });
      else expect(res.compile).toBeUndefined();
    });

    it('echoes stdin', async () => {
      const res = await run(p.echoStdin, { stdin: 'line one\nzwei ✓\n' });
      expect(res.run.stdout).toBe('line one\nzwei ✓\n');
    });

    it('receives args', async () => {
      const res = await run(p.printArgs, { args: ['a', 'b c', '--flag'] });
      expect(res.run.stdout).toBe('a b c --flag\n');
    });

    it('reports the exit code of a runtime error (RE)', async () => {
      const res = await run(p.exit3);
      expect(res.run).toMatchObject({ code: 3, status: 'RE', signal: null });
    });

    it('reports an uncaught exception', async () => {
      const res = await run(p.uncaught.source);
      expect(res.run.code).toBe(p.uncaught.code);
      expect(res.run.status).toBe(p.uncaught.signal ? 'SG' : 'RE');
      if (p.uncaught.signal) expect(res.run.signal).toBe(p.uncaught.signal);
      expect(res.run.stderr).toMatch(p.uncaught.stderr);
    });

    it("runs the manifest's sample for the web page, which greets the name on stdin", async () => {
      const sample = languages.find((l) => l.name === language)?.sample ?? '';
      const res = await run(sample, { stdin: 'Ada\n', args: ['x'] });
      expect(res.run).toMatchObject({ code: 0, status: null });
      expect(res.run.stdout).toContain('Hello, Ada!');
    });

    const compileError = p.compileError;
    if (compileError) {
      it('returns the compiler output of a compile error and does not run', async () => {
        const res = await run(compileError);
        expect(res.compile).toMatchObject({ status: 'RE' });
        expect(res.compile?.code).not.toBe(0);
        expect(res.compile?.stderr.length).toBeGreaterThan(0);
        expect(res.run).toMatchObject({ stdout: '', code: null, message: 'not run: the compile stage failed' });
        // v1 picks a language's default runtime by its v1 name, and another runtime by its alias.
        const v1 = await h.post('/api/v1/run', {
          language:
            request === language ? h.runner.runtimes.find((r) => r.spec.name === language)?.spec.v1Name : request,
          source: compileError,
        });
        expect(v1.body.error).toBe(`compilation failed: exit status ${res.compile?.code}`);
        // v1 answers the compiler's two streams apart (v2's output interleaves them).
        expect({ stdout: v1.body.stdout, stderr: v1.body.stderr }).toEqual({
          stdout: res.compile?.stdout,
          stderr: res.compile?.stderr,
        });
      });
    }
  });
}
