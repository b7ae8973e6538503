import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
