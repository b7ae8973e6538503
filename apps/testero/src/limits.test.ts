import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultDiskLimit, defaultMemoryLimit } from './limits.ts';

const GiB = 1024n ** 3n;
const roots: string[] = [];
afterEach(async () => {
  for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
});

/** A fake /proc and /sys/fs/cgroup. */
async function tree(files: Record<string, string>) {
  const root = await mkdtemp(join(tmpdir(), 'testero-limits-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return { proc: join(root, 'proc'), cgroupRoot: join(root, 'cgroup') };
}

const margin = (available: bigint) => available - 64n * 1024n * 1024n - available / 20n;
const meminfo = (kib: bigint) => `MemTotal: 99999999 kB\nMemFree: 1 kB\nMemAvailable: ${kib} kB\n`;

describe('defaultMemoryLimit', () => {
  it('uses MemAvailable when there is no cgroup limit', async () => {
    const paths = await tree({
      'proc/meminfo': meminfo(8n * 1024n * 1024n),
      'proc/self/cgroup': '0::/app\n',
      'cgroup/app/memory.max': 'max\n',
      'cgroup/app/memory.current': '1000\n',
    });
    const result = await defaultMemoryLimit(paths);
    expect(result.source).toBe('MemAvailable');
    expect(result.limit).toBe(margin(8n * GiB));
  });

  it('uses a cgroup v2 limit minus usage, also when it is set on an ancestor', async () => {
    const paths = await tree({
      'proc/meminfo': meminfo(8n * 1024n * 1024n),
      'proc/self/cgroup': '0::/kubepods/pod1/app\n',
      'cgroup/kubepods/pod1/app/memory.max': 'max\n',
      'cgroup/kubepods/pod1/app/memory.current': '100\n',
      'cgroup/kubepods/pod1/memory.max': `${2n * GiB}\n`,
      'cgroup/kubepods/pod1/memory.current': `${GiB / 2n}\n`,
    });
    const result = await defaultMemoryLimit(paths);
    expect(result.available).toBe(GiB + GiB / 2n);
    expect(result.source).toBe(join(paths.cgroupRoot, 'kubepods/pod1/memory.max'));
    expect(result.limit).toBe(margin(GiB + GiB / 2n));
  });

  it('uses a cgroup v1 limit, and the mount root when the path is not visible (cgroup namespace)', async () => {
    const paths = await tree({
      'proc/meminfo': meminfo(8n * 1024n * 1024n),
      'proc/self/cgroup': '5:cpu:/\n4:memory:/docker/abc\n',
      'cgroup/memory/memory.limit_in_bytes': `${GiB}\n`,
      'cgroup/memory/memory.usage_in_bytes': `${GiB / 4n}\n`,
    });
    const result = await defaultMemoryLimit(paths);
    expect(result.available).toBe((GiB * 3n) / 4n);
    expect(result.source).toBe(join(paths.cgroupRoot, 'memory/memory.limit_in_bytes'));
  });

  it('treats the v1 "unlimited" value as no limit and never goes below zero', async () => {
    const unlimited = await tree({
      'proc/meminfo': meminfo(1024n * 1024n),
      'proc/self/cgroup': '4:memory:/\n',
      'cgroup/memory/memory.limit_in_bytes': '9223372036854771712\n',
      'cgroup/memory/memory.usage_in_bytes': '5\n',
    });
    expect((await defaultMemoryLimit(unlimited)).source).toBe('MemAvailable');
    const full = await tree({
      'proc/meminfo': meminfo(1024n * 1024n),
      'proc/self/cgroup': '0::/\n',
      'cgroup/memory.max': '1000\n',
      'cgroup/memory.current': '2000\n',
    });
    expect((await defaultMemoryLimit(full)).limit).toBe(0n);
  });

  it('counts inactive page cache as room (usage minus inactive_file, as the kubelet does), v2 and v1', async () => {
    const v2 = await tree({
      'proc/meminfo': meminfo(8n * 1024n * 1024n),
      'proc/self/cgroup': '0::/\n',
      'cgroup/memory.max': `${GiB}\n`,
      'cgroup/memory.current': `${GiB / 2n}\n`,
      'cgroup/memory.stat': `anon 1000\nfile ${GiB / 4n}\nactive_file 5\ninactive_file ${GiB / 4n}\n`,
    });
    expect((await defaultMemoryLimit(v2)).available).toBe((GiB * 3n) / 4n);
    const v1 = await tree({
      'proc/meminfo': meminfo(8n * 1024n * 1024n),
      'proc/self/cgroup': '4:memory:/\n',
      'cgroup/memory/memory.limit_in_bytes': `${GiB}\n`,
      'cgroup/memory/memory.usage_in_bytes': `${GiB / 2n}\n`,
      'cgroup/memory/memory.stat': `inactive_file 7\ntotal_inactive_file ${GiB / 2n}\n`,
    });
    expect((await defaultMemoryLimit(v1)).available).toBe(GiB);
  });

  it('reads this machine without failing', async () => {
    const result = await defaultMemoryLimit();
    expect(result.limit).toBeGreaterThan(0n);
  });
});

describe('defaultDiskLimit', () => {
  it('is the free space of the filesystem', async () => {
    expect(await defaultDiskLimit(tmpdir())).toBeGreaterThan(0n);
  });
});
