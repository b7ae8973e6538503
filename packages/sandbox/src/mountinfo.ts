import { readFileSync } from 'node:fs';
import path from 'node:path';

// One reader of /proc/self/mountinfo (proc(5)): cgroup detection looks for the cgroup hierarchies, the
// sandbox for its box tmpfs mounts. A line is
//   36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue
// with zero or more optional fields before the lone `-`.

export interface MountEntry {
  id: number;
  parent: number;
  /** The mounted directory inside its filesystem (a sub-tree for bind mounts and a container's cgroups). */
  root: string;
  mountPoint: string;
  /** Per-mount options, e.g. `rw,nosuid`. */
  options: string;
  fsType: string;
  source: string;
  /** Per-superblock options; a cgroup v1 mount lists its controllers here, e.g. `rw,cpu,cpuacct`. */
  superOptions: string;
}

/** The kernel writes space, tab, newline and backslash in paths as `\ooo` octal (so fields split on spaces). */
function unescapeField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

export function parseMountInfo(text: string): MountEntry[] {
  const mounts: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    // The separator follows the six fixed fields and the optional ones (`shared:1`, `master:2`, ...).
    const separator = fields.indexOf('-', 6);
    if (separator < 0 || fields.length < separator + 3 || !fields[separator + 1]) continue;
    const [id, parent, , root, mountPoint, options] = fields as [string, string, string, string, string, string];
    mounts.push({
      id: Number(id),
      parent: Number(parent),
      root: unescapeField(root),
      mountPoint: unescapeField(mountPoint),
      options,
      fsType: fields[separator + 1] as string,
      source: unescapeField(fields[separator + 2] as string),
      superOptions: fields[separator + 3] ?? '',
    });
  }
  return mounts;
}

/** This process's mount table (throws when /proc is not mounted). */
export function readMountInfo(): MountEntry[] {
  return parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

export function isMountPoint(dir: string): boolean {
  const target = path.resolve(dir);
  return readMountInfo().some((mount) => mount.mountPoint === target);
}

/**
 * Mount points strictly under `dir`, in mountinfo order (parents before what is mounted on them: unmount in
 * reverse). A point mounted over twice is listed twice, once per umount it takes.
 */
export function mountsUnder(dir: string): string[] {
  const target = path.resolve(dir);
  const prefix = target === '/' ? '/' : `${target}/`;
  return readMountInfo()
    .map((mount) => mount.mountPoint)
    .filter((point) => point !== target && point.startsWith(prefix));
}
