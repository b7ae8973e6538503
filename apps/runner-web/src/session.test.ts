// The page's side of the interactive protocol, against a real code-runner (Node's WebSocket is the browser's API).
import { type RunningCodeRunner, startCodeRunner } from 'code-runner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectUrl, InteractiveSession, type StageExit } from './session.ts';

describe('connectUrl', () => {
  it('is /api/v2/connect beside the page, ws: or wss: as the page is http: or https:', () => {
    expect(connectUrl('http://localhost:10100/')).toBe('ws://localhost:10100/api/v2/connect');
    expect(connectUrl('https://example.org/runner/index.html#lang=go')).toBe('wss://example.org/runner/api/v2/connect');
  });
});

describe('InteractiveSession', () => {
  let server: RunningCodeRunner;
  beforeAll(async () => {
    server = await startCodeRunner({ env: { NUM_RUNNERS: '2' } });
  }, 120_000);
  afterAll(() => server?.stop());

  const url = () => connectUrl(`${server.url}/`);
  const python = (content: string) => ({ language: 'python', version: '*', files: [{ content }] });

  it('streams output and stages, takes input sent before the socket opens, and ends with each exit', async () => {
    const seen: string[] = [];
    const exits: StageExit[] = [];
    const session = new InteractiveSession(url(), python('print(input("Name? ").upper())'), {
      stage: (stage) => seen.push(`stage ${stage}`),
      output: (stream, data) => seen.push(`${stream} ${data}`),
      exit: (exit) => exits.push(exit),
    });
    session.sendInput('ada\n');
    session.endInput();
    const end = await session.ended;
    // Output comes in chunks as the program writes; where a chunk ends is the pipe's business (the prompt and
    // the answer to input that was already there may come as one chunk): the stage first, then stdout alone.
    expect(seen[0]).toBe('stage run');
    expect(seen.slice(1).every((chunk) => chunk.startsWith('stdout '))).toBe(true);
    expect(
      seen
        .slice(1)
        .map((chunk) => chunk.replace(/^stdout /, ''))
        .join(''),
    ).toBe('Name? ADA\n');
    expect(end).toMatchObject({ opened: true, error: null, code: 4999 });
    expect(end.exits).toEqual(exits);
    expect(exits).toEqual([
      expect.objectContaining({ stage: 'run', code: 0, signal: null, status: null, message: null }),
    ]);
    expect(exits[0]?.wall_time).toBeGreaterThan(0);
  });

  it('delivers a signal, and keeps the server error that ends a session', async () => {
    const killed = new InteractiveSession(url(), python('print("up", flush=True)\nimport time\ntime.sleep(30)'), {
      output: () => killed.signal('SIGTERM'),
    });
    expect((await killed.ended).exits).toEqual([
      expect.objectContaining({ stage: 'run', code: null, signal: 'SIGTERM', status: 'SG' }),
    ]);

    const refused = new InteractiveSession(url(), { language: 'python', version: '9.9.9', files: [{ content: '' }] });
    expect(await refused.ended).toMatchObject({
      opened: true,
      exits: [],
      error: 'python-9.9.9 runtime is unknown',
      code: 4002,
    });
  });

  it('stops the run when the page closes the socket, and says when it never opened', async () => {
    const session = new InteractiveSession(url(), python('import time\ntime.sleep(30)'), {
      stage: () => session.close(),
    });
    expect(await session.ended).toMatchObject({ opened: true, exits: [], code: 1000 });

    const nowhere = new InteractiveSession('ws://127.0.0.1:9/api/v2/connect', python(''));
    nowhere.sendInput('lost');
    expect(await nowhere.ended).toMatchObject({ opened: false, code: 1006 });
  });
});
