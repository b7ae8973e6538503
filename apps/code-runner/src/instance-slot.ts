import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Several code-runner processes on one host must not share box directories nor box uids: a box reset kills
 * every process of its uid. Each process claims a slot (a pid file created exclusively); slot n owns uids
 * baseUid + n * 1000 and up. A slot whose process is gone is taken over.
 */
export interface InstanceSlot {
  slot: number;
  baseUid: number;
  release(): void;
}

const slotsDir = path.join(os.tmpdir(), 'code-runner-slots');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Claims the first free slot (or exactly `wanted`); throws when none is free. */
export function claimInstanceSlot(options: { firstUid: number; slots?: number; wanted?: number }): InstanceSlot {
  fs.mkdirSync(slotsDir, { recursive: true, mode: 0o700 });
  const candidates =
    options.wanted !== undefined ? [options.wanted] : Array.from({ length: options.slots ?? 20 }, (_, i) => i);
  for (const slot of candidates) {
    const file = path.join(slotsDir, `${options.firstUid + slot * 1000}.pid`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
        return {
          slot,
          baseUid: options.firstUid + slot * 1000,
          release: () => {
            if (fs.readFileSync(file, 'utf8') === String(process.pid)) fs.rmSync(file, { force: true });
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = Number(fs.readFileSync(file, 'utf8'));
        if (Number.isInteger(owner) && owner > 0 && alive(owner)) break;
        fs.rmSync(file, { force: true });
      }
    }
  }
  throw new Error(
    `no free sandbox uid range: the ranges from ${options.firstUid} are claimed by other code-runner processes (see ${slotsDir})`,
  );
}
