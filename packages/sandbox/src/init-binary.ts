import { createHash } from 'node:crypto';
import { accessSync, chmodSync, constants, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { findExecutable } from './namespaces.ts';

/** Where box-init comes from: a prebuilt binary (images), or compiled once from the package's source. */
export interface InitBinary {
  path: string;
  /** For the process layer's detail. */
  origin: string;
}

/** The package's C programs: box-init (waits for one program) and warm-box (a box that outlives its runs). */
export type HelperName = 'box-init' | 'warm-box';

/**
 * Finds or builds box-init (src/box-init.c): `prebuilt` names one built beforehand (the image builds it);
 * otherwise the source is compiled with the system's `cc` into `<workRoot>/.box-init-<hash>`, reused by later
 * starts. Returns the reason as a string when there is none: runs then fall back to a shell as the waiter
 * (no peak memory without cgroups, no signal forwarding).
 */
export function findInitBinary(workRoot: string, prebuilt?: string): Promise<InitBinary | string> {
  return findHelperBinary('box-init', workRoot, prebuilt);
}

/** Finds or builds one of the package's C programs, as findInitBinary() does box-init. */
export async function findHelperBinary(
  name: HelperName,
  workRoot: string,
  prebuilt?: string,
): Promise<InitBinary | string> {
  if (prebuilt) {
    try {
      accessSync(prebuilt, constants.X_OK);
      return { path: prebuilt, origin: `${prebuilt} (prebuilt)` };
    } catch {
      return `the prebuilt ${name} ${prebuilt} is not an executable file`;
    }
  }
  let source: string;
  try {
    source = readFileSync(new URL(`./${name}.c`, import.meta.url), 'utf8');
  } catch {
    return `no prebuilt ${name} and no source to build it from`;
  }
  const target = path.join(workRoot, `.${name}-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`);
  try {
    accessSync(target, constants.X_OK);
    return { path: target, origin: `built from src/${name}.c (${target})` };
  } catch {
    // not built yet
  }
  const cc = findExecutable('cc') ?? findExecutable('gcc');
  if (!cc) return `no prebuilt ${name} and no C compiler (cc) to build it`;
  // Built under a private name and renamed: two servers starting at once never see a half-written binary.
  const partial = `${target}.${process.pid}`;
  // Static where libc.a is installed: no dynamic loading in every run (~0.25 ms less per run here).
  const compile = (extra: string[]) =>
    execa(cc, ['-O2', ...extra, '-o', partial, '-x', 'c', '-'], { input: source, reject: false });
  let built = await compile(['-static']);
  if (built.exitCode !== 0) built = await compile([]);
  if (built.exitCode !== 0) {
    rmSync(partial, { force: true });
    return `building ${name} with ${cc} failed: ${String(built.stderr).trim().split('\n')[0]}`;
  }
  chmodSync(partial, 0o755); // box uids run it
  renameSync(partial, target);
  return { path: target, origin: `built from src/${name}.c with ${cc} (${target})` };
}
