import { afterEach, describe, expect, it, vi } from 'vitest';
import { isMountPoint, mountsUnder, parseMountInfo, readMountInfo } from './mountinfo.ts';

// A fake /proc/self/mountinfo for isMountPoint and mountsUnder; null reads the real one.
let fakeTable: string | null = null;
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readFileSync = ((file: string, ...rest: unknown[]) =>
    fakeTable !== null && file === '/proc/self/mountinfo'
      ? fakeTable
      : (fs.readFileSync as (...args: unknown[]) => unknown)(file, ...rest)) as typeof fs.readFileSync;
  return { ...fs, default: { ...fs, readFileSync }, readFileSync };
});
afterEach(() => {
  fakeTable = null;
});

const v2Line =
  '29 1 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot';
const v1Line =
  '35 25 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,cpu,cpuacct';

describe('parseMountInfo', () => {
  it('reads every field of a line without optional fields', () => {
    expect(parseMountInfo('22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw,errors=remount-ro\n')).toEqual([
      {
        id: 22,
        parent: 1,
        root: '/',
        mountPoint: '/',
        options: 'rw,relatime',
        fsType: 'ext4',
        source: '/dev/sda1',
        superOptions: 'rw,errors=remount-ro',
      },
    ]);
  });

  it('skips any number of optional fields up to the separator', () => {
    const [mount] = parseMountInfo(
      '36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 shared:2 propagate_from:3 - ext3 /dev/root rw,errors=continue',
    );
    expect(mount).toMatchObject({
      id: 36,
      parent: 35,
      root: '/mnt1',
      mountPoint: '/mnt/parent',
      options: 'rw,noatime',
      fsType: 'ext3',
      source: '/dev/root',
      superOptions: 'rw,errors=continue',
    });
  });

  it('reads a cgroup v2 line and a v1 line, whose controllers are among the superblock options', () => {
    const [v2, v1] = parseMountInfo(`${v2Line}\n${v1Line}\n`);
    expect(v2).toMatchObject({ mountPoint: '/sys/fs/cgroup', fsType: 'cgroup2', source: 'cgroup2' });
    expect(v1).toMatchObject({
      mountPoint: '/sys/fs/cgroup/cpu,cpuacct',
      fsType: 'cgroup',
      superOptions: 'rw,cpu,cpuacct',
    });
  });

  it('keeps the root of a mounted sub-tree (a container sees only its own cgroup)', () => {
    const [mount] = parseMountInfo(
      '1234 1200 0:30 /docker/abc123 /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory',
    );
    expect(mount?.root).toBe('/docker/abc123');
    expect(mount?.mountPoint).toBe('/sys/fs/cgroup/memory');
  });

  it('decodes the octal escapes of space, tab, newline and backslash', () => {
    const [spaced, odd] = parseMountInfo(
      [
        '100 30 0:50 / /tmp/my\\040box\\040-\\040two rw,relatime - tmpfs tmp\\040fs rw,size=1024k',
        '101 30 0:51 /a\\011b /x\\012y\\134z rw - tmpfs tmpfs rw',
      ].join('\n'),
    );
    // ` - ` inside a path is escaped too, so it is never taken for the separator.
    expect(spaced).toMatchObject({ mountPoint: '/tmp/my box - two', fsType: 'tmpfs', source: 'tmp fs' });
    expect(odd).toMatchObject({ root: '/a\tb', mountPoint: '/x\ny\\z' });
  });

  it('keeps an empty source in its place and tolerates a missing last field', () => {
    const [empty, short] = parseMountInfo('40 1 0:60 / /e rw - tmpfs  rw,size=4k\n41 1 0:61 / /s rw - proc proc');
    expect(empty).toMatchObject({ fsType: 'tmpfs', source: '', superOptions: 'rw,size=4k' });
    expect(short).toMatchObject({ fsType: 'proc', source: 'proc', superOptions: '' });
  });

  it('skips blank and malformed lines', () => {
    expect(parseMountInfo('\n\nnot a mount line\n1 2 3 - x\n22 1 8:1 / / rw -\n')).toEqual([]);
  });
});

describe('the mount table of this process', () => {
  it('has / and /proc (read from /proc/self/mountinfo)', () => {
    const points = readMountInfo().map((mount) => mount.mountPoint);
    expect(points).toContain('/proc');
    expect(isMountPoint('/proc')).toBe(true);
    expect(isMountPoint('/proc/self')).toBe(false);
  });
});

describe('isMountPoint and mountsUnder', () => {
  const table = [
    '1 0 8:1 / / rw - ext4 /dev/sda1 rw',
    '2 1 0:40 / /srv/work rw - tmpfs tmpfs rw',
    '3 2 0:41 / /srv/work/box-1 rw - tmpfs tmpfs rw',
    '4 2 0:42 / /srv/work/box-10 rw - tmpfs tmpfs rw',
    '5 3 0:43 / /srv/work/box-1/deep rw - tmpfs tmpfs rw',
    '6 2 0:44 / /srv/work/my\\040box rw - tmpfs tmpfs rw',
    '7 3 0:45 / /srv/work/box-1 rw - tmpfs tmpfs rw',
  ].join('\n');

  it('matches whole mount points, with or without a trailing slash, spaces decoded', () => {
    fakeTable = table;
    expect(isMountPoint('/srv/work/box-1')).toBe(true);
    expect(isMountPoint('/srv/work/box-1/')).toBe(true);
    expect(isMountPoint('/srv/work/my box')).toBe(true);
    expect(isMountPoint('/srv/work/my\\040box')).toBe(false);
    expect(isMountPoint('/srv/work/box')).toBe(false);
    expect(isMountPoint('/srv')).toBe(false);
  });

  it('lists the mounts strictly under a directory, in mountinfo order, once per mount', () => {
    fakeTable = table;
    expect(mountsUnder('/srv/work/box-1')).toEqual(['/srv/work/box-1/deep']);
    expect(mountsUnder('/srv/work')).toEqual([
      '/srv/work/box-1',
      '/srv/work/box-10',
      '/srv/work/box-1/deep',
      '/srv/work/my box',
      '/srv/work/box-1',
    ]);
    expect(mountsUnder('/srv/work/box-10')).toEqual([]);
    expect(mountsUnder('/')).toHaveLength(6);
  });
});
