import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../test/harness.ts';
import { BrokenPromiseError, brokenPromises, type OfferedByRunner, readPromises, skipOrFail } from './testing.ts';

describe('this machine gives what it promises (EXPECT_ISOLATION, EXPECT_LANGUAGES)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ NUM_RUNNERS: '1' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('reaches the promised isolation level and offers every promised language', () => {
    const promises = readPromises();
    const offered = h.runner.runtimes.map((r) => r.spec.name).join(',');
    console.info(
      `[code-runner test] promised: isolation ${promises.isolation ?? '(none)'}, languages ${promises.languages.join(',') || '(none)'}; ` +
        `offered: isolation ${h.runner.isolation.level}, languages ${offered}`,
    );
    expect(brokenPromises(h.runner)).toEqual([]);
  });
});

describe('promises', () => {
  const runner = (level: string, root = true): OfferedByRunner => ({
    runtimes: [{ spec: { name: 'python' } }],
    missing: [{ name: 'go', reason: 'go not found in /usr/bin' }],
    isolation: {
      level,
      root,
      layers: {
        namespaces: { available: true, detail: 'bubblewrap' },
        cgroups: { available: level === 'full', detail: level === 'full' ? 'cgroup v1' : 'cgroup v1 is not writable' },
      },
    },
  });

  it('reads the level and the languages, and refuses an unknown level', () => {
    expect(readPromises({})).toEqual({ languages: [] });
    expect(readPromises({ EXPECT_ISOLATION: 'full', EXPECT_LANGUAGES: 'python, go,' })).toEqual({
      isolation: 'full',
      languages: ['python', 'go'],
    });
    expect(() => readPromises({ EXPECT_ISOLATION: 'ful' })).toThrow(
      'Expected `EXPECT_ISOLATION` to be one of basic, namespaces, full, got `ful`',
    );
  });

  it('names each broken promise with the variable that made it and why the part is missing', () => {
    const promises = readPromises({ EXPECT_ISOLATION: 'full', EXPECT_LANGUAGES: 'python,go,cobol' });
    expect(brokenPromises(runner('full'), promises)).toEqual([
      'required by EXPECT_LANGUAGES=python,go,cobol but missing: go (go not found in /usr/bin)',
      'required by EXPECT_LANGUAGES=python,go,cobol but missing: cobol (code-runner has no such language (it knows python, go))',
    ]);
    expect(brokenPromises(runner('namespaces'), promises)[0]).toBe(
      'required by EXPECT_ISOLATION=full but missing: level full, got namespaces (cgroups: cgroup v1 is not writable)',
    );
    expect(brokenPromises(runner('namespaces'), readPromises({ EXPECT_ISOLATION: 'namespaces' }))).toEqual([]);
    expect(brokenPromises(runner('basic'), readPromises({}))).toEqual([]);
  });

  it('skips what was not promised and fails on what was', () => {
    const ctx = {
      skip(note?: string): never {
        throw new Error(`skipped: ${note}`);
      },
    };
    expect(() => skipOrFail(ctx, 'go (not found)', undefined)).toThrow('skipped: go (not found)');
    expect(() => skipOrFail(ctx, 'go (not found)', 'EXPECT_LANGUAGES=go')).toThrow(BrokenPromiseError);
    expect(() => skipOrFail(ctx, 'go (not found)', 'EXPECT_LANGUAGES=go')).toThrow(
      'required by EXPECT_LANGUAGES=go but missing: go (not found)',
    );
  });
});
