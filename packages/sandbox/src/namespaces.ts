import {
  accessSync,
  constants,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

const serverPath = () => [
  ...(process.env.PATH ?? '').split(':'),
  '/usr/local/bin',
  '/usr/bin',
  '/bin',
  '/usr/sbin',
  '/sbin',
];

/** Absolute path of the executable `name` in the first of `dirs` that has it (default: the server's PATH and the system dirs), or null. */
export function findExecutable(name: string, dirs: readonly string[] = serverPath()): string | null {
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

const systemDirs = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

// What programs need from /etc: the loader cache, alternatives (java, cc, ...), certificates, the time zone,
// the JDK's config (its conf/ links into /etc). Not the rest of the host's /etc (shadow, ssh keys, ...).
const etcEntries = [
  'alternatives',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'ssl',
  'ca-certificates',
  'ca-certificates.conf',
  'localtime',
  'timezone',
  'nsswitch.conf',
  'protocols',
  'services',
  'mime.types',
  'os-release',
  'debian_version',
];
const etcNetwork = ['hosts', 'resolv.conf', 'host.conf', 'gai.conf'];

export interface BwrapLayout {
  /** Arguments shared by every run (namespaces, read-only system). */
  common: string[];
  /** Extra arguments when the run may use the network (the host's resolver files). */
  network: string[];
  /** Host paths under /etc left out of the sandbox's copy, each with why (not readable by everyone, or unreadable). */
  skipped: string[];
}

/**
 * Copies `source` to `target` as a box user would see it: links kept as links (never followed), and only
 * what every user may read. Anything else (a 0700 /etc/ssl/private, a file that vanished, a read error) is
 * left out and named in `skipped`: the host's files never stop the server from starting.
 */
export function copyWorldReadable(source: string, target: string, skipped: string[]): void {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(source);
    if (stat.isSymbolicLink()) {
      symlinkSync(readlinkSync(source), target);
      return;
    }
    const readable = stat.isDirectory() ? 0o005 : 0o004;
    if ((stat.mode & readable) !== readable) {
      skipped.push(`${source} (mode ${(stat.mode & 0o7777).toString(8).padStart(4, '0')}: not readable by others)`);
      return;
    }
    if (stat.isFile()) {
      copyFileSync(source, target);
      return;
    }
    if (!stat.isDirectory()) {
      skipped.push(`${source} (not a file, directory or link)`);
      return;
    }
    mkdirSync(target, { mode: stat.mode & 0o777 });
    for (const name of readdirSync(source))
      copyWorldReadable(path.join(source, name), path.join(target, name), skipped);
  } catch (error) {
    skipped.push(`${source} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/**
 * Pre-resolves the read-only view of the host once: system dirs (or their symlinks), and a minimal /etc
 * prepared in `etcDir` (which already holds passwd and group) and bound once. One bind instead of ~17 file
 * binds saves ~3 ms per run; the copy is a snapshot taken at start (a CA or time zone update needs a restart).
 */
export function bwrapLayout(etcDir: string, extraEtc: readonly string[] = []): BwrapLayout {
  const common = [
    '--unshare-user',
    '--unshare-ipc',
    '--unshare-pid',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--disable-userns',
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--hostname',
    'sandbox',
  ];
  for (const dir of systemDirs) {
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(dir);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) common.push('--symlink', readlinkSync(dir), dir);
    else if (stat.isDirectory()) common.push('--ro-bind', dir, dir);
  }
  const etc = [...etcEntries, ...extraEtc];
  for (const name of readdirSync('/etc')) if (/^java-\d+/.test(name)) etc.push(name);
  const skipped: string[] = [];
  for (const name of etc) {
    const host = path.join('/etc', name);
    // Links are kept as links (alternatives point into /usr, ssl/certs into /usr/share): never followed.
    if (existsSync(host)) copyWorldReadable(host, path.join(etcDir, name), skipped);
  }
  const network: string[] = [];
  for (const name of etcNetwork) {
    const host = path.join('/etc', name);
    if (!existsSync(host)) continue;
    // An empty file to mount the live one on in runs with network (a read-only /etc cannot get new ones).
    writeFileSync(path.join(etcDir, name), '', { mode: 0o644 });
    network.push('--ro-bind', host, `/etc/${name}`);
  }
  common.push('--ro-bind', etcDir, '/etc', '--proc', '/proc', '--dev', '/dev');
  return { common, network, skipped };
}
