import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ownerTagAlive, ownTag } from '@repo/sandbox';

/**
 * Several code-runner processes on one host must not share box directories nor box uids: a box reset kills
 * every process of its uid. Each process claims a slot (a file holding its `<pid>-<start time>` tag, created
 * exclusively); slot n owns uids baseUid + n * 1000 and up. A slot whose process is gone is taken over.
 */
export interface InstanceSlot {
  slot: number;
  baseUid: number;
  release(): void;
}

/**
 * One directory per uid: only root instances share uid ranges, and a root instance's 0700 directory must not
 * stop a non-root instance from starting. Refused when it is not ours or others may write it.
 */
function slotsDir(): string {
  const uid = process.getuid?.() ?? 0;
  const dir = path.join(os.tmpdir(), uid === 0 ? 'code-runner-slots' : `code-runner-slots-${uid}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o022) !== 0) {
    throw new Error(
      `${dir} must be a directory of uid ${uid} that only it can write (found uid ${stat.uid}, mode ${(stat.mode & 0o7777).toString(8)}): remove it`,
    );
  }
  return dir;
}

/** Claims the first free slot (or exactly `wanted`); throws when none is free. */
export function claimInstanceSlot(options: { firstUid: number; slots?: number; wanted?: number }): InstanceSlot {
  const dir = slotsDir();
  const candidates =
    options.wanted !== undefined ? [options.wanted] : Array.from({ length: options.slots ?? 20 }, (_, i) => i);
  for (const slot of candidates) {
    const file = path.join(dir, `${options.firstUid + slot * 1000}.pid`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, ownTag, { flag: 'wx' });
        return {
          slot,
          baseUid: options.firstUid + slot * 1000,
          release: () => {
            if (fs.readFileSync(file, 'utf8') === ownTag) fs.rmSync(file, { force: true });
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        if (ownerTagAlive(fs.readFileSync(file, 'utf8').trim())) break;
        fs.rmSync(file, { force: true });
      }
    }
  }
  throw new Error(
    `no free sandbox uid range: the ranges from ${options.firstUid} are claimed by other code-runner processes (see ${dir})`,
  );
}
