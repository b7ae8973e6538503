// Overhead of the sandbox over the floor (a C driver that posix_spawns and waits: spawn-floor.c, built with
// `cc -O2` at the start) and over a plain execa call, at each level this host allows; at full and namespaces
// both a warm sandbox (`warm: true`, runs forked by a long-lived box's init) and a cold one (`warm: false`,
// one bwrap per run), each labelled with the run path it reports (`isolation.runPath`).
// `pnpm --filter @repo/sandbox bench`. Environment:
//   ROUNDS (default 100) back-to-back runs per variant and command, in turns of BATCH (default 10) runs per
//     variant (floor, execa, full warm, full cold, ..., floor, ...) so the load of a shared machine hits
//     every variant alike; 20 more per variant first, as warm-up, not counted;
//   IDLE_ROUNDS (default 20) runs per variant after an untimed pause of IDLE_PAUSE_MS (default 300) each,
//     one run per variant per turn (some costs, like a cgroup move, show only on an idle machine);
//   BENCH=serial|idle|concurrency runs only that part (default all); BALLAST_MB, BASE_UID, CONC_ROUNDS below.
// The overhead is the median (and p95) of the paired differences to the floor (same turn, same position).
// Then two boxes of a `full` sandbox, warm and then cold, run `python3 -c pass` back to back concurrently
// (CONC_ROUNDS each, default 200), as a server does: runs/s and how much of the event loop the sandbox took.
// Prints figures, ratios and the target's PASS/MISS per variant; asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { type Box, type IsolationLayer, Sandbox } from '../src/index.ts';
import { callSampler, floorSampler, fmt, interleave, over, type Sampler, stats } from './measure.ts';

const rounds = Math.max(1, Number(process.env.ROUNDS ?? 100));
const batch = Math.max(1, Number(process.env.BATCH ?? 10));
const idleRounds = Math.max(1, Number(process.env.IDLE_ROUNDS ?? 20));
const idlePauseMs = Math.max(0, Number(process.env.IDLE_PAUSE_MS ?? 300));
const warmup = 20;
const idleWarmup = 2;
const targetMs = 1;
const commands: Array<[string, ...string[]]> = [['/bin/true'], ['/usr/bin/python3', '-c', 'pass']];
const levels: Array<{ name: string; disable: IsolationLayer[]; warm: boolean[] }> = [
  { name: 'full', disable: [], warm: [true, false] },
  { name: 'namespaces', disable: ['cgroups'], warm: [true, false] },
  { name: 'basic', disable: ['cgroups', 'namespaces'], warm: [true] },
];

// BALLAST_MB: resident memory to hold, as a real server does (fork cost grows with the parent's RSS).
const ballast = Buffer.alloc(Math.max(0, Number(process.env.BALLAST_MB ?? 0)) << 20, 1);
const part = process.env.BENCH ?? 'all';
// BASE_UID: first box uid (default 60000; another range keeps clear of a server or tests on the same host).
const baseUid = Number(process.env.BASE_UID ?? 60000);
const concurrencyRounds = Math.max(1, Number(process.env.CONC_ROUNDS ?? 200));

/** The run path a sandbox reports, read defensively (older builds of the sandbox do not report one). */
function runPathOf(sandbox: Sandbox): { kind: string; detail: string } {
  const reported = (sandbox.isolation as { runPath?: { kind?: unknown; detail?: unknown } }).runPath;
  return {
    kind: typeof reported?.kind === 'string' ? reported.kind : 'unreported',
    detail: typeof reported?.detail === 'string' ? reported.detail : '',
  };
}

interface Variant {
  name: string;
  sampler: Sampler;
  /** A sandbox variant (the target applies to it), not the floor or execa. */
  sandboxed: boolean;
}

async function concurrency(workRoot: string, warm: boolean): Promise<void> {
  const sandbox = await Sandbox.create({ workRoot, boxes: 2, baseUid, warm });
  try {
    const boxes = [await sandbox.createBox(0), await sandbox.createBox(1)];
    const argv: [string, ...string[]] = ['/usr/bin/python3', '-c', 'pass'];
    const loop = async (box: Box, n: number) => {
      for (let i = 0; i < n; i++) {
        const result = await sandbox.run({ box, argv });
        if (result.status !== 'ok') throw new Error(`concurrent run: ${JSON.stringify(result)}`);
        await box.reset(); // as code-runner does between requests
      }
    };
    await Promise.all(boxes.map((box) => loop(box, 10))); // warm-up
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const elu = performance.eventLoopUtilization();
    const start = performance.now();
    await Promise.all(boxes.map((box) => loop(box, concurrencyRounds)));
    const seconds = (performance.now() - start) / 1000;
    const used = performance.eventLoopUtilization(elu);
    delay.disable();
    const runs = 2 * concurrencyRounds;
    const ms = (ns: number) => (ns / 1e6).toFixed(2);
    console.log(
      `\nconcurrency: ${sandbox.isolation.level} warm=${warm} (run path ${runPathOf(sandbox).kind}), ${sandbox.launcherPid === null ? 'spawned directly' : 'through the launcher'}, 2 boxes x ${concurrencyRounds} runs of python3 -c pass + reset, load ${os.loadavg()[0]?.toFixed(2)}, rss ${process.memoryUsage().rss >> 20} MB (ballast ${ballast.length >> 20} MB)`,
    );
    console.log(`  runs/s ${(runs / seconds).toFixed(1)}  wall ${seconds.toFixed(2)} s`);
    console.log(
      `  event loop: utilisation ${(used.utilization * 100).toFixed(1)}%  busy ${(used.active / runs).toFixed(2)} ms/run  delay mean ${ms(delay.mean)} p99 ${ms(delay.percentile(99))} max ${ms(delay.max)} ms`,
    );
  } finally {
    await sandbox.close();
  }
}

/** Measures every variant on every command in one mode; prints the table and returns the /bin/true target lines. */
async function section(
  title: string,
  variants: Variant[],
  options: { samples: number; warmup: number; batch: number; pauseMs: number },
): Promise<string[]> {
  console.log(`\n== ${title}`);
  const targets: string[] = [];
  const width = Math.max(...variants.map((v) => v.name.length));
  for (const argv of commands) {
    const samples = await interleave(
      variants.map((v) => v.sampler),
      argv,
      options,
    );
    const floor = samples[0] as number[];
    const f = stats(floor);
    console.log(`${argv.join(' ')}  (load ${os.loadavg()[0]?.toFixed(2)})`);
    for (const [i, v] of variants.entries()) {
      const own = samples[i] as number[];
      const s = stats(own);
      const line = `  ${v.name.padEnd(width)} median ${fmt(s.median)}  p95 ${fmt(s.p95)}`;
      if (i === 0) {
        console.log(line);
        continue;
      }
      const o = over(own, floor);
      console.log(
        `${line}  over floor median ${fmt(o.median)}  p95 ${fmt(o.p95)}  ${(s.median / f.median).toFixed(1).padStart(5)}x floor`,
      );
      if (v.sandboxed && argv[0] === '/bin/true')
        targets.push(
          `${title.split(':')[0]}: ${v.name.padEnd(width)} adds ${o.median.toFixed(2).padStart(6)} ms (${(s.median / f.median).toFixed(1)}x floor) ${o.median <= targetMs ? 'PASS' : 'MISS'}`,
        );
    }
  }
  return targets;
}

const workRoot = mkdtempSync(path.join(os.tmpdir(), 'sandbox-bench-'));
const sandboxes: Sandbox[] = [];
try {
  const variants: Variant[] = [];
  if (part !== 'concurrency') {
    variants.push({ name: 'floor (posix_spawn)', sampler: await floorSampler(workRoot), sandboxed: false });
    variants.push({
      name: 'direct execa',
      sampler: callSampler(async ([file, ...args]) => {
        await execa(file, args, { reject: false });
      }),
      sandboxed: false,
    });
    for (const level of levels) {
      for (const warm of level.warm) {
        const sandbox = await Sandbox.create({ workRoot, boxes: 1, disable: level.disable, baseUid, warm });
        if (sandbox.isolation.level !== level.name) {
          console.log(`${level.name}: not available here`);
          await sandbox.close();
          break;
        }
        sandboxes.push(sandbox);
        const box = await sandbox.createBox(0);
        const runPath = runPathOf(sandbox);
        const name = `${level.name}${level.warm.length > 1 ? ` warm=${warm}` : ''} [${runPath.kind}]`;
        console.log(`${name}: run path ${runPath.kind}${runPath.detail ? ` (${runPath.detail})` : ''}`);
        variants.push({
          name,
          sandboxed: true,
          sampler: callSampler(async (argv) => {
            const result = await sandbox.run({ box, argv });
            if (result.status !== 'ok') throw new Error(`${name} ${argv.join(' ')}: ${JSON.stringify(result)}`);
          }),
        });
      }
    }
  }
  const targets: string[] = [];
  if (part === 'all' || part === 'serial')
    targets.push(
      ...(await section(
        `back to back: ${rounds} runs per variant (+${warmup} warm-up) in turns of ${batch}; ms per run as the caller sees it`,
        variants,
        { samples: rounds, warmup, batch, pauseMs: 0 },
      )),
    );
  if (part === 'all' || part === 'idle')
    targets.push(
      ...(await section(
        `after ${idlePauseMs} ms idle: ${idleRounds} runs per variant (+${idleWarmup} warm-up), one per variant per turn, each after an untimed ${idlePauseMs} ms pause`,
        variants,
        { samples: idleRounds, warmup: idleWarmup, batch: 1, pauseMs: idlePauseMs },
      )),
    );
  if (targets.length > 0)
    console.log(
      `\ntarget: sandbox adds <= ${targetMs} ms median over the floor for /bin/true (paired median difference)\n${targets.map((t) => `  ${t}`).join('\n')}`,
    );
  for (const sandbox of sandboxes.splice(0)) await sandbox.close();
  if (part === 'all' || part === 'concurrency') for (const warm of [true, false]) await concurrency(workRoot, warm);
} finally {
  for (const sandbox of sandboxes) await sandbox.close();
  rmSync(workRoot, { recursive: true, force: true });
}
