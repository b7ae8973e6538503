import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunResult } from '@repo/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../test/harness.ts';
import { CompileCache } from './compile-cache.ts';
import { requireLanguage } from './testing.ts';

const ok: RunResult = {
  status: 'ok',
  exitCode: 0,
  signal: null,
  timeout: null,
  outputLimit: null,
  stdout: '',
  stderr: 'a warning',
  stdoutTruncated: false,
  stderrTruncated: false,
  wallTimeMs: 500,
  cpuTimeMs: 400,
  memoryBytes: 1000,
  message: null,
};

describe('CompileCache on real files', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'compile-cache-test-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let boxes = 0;
  const box = () => {
    const dir = path.join(root, `box-${boxes++}`);
    mkdirSync(dir);
    return dir;
  };
  const compiler = (bytes: number) => {
    let runs = 0;
    return {
      get runs() {
        return runs;
      },
      compile: (dir: string) => async () => {
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 30));
        writeFileSync(path.join(dir, 'main'), 'x'.repeat(bytes), { mode: 0o755 });
        mkdirSync(path.join(dir, '.cache'));
        writeFileSync(path.join(dir, '.cache', 'scratch'), 'scratch');
        return ok;
      },
    };
  };

  it('restores a hit read-only, with the kept output and no time, and skips ignored scratch space', async () => {
    const cache = new CompileCache({ dir: path.join(root, 'c1'), maxBytes: 10_000 });
    await cache.init();
    const c = compiler(100);
    const first = box();
    const miss = await cache.compileInBox({
      key: 'k',
      boxDir: first,
      compile: c.compile(first),
      ignore: ['.cache'],
      link: false,
    });
    expect(miss).toEqual({ result: ok, cached: false });
    const second = box();
    const hit = await cache.compileInBox({
      key: 'k',
      boxDir: second,
      compile: c.compile(second),
      ignore: ['.cache'],
      link: false,
    });
    expect(hit.cached).toBe(true);
    expect(hit.result).toMatchObject({ stderr: 'a warning', wallTimeMs: 0, cpuTimeMs: 0, memoryBytes: 0 });
    expect(c.runs).toBe(1);
    expect(readFileSync(path.join(second, 'main'), 'utf8')).toHaveLength(100);
    expect(statSync(path.join(second, 'main')).mode & 0o777).toBe(0o555);
    expect(() => statSync(path.join(second, '.cache'))).toThrow();
    expect(cache.stats()).toMatchObject({ entries: 1, bytes: 100, hits: 1, misses: 1 });
  });

  it('compiles identical concurrent requests once', async () => {
    const cache = new CompileCache({ dir: path.join(root, 'c2'), maxBytes: 10_000 });
    await cache.init();
    const c = compiler(10);
    const dirs = [box(), box(), box()];
    const outcomes = await Promise.all(
      dirs.map((dir) =>
        cache.compileInBox({ key: 'same', boxDir: dir, compile: c.compile(dir), ignore: ['.cache'], link: false }),
      ),
    );
    expect(c.runs).toBe(1);
    expect(outcomes.map((o) => o.cached).sort()).toEqual([false, true, true]);
    for (const dir of dirs) expect(readFileSync(path.join(dir, 'main'), 'utf8')).toBe('x'.repeat(10));
  });

  it('restores into nested directories and over a request file named like an artifact, linked or copied', async () => {
    const cache = new CompileCache({ dir: path.join(root, 'c5'), maxBytes: 10_000 });
    await cache.init();
    const compile = (dir: string) => async () => {
      writeFileSync(path.join(dir, 'main'), 'binary', { mode: 0o755 });
      mkdirSync(path.join(dir, 'lib', 'deep'), { recursive: true });
      writeFileSync(path.join(dir, 'lib', 'deep', 'a.class'), 'class');
      return ok;
    };
    const first = box();
    await cache.compileInBox({ key: 'n', boxDir: first, compile: compile(first), link: false });
    expect(cache.stats().entries).toBe(1);
    for (const link of [false, true]) {
      const dir = box();
      writeFileSync(path.join(dir, 'main'), 'the request file named main');
      const hit = await cache.compileInBox({ key: 'n', boxDir: dir, compile: compile(dir), link });
      expect(hit.cached).toBe(true);
      expect(readFileSync(path.join(dir, 'main'), 'utf8')).toBe('binary');
      expect(statSync(path.join(dir, 'main')).mode & 0o777).toBe(0o555);
      expect(readFileSync(path.join(dir, 'lib', 'deep', 'a.class'), 'utf8')).toBe('class');
      expect(statSync(path.join(dir, 'lib', 'deep', 'a.class')).mode & 0o777).toBe(0o444);
    }
  });

  it('evicts the least recently used entries past its size in bytes', async () => {
    const cache = new CompileCache({ dir: path.join(root, 'c3'), maxBytes: 250 });
    await cache.init();
    const c = compiler(100);
    for (const key of ['a', 'b']) {
      const dir = box();
      await cache.compileInBox({ key, boxDir: dir, compile: c.compile(dir), ignore: ['.cache'], link: false });
    }
    // Use "a" so that "b" is the least recently used, then add "c": "b" goes.
    const reuse = box();
    expect(
      (
        await cache.compileInBox({
          key: 'a',
          boxDir: reuse,
          compile: c.compile(reuse),
          ignore: ['.cache'],
          link: false,
        })
      ).cached,
    ).toBe(true);
    const third = box();
    await cache.compileInBox({ key: 'c', boxDir: third, compile: c.compile(third), ignore: ['.cache'], link: false });
    expect(cache.stats()).toMatchObject({ entries: 2, bytes: 200 });
    const again = box();
    expect(
      (
        await cache.compileInBox({
          key: 'b',
          boxDir: again,
          compile: c.compile(again),
          ignore: ['.cache'],
          link: false,
        })
      ).cached,
    ).toBe(false);
    const kept = box();
    expect(
      (await cache.compileInBox({ key: 'c', boxDir: kept, compile: c.compile(kept), ignore: ['.cache'], link: false }))
        .cached,
    ).toBe(true);
  });

  it('keeps nothing when disabled (0 bytes) and never caches a timeout', async () => {
    const off = new CompileCache({ dir: path.join(root, 'c4'), maxBytes: 0 });
    await off.init();
    const c = compiler(1);
    for (let i = 0; i < 2; i++) {
      const dir = box();
      expect(
        (await off.compileInBox({ key: 'k', boxDir: dir, compile: c.compile(dir), ignore: ['.cache'], link: false }))
          .cached,
      ).toBe(false);
    }
    const on = new CompileCache({ dir: path.join(root, 'c5'), maxBytes: 1000 });
    await on.init();
    const timedOut = async () => ({ ...ok, status: 'timeout' as const, timeout: 'wall' as const });
    await on.compileInBox({ key: 't', boxDir: box(), compile: timedOut, link: false });
    expect(on.stats().entries).toBe(0);
  });
});

describe('the compile cache through the API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ NUM_RUNNERS: '2' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('skips the compiler for the second identical C++ request', async (ctx) => {
    requireLanguage(ctx, h.runner, 'c++');
    const request = {
      language: 'c++',
      files: [{ content: `#include <iostream>\nint main() { std::cout << "cached ${Date.now()}" << std::endl; }` }],
    };
    const first = await h.execute(request);
    expect(first.compile).toMatchObject({ cached: false, status: null });
    expect(first.compile?.wall_time).toBeGreaterThan(0);
    const second = await h.execute(request);
    expect(second.compile).toMatchObject({ cached: true, wall_time: 0, cpu_time: 0, status: null });
    expect(second.run.stdout).toBe(first.run.stdout);
    expect((await h.get('/api/v2/info')).body.compile_cache).toMatchObject({ entries: 1, hits: 1, misses: 1 });
    // Another source is another program.
    const other = await h.execute({ ...request, files: [{ content: 'int main() { return 0; }' }] });
    expect(other.compile?.cached).toBe(false);
  });

  it('compiles identical simultaneous requests once', async (ctx) => {
    requireLanguage(ctx, h.runner, 'c');
    const request = { language: 'c', files: [{ content: `int main(void) { return ${Date.now() % 100}; }` }] };
    const answers = await Promise.all([h.execute(request), h.execute(request)]);
    expect(answers.map((a) => a.compile?.cached).sort()).toEqual([false, true]);
  });
});
