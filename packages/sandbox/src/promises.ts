// What a test machine promises, for the tests of the sandbox and of its users (code-runner). CI states what it
// provides: EXPECT_ISOLATION (the least level) and EXPECT_LANGUAGES (code-runner's language names). A test that
// needs a missing layer or toolchain then fails instead of skipping; without them (a developer's machine
// without root or without every compiler) it skips, saying why.
import { type IsolationLevel, isolationLevels, levelAtLeast } from './isolation.ts';

export interface Promises {
  /** EXPECT_ISOLATION: the least isolation level the sandbox must reach. */
  isolation?: IsolationLevel;
  /** EXPECT_LANGUAGES: code-runner's language names (as /api/v2/runtimes lists them) that must be offered. */
  languages: string[];
}

/** Reads EXPECT_ISOLATION and EXPECT_LANGUAGES; a bad level throws, so a typo never promises nothing. */
export function readPromises(env: NodeJS.ProcessEnv = process.env): Promises {
  const isolation = env.EXPECT_ISOLATION?.trim() || undefined;
  if (isolation !== undefined && !(isolationLevels as readonly string[]).includes(isolation)) {
    throw new Error(`Expected \`EXPECT_ISOLATION\` to be one of ${isolationLevels.join(', ')}, got \`${isolation}\``);
  }
  const languages = (env.EXPECT_LANGUAGES ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return { ...(isolation ? { isolation: isolation as IsolationLevel } : {}), languages };
}

/** A layer or toolchain the environment promised is not there. */
export class BrokenPromiseError extends Error {
  override name = 'BrokenPromiseError';
  constructor(promise: string, missing: string) {
    super(`required by ${promise} but missing: ${missing}`);
  }
}

/** `EXPECT_ISOLATION=…` when it promises at least `level`. */
export function promiseOfLevel(level: IsolationLevel, promises = readPromises()): string | undefined {
  const promised = promises.isolation;
  return promised !== undefined && levelAtLeast(promised, level) ? `EXPECT_ISOLATION=${promised}` : undefined;
}

/** A test's context, for its skip(). */
export interface SkippableContext {
  skip(note?: string): never;
}

/**
 * The one place a test decides what a missing layer or toolchain means: when `promise` (e.g.
 * `EXPECT_ISOLATION=full`) names what promised it, the test fails with BrokenPromiseError; otherwise it is
 * skipped with the reason printed (after `who`, e.g. `[sandbox test]`).
 */
export function skipOrFail(ctx: SkippableContext, missing: string, promise: string | undefined, who = '[test]'): never {
  if (promise !== undefined) throw new BrokenPromiseError(promise, missing);
  console.info(`${who} skipped: ${missing}`);
  return ctx.skip(missing);
}
