import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { languages } from '@repo/languages';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { apps, readRepoFile, repoRoot } from './repo.ts';

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown> };
type Workflow = {
  on: unknown;
  jobs: Record<
    string,
    { steps: Step[]; env?: Record<string, string>; strategy?: { matrix?: Record<string, unknown> } }
  >;
};

/** The defaults `.ci/run` exports for a variable (`export NAME="${NAME:-value}"`). */
function ciRunDefault(name: string): string | undefined {
  return new RegExp(`export ${name}="\\$\\{${name}:-([^}]*)\\}"`).exec(readRepoFile('.ci/run'))?.[1];
}

describe('.github/workflows/ci.yml', () => {
  const workflow: Workflow = parse(readRepoFile('.github/workflows/ci.yml'));
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
  const runs = steps.map((s) => s.run ?? '').join('\n');

  it('runs on pushes and pull requests', () => {
    expect(workflow.on).toMatchObject({ push: expect.anything(), pull_request: null });
  });

  it('runs the tests and typecheck through turbo with a cache, and lint', () => {
    expect(runs).toMatch(/turbo run test\b/);
    expect(runs).toMatch(/turbo run typecheck\b/);
    expect(runs).toMatch(/pnpm lint\b/);
    expect(runs).toMatch(/pnpm install --frozen-lockfile/);
    const cached = steps.filter((s) => s.uses?.startsWith('actions/cache@')).map((s) => String(s.with?.path));
    expect(cached).toContain('.turbo/cache');
  });

  it('reads the Node version from .nvmrc and the pnpm version from packageManager', () => {
    const setupNode = steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(setupNode?.with?.['node-version-file']).toBe('.nvmrc');
    expect(existsSync(join(repoRoot, '.nvmrc'))).toBe(true);
    expect(runs).toContain("require('./package.json').packageManager");
  });

  it('builds the image of every app from its Dockerfile with the repository root as context', () => {
    const build = steps.find((s) => s.uses?.startsWith('docker/build-push-action@'));
    expect(build?.with).toMatchObject({
      context: '.',
      push: false,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JS template
      file: 'deploy/docker/${{ matrix.app }}.Dockerfile',
    });
    const matrix = Object.values(workflow.jobs).find((job) => job.strategy?.matrix?.app)?.strategy?.matrix?.app;
    expect(matrix).toEqual(apps.map((a) => a.name));
    for (const { name } of apps) expect(existsSync(join(repoRoot, `deploy/docker/${name}.Dockerfile`))).toBe(true);
  });

  it('states what the test job provides, as .ci/run does: the full level and every language of the manifest', () => {
    const job = Object.values(workflow.jobs).find((j) =>
      j.steps.some((step) => /turbo run test\b/.test(step.run ?? '')),
    );
    expect(job?.env?.EXPECT_ISOLATION).toBe('full');
    const promised = job?.env?.EXPECT_LANGUAGES?.split(',');
    expect(promised?.toSorted()).toEqual(languages.map((l) => l.name).toSorted());
    expect(ciRunDefault('EXPECT_ISOLATION')).toBe(job?.env?.EXPECT_ISOLATION);
    expect(ciRunDefault('EXPECT_LANGUAGES')).toBe(job?.env?.EXPECT_LANGUAGES);
    // The full level needs root (per-box uids, cgroups): the tests run under sudo with the job's env.
    const test = job?.steps.find((step) => /turbo run test\b/.test(step.run ?? ''));
    expect(test?.run).toMatch(/^sudo --preserve-env /);
  });

  it("keys cached test results on the promises, and keeps each package's coverage", () => {
    const turbo: { tasks: Record<string, { env?: string[]; outputs?: string[] }> } = JSON.parse(
      readRepoFile('turbo.json'),
    );
    const testTasks = Object.entries(turbo.tasks).filter(([name]) => name === 'test' || name.endsWith('#test'));
    expect(testTasks.length).toBeGreaterThan(0);
    for (const [, task] of testTasks) {
      // A result cached without a promise must never be replayed for a run that makes one.
      expect(task.env).toEqual(expect.arrayContaining(['EXPECT_ISOLATION', 'EXPECT_LANGUAGES']));
      expect(task.outputs).toContain('coverage/**');
    }
  });
});
