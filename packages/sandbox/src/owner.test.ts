import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { claimUids, ownedName, ownerAlive, ownTag, staleEntries, startTime } from './owner.ts';
import { skipReason } from './test-support.ts';

/** A pid that existed and is gone: a child that has exited (pids are not reused this fast). */
function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$']);
  return Number(child.stdout.toString().trim());
}

describe('ownership of names', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sandbox-owner-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('tells a live owner from a dead one by pid and start time', () => {
    expect(startTime(process.pid)).toMatch(/^\d+$/);
    const mine = ownedName('x-');
    expect(mine).toMatch(new RegExp(`^x-${ownTag}-[0-9a-f]{6}$`));
    expect(ownerAlive(mine, 'x-')).toBe(true);
    expect(ownerAlive(`x-${deadPid()}-1-abcdef`, 'x-')).toBe(false);
    // Our pid with another start time: the pid was reused, the owner is dead.
    expect(ownerAlive(`x-${process.pid}-1-abcdef`, 'x-')).toBe(false);
    // Names that are not ours never count as stale; the pid-only form only where asked for.
    expect(ownerAlive('x-something-else', 'x-')).toBe(true);
    expect(ownerAlive(`x-${deadPid()}-abcdef`, 'x-')).toBe(true);
    expect(ownerAlive(`x-${deadPid()}-abcdef`, 'x-', true)).toBe(false);
  });

  it('lists only entries of dead owners as stale', () => {
    const live = ownedName('sandbox-');
    const dead = `sandbox-${deadPid()}-12345-abcdef`;
    for (const name of [live, dead, 'sandbox-test-abc', 'other']) mkdirSync(path.join(dir, name));
    expect(staleEntries(dir, 'sandbox-')).toEqual([path.join(dir, dead)]);
  });
});

describe('uid claims', () => {
  const first = 1_900_000_000 + (process.pid % 10_000) * 100;

  it('gives a range to one live owner at a time and takes over a dead owner’s', (ctx) => {
    if (skipReason(process.getuid?.() !== 0, 'uid claims are made only as root')) ctx.skip();
    const a = claimUids(first, first + 3);
    if (typeof a === 'string') throw new Error(a);
    onTestFinished(() => a.release());
    expect(claimUids(first + 2, first + 5)).toMatch(/used by another sandbox \(pid \d+\)/);
    // A claim of a dead process is taken over.
    const dead = claimUids(first + 10, first + 10);
    if (typeof dead === 'string') throw new Error(dead);
    onTestFinished(() => dead.release());
    const file = path.join('/run/repo-sandbox-uids', String(first + 10));
    const tmpFile = path.join(os.tmpdir(), 'repo-sandbox-uids', String(first + 10));
    const claimFile = existsSync(file) ? file : tmpFile;
    spawnSync('sh', ['-c', `printf %s "${deadPid()}-1" > ${claimFile}`]);
    const again = claimUids(first + 10, first + 11);
    if (typeof again === 'string') throw new Error(again);
    onTestFinished(() => again.release());
    expect(again.takenOver).toEqual([first + 10]);
    a.release();
    dead.release();
    again.release();
    const b = claimUids(first, first + 5);
    expect(typeof b).toBe('object');
    if (typeof b === 'object') b.release();
  });

  it('refuses a range where a process of a foreign owner runs', (ctx) => {
    if (skipReason(process.getuid?.() !== 0, 'uid claims are made only as root')) ctx.skip();
    const uid = first + 50;
    // spawn() returns once the child has exec'd, already as `uid`.
    const child = spawn('sleep', ['5'], { uid, gid: uid, stdio: 'ignore' });
    const pid = child.pid as number;
    try {
      expect(claimUids(uid - 1, uid + 1)).toBe(`uid ${uid} is in use by process ${pid}, which no sandbox owns`);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
