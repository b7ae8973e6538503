// Lays out one sandbox instance on the host: its uid range, its own directory under workRoot (the /etc
// files, the boxes), and each box directory.
import { chmodSync, chownSync, mkdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { emptyDir } from './box.ts';
import { boxPath } from './command.ts';
import { SandboxOptionError } from './errors.ts';
import { boxInodes } from './limits.ts';
import { isMountPoint, mountsUnder } from './mountinfo.ts';
import { claimUids, ownedName, staleEntries, type UidClaim } from './owner.ts';
import { killUid } from './procs.ts';

const instancePrefix = 'sandbox-';
const maxUid = 2 ** 31 - 2;
const maxUidAttempts = 64;

/** Creates workRoot; as root, checks that the box uids can reach their boxes through it. */
export function prepareWorkRoot(workRoot: string, root: boolean): void {
  mkdirSync(workRoot, { recursive: true });
  if (!root) return;
  // Box uids must reach their own box through workRoot, but not list the other boxes.
  chmodSync(workRoot, 0o711);
  for (let dir = workRoot; dir !== '/'; ) {
    dir = path.dirname(dir);
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new SandboxOptionError(
        `workRoot ${workRoot} is not reachable by the per-box uids: ${dir} is not searchable by others (chmod o+x it or choose another workRoot)`,
      );
    }
  }
}

/**
 * Removes instance directories of dead sandboxes (a crash skips close()): their box tmpfs mounts first,
 * never following links. Directories of live owners and names not ours are left alone.
 */
export async function removeStaleInstances(workRoot: string): Promise<void> {
  for (const stale of staleEntries(workRoot, instancePrefix)) {
    for (const point of mountsUnder(stale).reverse()) await execa('umount', [point], { reject: false });
    try {
      emptyDir(stale);
      rmdirSync(stale);
    } catch {
      // still busy (a mount we could not undo): left for a later start
    }
  }
}

/**
 * The requested uid range, or the next free one when another live sandbox or a foreign process uses it
 * (each sandbox kills every process of its box uids after a run: a shared range would be fatal).
 */
export async function claimUidRange(baseUid: number, span: number): Promise<{ claim: UidClaim; note: string }> {
  const refusals: string[] = [];
  for (let attempt = 0; attempt < maxUidAttempts; attempt++) {
    const first = baseUid + attempt * span;
    if (first + span - 1 > maxUid) break;
    const got = claimUids(first, first + span - 1);
    if (typeof got === 'string') {
      refusals.push(`${first}..${first + span - 1}: ${got}`);
      continue;
    }
    for (const uid of got.takenOver) await killUid(uid); // orphans of a dead sandbox's boxes
    return { claim: got, note: got.first === baseUid ? '' : ` (baseUid ${baseUid} was taken: ${refusals[0]})` };
  }
  throw new SandboxOptionError(
    `No free uid range of ${span} from \`baseUid\` ${baseUid} on (tried ${refusals.length}: ${refusals.slice(0, 3).join('; ')}); choose another baseUid`,
  );
}

/**
 * This instance's own directory (`sandbox-<pid>-<start>-<random>`): two sandboxes on one workRoot never touch
 * each other's files. Holds `.etc/` with a passwd and group naming the box users, whose home is /box.
 */
export function makeInstanceDir(
  workRoot: string,
  parts: { root: boolean; baseUid: number; boxes: number },
): { dir: string; etcDir: string } {
  const { root, baseUid, boxes } = parts;
  const dir = path.join(workRoot, ownedName(instancePrefix));
  mkdirSync(dir, { mode: root ? 0o711 : 0o755 });
  if (root) chmodSync(dir, 0o711);
  const etcDir = path.join(dir, '.etc');
  mkdirSync(etcDir, { recursive: true, mode: 0o755 });
  const users = [
    'root:x:0:0:root:/root:/usr/sbin/nologin',
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  ];
  const groups = ['root:x:0:', 'nogroup:x:65534:'];
  if (root) {
    for (let id = 0; id <= boxes; id++) {
      const uid = baseUid + id;
      users.push(`box${id}:x:${uid}:${uid}:box ${id}:${boxPath}:/bin/sh`);
      groups.push(`box${id}:x:${uid}:`);
    }
  } else {
    users.push(`sandbox:x:${process.getuid?.()}:${process.getgid?.()}:sandbox:${boxPath}:/bin/sh`);
    groups.push(`sandbox:x:${process.getgid?.()}:`);
  }
  writeFileSync(path.join(etcDir, 'passwd'), `${users.join('\n')}\n`, { mode: 0o644 });
  writeFileSync(path.join(etcDir, 'group'), `${groups.join('\n')}\n`, { mode: 0o644 });
  return { dir, etcDir };
}

/** Makes (or takes over and empties) a box directory: a tmpfs of `tmpfsBytes` when given, else a 0700 dir. */
export async function makeBoxDir(dir: string, uid: number | null, tmpfsBytes: number | null): Promise<void> {
  mkdirSync(dir, { recursive: true });
  if (tmpfsBytes !== null) {
    if (isMountPoint(dir)) await execa('umount', [dir]);
    emptyDir(dir);
    const options = `size=${tmpfsBytes},nr_inodes=${boxInodes},mode=0700,uid=${uid},gid=${uid},nosuid,nodev`;
    await execa('mount', ['-t', 'tmpfs', '-o', options, `sandbox-${path.basename(dir)}`, dir]);
    return;
  }
  emptyDir(dir);
  if (uid !== null) chownSync(dir, uid, uid);
  chmodSync(dir, 0o700);
}
