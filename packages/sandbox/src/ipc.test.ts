// IPC objects do not outlive their run: each run has its own IPC namespace and /dev, so SysV shared
// memory, semaphores and message queues, a POSIX message queue and a /dev/shm file made by one run are gone
// for the next runs in the same box, and never reach the host.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Box } from './box.ts';
import { expectNothingLeft, makeSandbox, requireLevel, type TestSandbox } from './test-support.ts';

const key = 0x53414e44; // 'SAND'
const shmName = 'sandbox-ipc-probe';
const mqName = '/sandbox-ipc-probe';

// Python with ctypes: libc's own calls, no module of Python's in between.
const prelude = [
  'import ctypes, os',
  'libc = ctypes.CDLL(None, use_errno=True)',
  'libc.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p]',
  'def res(r): return "ok" if r >= 0 else os.strerror(ctypes.get_errno())',
  'def objects(kind): return len(open(f"/proc/sysvipc/{kind}").read().splitlines()) - 1',
];
const make = [
  ...prelude,
  'IPC_CREAT = 0o1000',
  `print("shmget", res(libc.shmget(${key}, 4096, IPC_CREAT | 0o600)))`,
  `print("semget", res(libc.semget(${key}, 1, IPC_CREAT | 0o600)))`,
  `print("msgget", res(libc.msgget(${key}, IPC_CREAT | 0o600)))`,
  `print("mq_open", res(libc.mq_open(b"${mqName}", os.O_CREAT | os.O_RDWR, 0o600, None)))`,
  `open("/dev/shm/${shmName}", "w").write("left behind")`,
  `print("/dev/shm", os.path.exists("/dev/shm/${shmName}"))`,
  'print("objects", objects("shm"), objects("sem"), objects("msg"))',
].join('\n');
const look = [
  ...prelude,
  `print("shmget", res(libc.shmget(${key}, 0, 0)))`,
  `print("semget", res(libc.semget(${key}, 0, 0)))`,
  `print("msgget", res(libc.msgget(${key}, 0, 0)))`,
  `print("mq_open", res(libc.mq_open(b"${mqName}", os.O_RDONLY, 0, None)))`,
  `print("/dev/shm", os.path.exists("/dev/shm/${shmName}"), os.listdir("/dev/shm"))`,
  'print("objects", objects("shm"), objects("sem"), objects("msg"))',
].join('\n');

describe('IPC between runs', () => {
  let t: TestSandbox;
  let box: Box;

  beforeAll(async () => {
    t = await makeSandbox();
    box = await t.sandbox.createBox(0);
  });

  afterAll(async () => {
    await t?.cleanup();
  });

  it('leaves no SysV segment, semaphore or queue, POSIX queue or /dev/shm file to the next four runs', async (ctx) => {
    requireLevel(ctx, t.sandbox, 'namespaces'); // the IPC namespace and bwrap's own /dev
    const made = await t.sandbox.run({ box, argv: ['python3', '-c', make] });
    expect(made).toMatchObject({
      status: 'ok',
      stdout: 'shmget ok\nsemget ok\nmsgget ok\nmq_open ok\n/dev/shm True\nobjects 1 1 1\n',
      stderr: '',
    });
    for (let i = 0; i < 4; i++) {
      const seen = await t.sandbox.run({ box, argv: ['python3', '-c', look] });
      expect(seen, `run ${i + 2}`).toMatchObject({
        status: 'ok',
        stdout: [
          'shmget No such file or directory',
          'semget No such file or directory',
          'msgget No such file or directory',
          'mq_open No such file or directory',
          '/dev/shm False []',
          'objects 0 0 0',
          '',
        ].join('\n'),
        stderr: '',
      });
    }
    // Nor did they reach the host (keys are listed in decimal there), and the box holds nothing.
    for (const kind of ['shm', 'sem', 'msg']) {
      const host = readFileSync(`/proc/sysvipc/${kind}`, 'utf8').split('\n').slice(1);
      expect(host.filter((line) => line.trim().split(/\s+/)[0] === String(key))).toEqual([]);
    }
    expect(existsSync(`/dev/shm/${shmName}`)).toBe(false);
    expect(existsSync(`/dev/mqueue${mqName}`)).toBe(false);
    await expectNothingLeft(box);
  });
});
