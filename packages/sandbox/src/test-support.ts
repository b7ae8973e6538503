// Shared set-up for the sandbox's own tests (not exported by the package).
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import type { Box } from './box.ts';
import { describeIsolation, type IsolationLayer } from './isolation.ts';
import { pidsOfUid } from './procs.ts';
import { Sandbox } from './sandbox.ts';

let nextSandbox = 0;

export interface TestSandbox {
  sandbox: Sandbox;
  workRoot: string;
  cleanup(): Promise<void>;
}

/** A sandbox on a fresh temp workRoot; prints the level so a reader of the log knows what was tested. */
export async function makeSandbox(disable: IsolationLayer[] = [], boxes = 4): Promise<TestSandbox> {
  const workRoot = mkdtempSync(path.join(os.tmpdir(), 'sandbox-test-'));
  // Own uids per sandbox: other suites on this machine (code-runner) run boxes at the default 60000+, and
  // the leftover check kills every process of a box uid.
  const baseUid = 100_000 + ((process.pid * 64 + nextSandbox++ * 8) % 800_000);
  const sandbox = await Sandbox.create({ workRoot, boxes, disable, baseUid });
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

/** Nothing of the box's runs is alive, and reset() leaves it empty. */
export async function expectNothingLeft(box: Box): Promise<void> {
  if (box.uid !== null) expect(pidsOfUid(box.uid)).toEqual([]);
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

export function hasGcc(): boolean {
  try {
    return readdirSync('/usr/bin').includes('gcc');
  } catch {
    return false;
  }
}

/** Prints why a case is skipped, so a skipped check is never silent. */
export function skipReason(condition: boolean, reason: string): boolean {
  if (condition) console.info(`[sandbox test] skipped: ${reason}`);
  return condition;
}
