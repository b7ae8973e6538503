import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../test/harness.ts';
import { requireLanguage } from './testing.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ QUEUE_TIMEOUT_MS: '120000' });
});
afterAll(async () => {
  await h?.close();
});

interface Case {
  name: string;
  language: string;
  source: string;
  status: string;
  v1: string | RegExp;
  limits?: Record<string, number>;
}

const cases: Case[] = [
  { name: 'an endless loop', language: 'python', source: 'while True: pass', status: 'TO', v1: 'time limit exceeded' },
  {
    name: 'a sleep past the wall limit',
    language: 'bash',
    source: 'sleep 30',
    status: 'TO',
    v1: 'time limit exceeded',
    limits: { run_timeout: 500 },
  },
  {
    name: 'a memory hog',
    language: 'python',
    source: 'x = []\nwhile True: x.append(bytearray(16 * 1024 * 1024))',
    status: 'ML',
    v1: 'memory limit exceeded',
    limits: { run_memory_limit: 64 * 1024 * 1024 },
  },
  {
    name: 'a stdout flood',
    language: 'python',
    source: 'while True: print("y" * 1000)',
    status: 'OL',
    v1: 'output limit exceeded',
  },
  {
    name: 'a stderr flood',
    language: 'bash',
    source: 'while true; do echo eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee >&2; done',
    status: 'EL',
    v1: 'output limit exceeded',
  },
  { name: 'a self-kill', language: 'bash', source: 'kill -KILL $$', status: 'SG', v1: 'signal: killed' },
  { name: 'exit 3', language: 'python', source: 'import sys\nsys.exit(3)', status: 'RE', v1: 'exit status 3' },
  { name: 'a clean exit', language: 'bash', source: 'echo ok', status: 'null', v1: '' },
];

describe('statuses: v2 status and v1 error of each way a program ends', () => {
  for (const c of cases) {
    it(`${c.name} -> ${c.status} / "${c.v1}"`, async (ctx) => {
      requireLanguage(ctx, h.runner, c.language);
      const res = await h.execute({ language: c.language, files: [{ content: c.source }], ...c.limits });
      expect(String(res.run.status)).toBe(c.status);
      if (c.status === 'OL') expect(Buffer.byteLength(res.run.stdout)).toBeLessThanOrEqual(64 * 1024);
      if (c.status === 'EL') expect(Buffer.byteLength(res.run.stderr)).toBeLessThanOrEqual(64 * 1024);
      if (c.status === 'SG') expect(res.run.signal).toBe('SIGKILL');
      if (c.limits) return; // v1 has no per-request limits: its case is the default one below
      const v1Name = h.runner.runtimes.find((r) => r.spec.name === c.language)?.spec.v1Name;
      const v1 = await h.post('/api/v1/run', { language: v1Name, source: c.source });
      expect(v1.status).toBe(200);
      expect(v1.body.error).toEqual(c.v1);
    });
  }

  it('v1 reports memory and wall time limits at the server maxima', async (ctx) => {
    requireLanguage(ctx, h.runner, 'python');
    requireLanguage(ctx, h.runner, 'bash');
    const memory = await h.post('/api/v1/run', {
      language: 'python3',
      source: 'x = []\nwhile True: x.append(bytearray(64 * 1024 * 1024))',
    });
    expect(memory.body.error).toBe('memory limit exceeded');
    const sleep = await h.post('/api/v1/run', { language: 'bash', source: 'sleep 30' });
    expect(sleep.body.error).toBe('time limit exceeded');
  });

  it('cuts the output at a character boundary', async (ctx) => {
    requireLanguage(ctx, h.runner, 'python');
    const res = await h.execute({ language: 'python', files: [{ content: 'while True: print("é✓" * 500)' }] });
    expect(res.run.status).toBe('OL');
    expect(res.run.stdout).not.toContain('\uFFFD');
  });
});
