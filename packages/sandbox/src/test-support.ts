// Shared set-up for the sandbox's own tests (not exported by the package).
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, expect } from 'vitest';
import type { Box, SandboxBox } from './box.ts';
import { describeIsolation, type IsolationLayer, type IsolationLevel, levelAtLeast } from './isolation.ts';
import { pidsOfUid } from './procs.ts';
import {
  BrokenPromiseError,
  promiseOfLevel,
  readPromises,
  type SkippableContext,
  skipOrFail as skipOrFailAs,
} from './promises.ts';
import { Sandbox } from './sandbox.ts';

/** Each level with the layers to disable to run at it (on a host that allows `full`). */
export const levels: ReadonlyArray<{ level: IsolationLevel; disable: IsolationLayer[] }> = [
  { level: 'full', disable: [] },
  { level: 'namespaces', disable: ['cgroups'] },
  { level: 'basic', disable: ['cgroups', 'namespaces'] },
];

let nextSandbox = 0;

export interface TestSandbox {
  sandbox: Sandbox;
  workRoot: string;
  cleanup(): Promise<void>;
}

/** A sandbox on a fresh temp workRoot; prints the level so a reader of the log knows what was tested. */
export async function makeSandbox(
  disable: IsolationLayer[] = [],
  boxes = 4,
  options: { init?: string; etc?: string[]; warm?: boolean; runsPerBox?: number } = {},
): Promise<TestSandbox> {
  const workRoot = mkdtempSync(path.join(os.tmpdir(), 'sandbox-test-'));
  // Own uids per sandbox: other suites on this machine (code-runner) run boxes at the default 60000+, and
  // the leftover check kills every process of a box uid.
  const baseUid = 100_000 + ((process.pid * 64 + nextSandbox++ * 8) % 800_000);
  const sandbox = await Sandbox.create({ workRoot, boxes, disable, baseUid, ...options });
  console.info(`[sandbox test] disable=[${disable.join(',')}] ${describeIsolation(sandbox.isolation)}`);
  return {
    sandbox,
    workRoot,
    async cleanup() {
      await sandbox.close();
      rmSync(workRoot, { recursive: true, force: true });
    },
  };
}

/**
 * Every run of `sandbox` took the path it reports: on the warm path none fell back to a cold one (a warm box
 * that cannot start would otherwise pass every test on the cold path unnoticed), and the reverse.
 */
export function expectRunsOnItsPath(sandbox: Sandbox): void {
  const { warm, cold } = sandbox.runsByPath;
  if (sandbox.isolation.runPath.kind === 'warm') expect({ warm: warm > 0, cold }).toEqual({ warm: true, cold: 0 });
  else expect(warm).toBe(0);
}

/** Processes of the box uid but the box's own (a warm box's bwrap and init): what runs left behind. */
export async function runPidsOf(box: Box): Promise<number[]> {
  if (box.uid === null) return [];
  const resident = new Set(await (box as SandboxBox).residentPids());
  return pidsOfUid(box.uid).filter((pid) => !resident.has(pid));
}

/** Nothing of the box's runs is alive, and reset() leaves it empty. */
export async function expectNothingLeft(box: Box): Promise<void> {
  expect(await runPidsOf(box)).toEqual([]);
  await box.reset();
  expect(readdirSync(box.dir)).toEqual([]);
}

/** Compiles a small C program (the untrusted command of a test) into `dir`. */
export async function compileC(dir: string, name: string, source: string): Promise<string> {
  const file = path.join(dir, `${name}.c`);
  const binary = path.join(dir, name);
  writeFileSync(file, source);
  await execa('gcc', ['-O1', '-o', binary, file]);
  return binary;
}

/**
 * A C program a test file's sandboxes share: compiled once, on first use, outside the boxes, in a directory of
 * its own that the box uids can read (`dir`: bind it read-only, and into the warm boxes with setWarmPaths, so the
 * runs that use it stay warm); removed after the file's tests. `build(ctx)` skips or fails without gcc.
 */
export function sharedCProgram(name: string, source: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `sandbox-${name}-`));
  chmodSync(dir, 0o755);
  let built: Promise<string> | null = null;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    build(ctx: SkippableContext): Promise<string> {
      requireGcc(ctx);
      built ??= compileC(dir, name, source);
      return built;
    },
  };
}

/**
 * True when gcc is here to compile a test's programs. Where the environment promised C (EXPECT_LANGUAGES
 * lists c or c++), its absence throws BrokenPromiseError instead, so the test that asked fails.
 */
export function hasGcc(): boolean {
  let found = false;
  try {
    found = readdirSync('/usr/bin').includes('gcc');
  } catch {
    // no /usr/bin: no gcc
  }
  const promise = promiseOfC();
  if (!found && promise !== undefined) throw new BrokenPromiseError(promise, 'gcc (not in /usr/bin)');
  return found;
}

/** Prints why a case is skipped, so a skipped check is never silent. */
export function skipReason(condition: boolean, reason: string): boolean {
  if (condition) console.info(`[sandbox test] skipped: ${reason}`);
  return condition;
}

export { promiseOfLevel, readPromises, type SkippableContext };

function promiseOfC(promises = readPromises()): string | undefined {
  const c = promises.languages.some((name) => name === 'c' || name === 'c++');
  return c ? `EXPECT_LANGUAGES=${promises.languages.join(',')}` : undefined;
}

/** skipOrFail of ./promises.ts, saying `[sandbox test]`. */
export function skipOrFail(ctx: SkippableContext, missing: string, promise: string | undefined): never {
  return skipOrFailAs(ctx, missing, promise, '[sandbox test]');
}

/** Goes on when `sandbox` reaches `level`; otherwise skips, or fails where EXPECT_ISOLATION promised it. */
export function requireLevel(ctx: SkippableContext, sandbox: Sandbox, level: IsolationLevel): void {
  if (levelAtLeast(sandbox.isolation.level, level)) return;
  skipOrFail(ctx, `level ${level} (${describeIsolation(sandbox.isolation)})`, promiseOfLevel(level));
}

/** Goes on when gcc is here; otherwise skips, or fails where EXPECT_LANGUAGES promised C. */
export function requireGcc(ctx: SkippableContext): void {
  if (!hasGcc()) skipOrFail(ctx, 'gcc (not in /usr/bin)', undefined);
}
