import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../test/harness.ts';
import { requireBoxUids, requireLanguage } from './testing.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ NUM_RUNNERS: '2', QUEUE_TIMEOUT_MS: '120000' });
});
afterAll(async () => {
  await h?.close();
});

/** Host processes whose real uid is one of this server's box uids. */
function boxProcesses(): number[] {
  const range = h.runner.boxUids;
  if (!range) return [];
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      // A zombie is dead already: it only waits for its (host) parent to reap it.
      const zombie = /^State:\s+Z/m.test(status);
      if (uid >= range.first && uid <= range.last && !zombie) pids.push(Number(name));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

interface Hostile {
  name: string;
  language: string;
  source: string;
  /** What an acceptable outcome looks like. */
  check: (res: Awaited<ReturnType<Harness['execute']>>) => void;
}

const hostile: Hostile[] = [
  {
    name: 'a bash fork bomb',
    language: 'bash',
    source: ':(){ :|:& };:',
    // The shell itself returns at once; its offspring die with the run (checked below: no process survives).
    check: (res) => expect(res.run.wall_time).toBeLessThan(10_000),
  },
  {
    name: 'a C fork loop',
    language: 'c',
    source: '#include <unistd.h>\nint main(void) { for (;;) fork(); }',
    check: (res) => expect(['TO', 'SG', 'RE']).toContain(res.run.status),
  },
  {
    name: 'a C++ memory bomb',
    language: 'c++',
    source:
      '#include <cstdlib>\n#include <cstring>\nint main() { for (;;) { char *p = (char *)malloc(1 << 24); if (p) memset(p, 1, 1 << 24); } }',
    check: (res) => expect(['ML', 'SG']).toContain(res.run.status),
  },
  {
    name: 'a Go output flood',
    language: 'go',
    source: 'package main\nimport "fmt"\nfunc main() { for { fmt.Println("flood flood flood flood") } }',
    check: (res) => {
      expect(res.run.status).toBe('OL');
      expect(Buffer.byteLength(res.run.stdout)).toBeLessThanOrEqual(64 * 1024);
    },
  },
  {
    name: 'a Python connection to a public address',
    language: 'python',
    source:
      'import socket\ns = socket.socket()\ns.settimeout(2)\ntry:\n    s.connect(("1.1.1.1", 80))\n    print("connected")\nexcept OSError as e:\n    print("refused", e.errno)',
    check: (res) => {
      expect(res.run.stdout).not.toContain('connected');
      expect(res.run.stdout).toMatch(/^refused \d+/);
      expect(res.run.wall_time).toBeLessThan(1500);
    },
  },
  {
    name: 'a Node connection to the host loopback',
    language: 'javascript',
    source:
      'const s = require("net").connect(10100, "127.0.0.1"); s.on("connect", () => console.log("connected")); s.on("error", (e) => console.log("refused", e.code));',
    check: (res) => expect(res.run.stdout).toMatch(/^refused/),
  },
  {
    name: 'a C include of /etc/shadow at compile time',
    language: 'c',
    source: '#include "/etc/shadow"\nint main(void) { return 0; }',
    check: (res) => {
      expect(res.compile?.status).toBe('RE');
      expect(res.compile?.stderr).toMatch(/shadow/);
      const shadow = readFileSync('/etc/shadow', 'utf8').split('\n')[0] ?? 'root:';
      expect(res.compile?.output).not.toContain(shadow.split(':')[1] || '\u0000never');
      expect(res.run.message).toBe('not run: the compile stage failed');
    },
  },
  {
    name: 'a Rust program reading /etc/shadow at run time',
    language: 'rust',
    source:
      'fn main() { match std::fs::read_to_string("/etc/shadow") { Ok(s) => print!("{}", s), Err(e) => println!("denied: {}", e) } }',
    check: (res) => expect(res.run.stdout).toMatch(/^denied/),
  },
  {
    name: 'a Java thread bomb',
    language: 'java',
    source:
      'public class Main { public static void main(String[] a) { while (true) new Thread(() -> { try { Thread.sleep(100000); } catch (Exception e) {} }).start(); } }',
    check: (res) => expect(res.run.status).not.toBeNull(),
  },
  {
    name: 'a daemon left behind',
    language: 'bash',
    source: '(sleep 60 &)\nnohup sleep 60 >/dev/null 2>&1 &\necho started',
    check: (res) => expect(res.run.stdout).toBe('started\n'),
  },
  {
    name: 'a traceback that would show where the box is on the host',
    language: 'python',
    source: 'import os\nprint(os.getcwd(), os.environ["HOME"], __file__)\nraise ValueError("where am I")',
    check: (res) => {
      // The box is /box on every server: nothing of the host's layout (WORK_DIR, slot, instance) shows.
      expect(res.run.stdout).toMatch(/^\/box \/box \/box\/[^/\s]+\.py\n$/);
      expect(res.run.stderr).toMatch(/File "\/box\/[^/"]+\.py", line 3/);
      expect(`${res.run.stdout}${res.run.stderr}`).not.toMatch(/sandbox-\d+|code-runner|slot-/);
    },
  },
];

describe('hostile programs are contained and the server stays healthy', () => {
  for (const program of hostile) {
    it(program.name, async (ctx) => {
      requireLanguage(ctx, h.runner, program.language);
      requireLanguage(ctx, h.runner, 'python'); // the next request
      const res = await h.execute({ language: program.language, files: [{ content: program.source }] });
      program.check(res);
      // Healthy afterwards, and the next request in the pool works.
      expect((await h.get('/healthz')).status).toBe(200);
      const next = await h.execute({ language: 'python', files: [{ content: 'print("next")' }] });
      expect(next.run.stdout).toBe('next\n');
    });
  }

  it('leaves no process of a box uid running once the boxes are back', async (ctx) => {
    requireBoxUids(ctx, h.runner);
    // Boxes are emptied after the answer is sent; wait for the pool to be idle.
    await expect.poll(() => h.runner.pool.busy, { timeout: 30_000, interval: 50 }).toBe(0);
    // The warm boxes' own bwrap and init run as box uids too, between runs: they are not left over.
    const resident = new Set(await h.runner.residentPids());
    expect(boxProcesses().filter((pid) => !resident.has(pid))).toEqual([]);
  });
});
