import { describe, expect, it } from 'vitest';
import { cgroupDir } from './detect.ts';

describe('cgroupDir', () => {
  it('joins the own cgroup path to a mount of the whole hierarchy', () => {
    expect(cgroupDir({ root: '/', mountPoint: '/sys/fs/cgroup' }, '/user.slice/x')).toBe('/sys/fs/cgroup/user.slice/x');
    // The root cgroup keeps path.join's trailing slash: harmless, the names joined to it normalize it.
    expect(cgroupDir({ root: '/', mountPoint: '/sys/fs/cgroup/memory' }, '/')).toBe('/sys/fs/cgroup/memory/');
  });

  it('strips the root of a mounted sub-tree (a container sees its cgroup as the mount)', () => {
    const mount = { root: '/docker/abc', mountPoint: '/sys/fs/cgroup/memory' };
    expect(cgroupDir(mount, '/docker/abc')).toBe('/sys/fs/cgroup/memory');
    expect(cgroupDir(mount, '/docker/abc/inner')).toBe('/sys/fs/cgroup/memory/inner');
    // A path that only shares a prefix with the root is not inside it.
    expect(cgroupDir(mount, '/docker/abcdef')).toBe('/sys/fs/cgroup/memory/docker/abcdef');
  });
});
