import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DiskFiles, MARKER_NAME, removeLeftovers } from './disk.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function dataDir() {
  const dir = await mkdtemp(join(tmpdir(), 'testero-disk-'));
  dirs.push(dir);
  return dir;
}

describe('DiskFiles', () => {
  it('adds numbered files of the exact size and removes the highest-numbered first', async () => {
    const files = await DiskFiles.create(await dataDir());
    await files.add(0);
    await files.add(0);
    await files.add(1);
    expect(await readdir(files.dirOf(0))).toEqual(expect.arrayContaining(['f-1', 'f-2']));
    expect(await files.countExisting()).toEqual([2, 1, 0, 0, 0]);
    await files.removeLast(0);
    expect(await readdir(files.dirOf(0))).toEqual(['f-1']);
    await files.close();
    expect(await files.countExisting()).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('removeLeftovers', () => {
  it('removes only marked directories whose owner is gone', async () => {
    const dir = await dataDir();
    const live = await DiskFiles.create(dir);
    const dead = await DiskFiles.create(dir);
    const marker = join(dead.root, MARKER_NAME);
    const owner = JSON.parse(await (await import('node:fs/promises')).readFile(marker, 'utf8'));
    // A process that ended long ago on this host: its pid now belongs to nobody or to someone else.
    await writeFile(marker, JSON.stringify({ ...owner, pid: 2 ** 22 + 7, startTime: '1' }));
    const foreignFresh = join(dir, 'testero-aaaaaaaaaaaaaaaa');
    const foreignStale = join(dir, 'testero-bbbbbbbbbbbbbbbb');
    const unmarked = join(dir, 'testero-cccccccccccccccc');
    const otherMagic = join(dir, 'testero-dddddddddddddddd');
    for (const d of [foreignFresh, foreignStale, unmarked, otherMagic]) await mkdir(d);
    await writeFile(join(foreignFresh, MARKER_NAME), JSON.stringify({ ...owner, host: 'another-pod' }));
    await writeFile(join(foreignStale, MARKER_NAME), JSON.stringify({ ...owner, host: 'another-pod' }));
    const old = new Date(Date.now() - 10 * 60_000);
    await utimes(join(foreignStale, MARKER_NAME), old, old);
    await writeFile(join(otherMagic, MARKER_NAME), JSON.stringify({ ...owner, magic: 'something else', pid: 1 }));

    // `live` belongs to this very process (same pid and start time), so it stays.
    const removed = await removeLeftovers(dir);
    expect(removed.sort()).toEqual([dead.root, foreignStale].sort());
    const left = await readdir(dir);
    expect(left.sort()).toEqual(
      [
        live.root.split('/').at(-1),
        'testero-aaaaaaaaaaaaaaaa',
        'testero-cccccccccccccccc',
        'testero-dddddddddddddddd',
      ].sort(),
    );
    await live.close();
  });
});

describe('removeLeftovers with a killed owner not yet reaped', () => {
  it('counts a zombie owner as gone, though its /proc/<pid>/stat still shows the old start time', async () => {
    const { spawn } = await import('node:child_process');
    const { readFile } = await import('node:fs/promises');
    const dir = await dataDir();
    const live = await DiskFiles.create(dir);
    const marker = join(live.root, MARKER_NAME);
    const owner = JSON.parse(await readFile(marker, 'utf8'));
    await live.close();
    // `sleep 600 &` then exec: the background sleep's parent becomes a `sleep` that never waits, so once
    // killed it stays a zombie (Node would reap a child of its own at once).
    const parent = spawn('sh', ['-c', 'sleep 600 & echo $!; exec sleep 600'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const pid = Number(
        (await new Promise<string>((resolve) => parent.stdout.once('data', (d) => resolve(String(d))))).trim(),
      );
      const stat = () => readFile(`/proc/${pid}/stat`, 'utf8');
      const startTime = (await stat()).split(') ')[1]?.split(' ')[19];
      const leftover = join(dir, 'testero-eeeeeeeeeeeeeeee');
      await mkdir(leftover);
      await writeFile(join(leftover, MARKER_NAME), JSON.stringify({ ...owner, pid, startTime }));
      // Alive: kept.
      expect(await removeLeftovers(dir)).toEqual([]);
      process.kill(pid, 'SIGKILL');
      await vi.waitFor(async () => expect((await stat()).split(') ')[1]?.[0]).toBe('Z'));
      expect((await stat()).split(') ')[1]?.split(' ')[19]).toBe(startTime);
      expect(await removeLeftovers(dir)).toEqual([leftover]);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
