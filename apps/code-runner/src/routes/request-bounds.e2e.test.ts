// Values at the bounds of a request really run, in the real sandbox. What the bounds refuse is in
// request-bounds.test.ts, over a fake runner.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/harness.ts';
import { requireLanguage } from '../testing.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ NUM_RUNNERS: '1' });
});
afterAll(async () => {
  await h?.close();
});

const bash = (content: string, extra: Record<string, unknown> = {}) => ({
  language: 'bash',
  files: [{ content }],
  ...extra,
});
const limitKeys = [
  'compile_timeout',
  'run_timeout',
  'compile_cpu_time',
  'run_cpu_time',
  'compile_memory_limit',
  'run_memory_limit',
] as const;

describe('v2 limits as Piston clients send them', () => {
  it('runs with -1 (the maximum), 0 and null (the default) for every limit', async (ctx) => {
    requireLanguage(ctx, h.runner, 'bash');
    for (const value of [-1, 0, null]) {
      const all = Object.fromEntries(limitKeys.map((key) => [key, value]));
      const res = await h.post('/api/v2/execute', bash('echo ok', all));
      expect(res.status, res.text).toBe(200);
      expect(res.body.run).toMatchObject({ status: null, stdout: 'ok\n' });
    }
  });
});

describe('v2: what the sandbox cannot take is a 400, not a 500', () => {
  it("counts the language's own command in the sandbox's 8000 arguments", async (ctx) => {
    requireLanguage(ctx, h.runner, 'bash');
    const most = await h.post('/api/v2/execute', bash('echo $#', { args: Array(7998).fill('a') }));
    expect(most.status).toBe(200);
    expect(most.body.run.stdout).toBe('7998\n');
    const over = await h.post('/api/v2/execute', bash('echo $#', { args: Array(7999).fill('a') }));
    expect(over.status).toBe(400);
    expect(over.body).toEqual({
      message: `"args" must hold at most 7998 arguments for bash (its command takes 2 of the sandbox's 8000), got 7999`,
    });
  });
  it('takes an argument up to the 131071 bytes exec() takes, counted in UTF-8', async (ctx) => {
    requireLanguage(ctx, h.runner, 'bash');
    const longest = await h.post('/api/v2/execute', bash('printf %s "$1" | wc -c', { args: ['x'.repeat(131_071)] }));
    expect(longest.body.run).toMatchObject({ status: null, stdout: '131071\n' });
    const over = await h.post('/api/v2/execute', bash('', { args: ['é'.repeat(65_536)] }));
    expect(over.status).toBe(400);
    expect(over.body).toEqual({ message: 'args[0]: an argument must be at most 131071 bytes (UTF-8), got 131072' });
  });
});
