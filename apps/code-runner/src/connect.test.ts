// The interactive WebSocket protocol (/api/v2/connect) against the real server process, with the `ws` client
// that Piston's own CLI uses, speaking as that CLI does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RunningCodeRunner, startCodeRunner } from './testing.ts';

interface Message {
  type: string;
  [key: string]: unknown;
}

interface Session {
  socket: WebSocket;
  messages: Message[];
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves once a message passes `test` (earlier ones count). */
  waitFor(test: (message: Message) => boolean, timeoutMs?: number): Promise<Message>;
  send(message: unknown): void;
  /** stdout (or stderr) received so far. */
  text(stream?: 'stdout' | 'stderr'): string;
}

function connect(server: RunningCodeRunner, headers: Record<string, string> = {}): Promise<Session> {
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}/api/v2/connect`, { headers });
  const messages: Message[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as Message);
    for (const wake of waiters) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const wake of waiters) wake();
    }),
  );
  const session: Session = {
    socket,
    messages,
    closed,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    text: (stream = 'stdout') =>
      messages
        .filter((m) => m.type === 'data' && m.stream === stream)
        .map((m) => m.data)
        .join(''),
    waitFor: (test, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(test);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          } else if (socket.readyState === WebSocket.CLOSED) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`closed without it; messages: ${JSON.stringify(messages)}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`not within ${timeoutMs} ms; messages: ${JSON.stringify(messages)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(session));
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on('end', () =>
        reject(Object.assign(new Error(`upgrade refused: ${response.statusCode}`), { response, body })),
      );
    });
  });
}

const python = (content: string) => ({ type: 'init', language: 'python', version: '*', files: [{ content }] });

describe('interactive sessions (WebSocket /api/v2/connect, Piston protocol)', () => {
  let server: RunningCodeRunner;
  beforeAll(async () => {
    server = await startCodeRunner({ env: { NUM_RUNNERS: '2', SESSION_IDLE_TIMEOUT_MS: '5000' } });
  }, 120_000);
  afterAll(() => server?.stop());

  it('runs a program that asks questions: the prompt comes before the answer, each answer reaches it', async () => {
    const s = await connect(server);
    s.send(python('name = input("Name? ")\nage = input("Age? ")\nprint(f"Hello {name}, {age}")'));
    expect(await s.waitFor((m) => m.type === 'runtime')).toMatchObject({ language: 'python' });
    await s.waitFor((m) => m.type === 'stage' && m.stage === 'run');
    await s.waitFor(() => s.text() === 'Name? ');
    s.send({ type: 'data', stream: 'stdin', data: 'Ada\n' });
    await s.waitFor(() => s.text() === 'Name? Age? ');
    s.send({ type: 'data', stream: 'stdin', data: '36\n' });
    const exit = await s.waitFor((m) => m.type === 'exit');
    expect(exit).toMatchObject({ stage: 'run', code: 0, signal: null, status: null });
    expect(typeof exit.wall_time).toBe('number');
    expect(s.text()).toBe('Name? Age? Hello Ada, 36\n');
    expect(await s.closed).toEqual({ code: 4999, reason: 'Job Completed' });
    expect(s.messages.map((m) => m.type)).toEqual(['runtime', 'stage', 'data', 'data', 'data', 'exit']);
  });

  it('keeps stdin sent before the run starts, and ends the input on eof', async () => {
    const s = await connect(server);
    s.send(python('import sys\ndata = sys.stdin.read()\nprint(len(data), repr(data))'));
    s.send({ type: 'data', stream: 'stdin', data: 'early\n' });
    s.send({ type: 'data', stream: 'stdin', eof: true });
    await s.waitFor((m) => m.type === 'exit');
    expect(s.text()).toBe("6 'early\\n'\n");
    expect((await s.closed).code).toBe(4999);
  });

  it('compiles, then runs; a failed compile ends the job before the run stage', async () => {
    const ok = await connect(server);
    ok.send({
      type: 'init',
      language: 'c',
      version: '*',
      files: [
        { content: '#include <stdio.h>\nint main(void){char b[32];if(fgets(b,32,stdin))printf("got %s",b);return 7;}' },
      ],
    });
    ok.send({ type: 'data', stream: 'stdin', data: 'typed during the compile\n' });
    await ok.waitFor((m) => m.type === 'exit' && m.stage === 'run');
    expect(ok.messages.filter((m) => m.type !== 'data').map((m) => [m.type, m.stage])).toEqual([
      ['runtime', undefined],
      ['stage', 'compile'],
      ['exit', 'compile'],
      ['stage', 'run'],
      ['exit', 'run'],
    ]);
    expect(ok.text()).toBe('got typed during the compile\n');
    expect(ok.messages.at(-1)).toMatchObject({ code: 7, status: 'RE' });
    expect((await ok.closed).code).toBe(4999);

    const bad = await connect(server);
    bad.send({ type: 'init', language: 'c', version: '*', files: [{ content: 'int main(void) { return nope; }' }] });
    const exit = await bad.waitFor((m) => m.type === 'exit');
    expect(exit.stage).toBe('compile');
    expect(exit.code).not.toBe(0);
    expect(bad.text('stderr')).toMatch(/nope/);
    expect(await bad.closed).toEqual({ code: 4999, reason: 'Job Completed' });
    expect(bad.messages.some((m) => m.type === 'stage' && m.stage === 'run')).toBe(false);
  });

  it('delivers signals to the program', async () => {
    const s = await connect(server);
    s.send(
      python(
        'import signal, sys, time\n' +
          'signal.signal(signal.SIGINT, lambda *a: (print("caught SIGINT", flush=True), sys.exit(3)))\n' +
          'print("ready", flush=True)\ntime.sleep(30)',
      ),
    );
    await s.waitFor(() => s.text() === 'ready\n');
    s.send({ type: 'signal', signal: 'SIGINT' });
    expect(await s.waitFor((m) => m.type === 'exit')).toMatchObject({ code: 3 });
    expect(s.text()).toBe('ready\ncaught SIGINT\n');

    // SIGKILL too: the program is killed, and says so (SG), not a failure of the sandbox.
    const killed = await connect(server);
    killed.send(python('import time\nprint("ready", flush=True)\ntime.sleep(30)'));
    await killed.waitFor(() => killed.text() === 'ready\n');
    killed.send({ type: 'signal', signal: 'SIGKILL' });
    expect(await killed.waitFor((m) => m.type === 'exit')).toMatchObject({
      code: null,
      signal: 'SIGKILL',
      status: 'SG',
    });

    // A signal sent right after init, before the stage runs, is kept for it (not dropped).
    const early = await connect(server);
    early.send(python('import time\ntime.sleep(30)'));
    early.send({ type: 'signal', signal: 'SIGTERM' });
    expect(await early.waitFor((m) => m.type === 'exit')).toMatchObject({ signal: 'SIGTERM', status: 'SG' });
  });

  it('caps output as /execute does: a flood ends with OL and says why', async () => {
    const s = await connect(server);
    s.send(python('while True:\n    print("x" * 1000)'));
    const exit = await s.waitFor((m) => m.type === 'exit');
    expect(exit).toMatchObject({ stage: 'run', status: 'OL', message: 'stdout exceeded its limit of 65536 bytes' });
    expect(s.text().length).toBeLessThanOrEqual(64 * 1024);
    expect((await s.closed).code).toBe(4999);
  });

  it('closes with Piston’s codes: 4000 init twice, 4003 before init, 4004 not stdin, 4005 bad signal', async () => {
    const twice = await connect(server);
    twice.send(python('import time\ntime.sleep(5)'));
    twice.send(python('print(1)'));
    expect(await twice.closed).toEqual({ code: 4000, reason: 'Already Initialized' });

    const early = await connect(server);
    early.send({ type: 'data', stream: 'stdin', data: 'x' });
    expect(await early.closed).toEqual({ code: 4003, reason: 'Not yet initialized' });

    const earlySignal = await connect(server);
    earlySignal.send({ type: 'signal', signal: 'SIGINT' });
    expect(await earlySignal.closed).toEqual({ code: 4003, reason: 'Not yet initialized' });

    const stdout = await connect(server);
    stdout.send(python('import time\ntime.sleep(5)'));
    stdout.send({ type: 'data', stream: 'stdout', data: 'x' });
    expect(await stdout.closed).toEqual({ code: 4004, reason: 'Can only write to stdin' });

    const signal = await connect(server);
    signal.send(python('import time\ntime.sleep(5)'));
    signal.send({ type: 'signal', signal: 'SIGNOPE' });
    expect(await signal.closed).toEqual({ code: 4005, reason: 'Invalid signal' });
  });

  it('closes 4001 when no init comes within a second', async () => {
    const s = await connect(server);
    const started = Date.now();
    expect(await s.closed).toEqual({ code: 4001, reason: 'Initialization Timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('reports a bad init as /execute does (error message, then 4002)', async () => {
    const bodies = [
      { language: 'nosuchlanguage', version: '*', files: [{ content: 'x' }] },
      { language: 'python', version: '*', files: [{ contents: 'typo' }] },
      { language: 'python', version: '*', files: [{ content: 'x' }], run_memory_limit: 1 },
    ];
    for (const body of bodies) {
      const execute = await fetch(`${server.url}/api/v2/execute`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(execute.status).toBe(400);
      const { message } = (await execute.json()) as { message: string };
      const s = await connect(server);
      s.send({ type: 'init', ...body });
      expect(await s.waitFor((m) => m.type === 'error')).toEqual({ type: 'error', message });
      expect(await s.closed).toEqual({ code: 4002, reason: 'Notified Error' });
    }
    for (const [frame, why] of [
      ['not json', /not valid JSON/],
      ['[1]', /JSON object with a "type"/],
      ['{"type":"hello"}', /unknown message type "hello"/],
    ] as const) {
      const s = await connect(server);
      s.send(frame);
      expect((await s.waitFor((m) => m.type === 'error')).message).toMatch(why);
      expect((await s.closed).code).toBe(4002);
    }
    const binary = await connect(server);
    binary.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await binary.waitFor((m) => m.type === 'error')).message).toMatch(/binary/);
  });

  it('answers a plain GET with 426, and counts sessions in /metrics', async () => {
    const plain = await fetch(`${server.url}/api/v2/connect`);
    expect(plain.status).toBe(426);
    expect(plain.headers.get('upgrade')).toBe('websocket');
    expect(((await plain.json()) as { message: string }).message).toMatch(/WebSocket endpoint/);

    const s = await connect(server);
    s.send(python('input()'));
    await s.waitFor((m) => m.type === 'stage');
    const open = await (await fetch(`${server.url}/metrics`)).text();
    expect(open).toMatch(/^code_runner_sessions 1$/m);
    s.send({ type: 'data', stream: 'stdin', data: '\n' });
    await s.closed;
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await (await fetch(`${server.url}/metrics`)).text();
    expect(after).toMatch(/^code_runner_sessions 0$/m);
    expect(after).toMatch(/^code_runner_sessions_ended_total\{code="4999"\} [1-9]/m);
  });

  it('ends an idle session', async () => {
    const s = await connect(server);
    s.send(python('input()'));
    expect((await s.waitFor((m) => m.type === 'error', 15_000)).message).toMatch(/idle for 5 s/);
    expect(await s.closed).toEqual({ code: 4006, reason: 'Idle Timeout' });
  });
});

describe('the upgrade goes through the API keys and the pool', () => {
  let server: RunningCodeRunner;
  beforeAll(async () => {
    server = await startCodeRunner({
      env: { NUM_RUNNERS: '1', MAX_QUEUE: '0', QUEUE_TIMEOUT_MS: '100', RUNNER_API_KEYS: 'k1' },
    });
  }, 120_000);
  afterAll(() => server?.stop());

  it('refuses without a key (401), and with every box held answers 503 with Retry-After and the reason', async () => {
    const refused = await connect(server).catch((e: { response: { statusCode: number }; body: string }) => e);
    expect((refused as { response: { statusCode: number } }).response.statusCode).toBe(401);

    const holder = await connect(server, { authorization: 'Bearer k1' });
    holder.send(python('input()'));
    await holder.waitFor((m) => m.type === 'stage');
    const busy = (await connect(server, { authorization: 'Bearer k1' }).catch((e: unknown) => e)) as {
      response: { statusCode: number; headers: Record<string, string> };
      body: string;
    };
    expect(busy.response.statusCode).toBe(503);
    expect(busy.response.headers['retry-after']).toBe('1');
    expect(JSON.parse(busy.body).message).toMatch(/busy/);
    holder.send({ type: 'data', stream: 'stdin', eof: true });
    expect((await holder.closed).code).toBe(4999);
  });
});
