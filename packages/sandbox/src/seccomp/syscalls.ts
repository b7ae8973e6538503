// System call numbers and the deny policy of the seccomp filter (see ../../README.md, "Syscall filter").
// Numbers: x86_64 from the kernel's arch/x86/entry/syscalls/syscall_64.tbl, aarch64 from the generic table
// (include/uapi/asm-generic/unistd.h). filter.test.ts compares them with the host's headers where present.

/** The architectures the filter is built for (Node's `process.arch` names). */
export type SeccompArch = 'x64' | 'arm64';
export const seccompArches: readonly SeccompArch[] = ['x64', 'arm64'];

/** AUDIT_ARCH_* of `seccomp_data.arch`: the native ABI of each architecture. */
export const auditArch: Readonly<Record<SeccompArch, number>> = {
  x64: 0xc000003e, // AUDIT_ARCH_X86_64 (x32 calls carry it too, with bit 30 set in nr)
  arm64: 0xc00000b7, // AUDIT_ARCH_AARCH64
};
/** Foreign ABIs a 64-bit process can still enter: refused as a whole. */
export const foreignAudit = { i386: 0x40000003, arm: 0x40000028 } as const;
/** x32 system calls are x86_64 calls with this bit set in nr. */
export const x32Bit = 0x40000000;

/** name: [x86_64, aarch64]; null where the architecture has no such call. */
const table = {
  // in the policy below
  add_key: [248, 217],
  request_key: [249, 218],
  keyctl: [250, 219],
  io_uring_setup: [425, 425],
  io_uring_enter: [426, 426],
  io_uring_register: [427, 427],
  userfaultfd: [323, 282],
  bpf: [321, 280],
  perf_event_open: [298, 241],
  kexec_load: [246, 104],
  kexec_file_load: [320, 294],
  mount: [165, 40],
  umount2: [166, 39],
  pivot_root: [155, 41],
  open_tree: [428, 428],
  move_mount: [429, 429],
  fsopen: [430, 430],
  fsconfig: [431, 431],
  fsmount: [432, 432],
  fspick: [433, 433],
  mount_setattr: [442, 442],
  open_tree_attr: [467, 467],
  unshare: [272, 97],
  setns: [308, 268],
  clone: [56, 220],
  clone3: [435, 435],
  ptrace: [101, 117],
  process_vm_readv: [310, 270],
  process_vm_writev: [311, 271],
  kcmp: [312, 272],
  pidfd_getfd: [438, 438],
  process_madvise: [440, 440],
  personality: [135, 92],
  init_module: [175, 105],
  finit_module: [313, 273],
  delete_module: [176, 106],
  create_module: [174, null],
  get_kernel_syms: [177, null],
  query_module: [178, null],
  acct: [163, 89],
  swapon: [167, 224],
  swapoff: [168, 225],
  reboot: [169, 142],
  settimeofday: [164, 170],
  clock_settime: [227, 112],
  adjtimex: [159, 171],
  clock_adjtime: [305, 266],
  open_by_handle_at: [304, 265],
  name_to_handle_at: [303, 264],
  lookup_dcookie: [212, 18],
  quotactl: [179, 60],
  quotactl_fd: [443, 443],
  nfsservctl: [180, 42],
  _sysctl: [156, null],
  sysfs: [139, null],
  uselib: [134, null],
  ustat: [136, null],
  iopl: [172, null],
  ioperm: [173, null],
  move_pages: [279, 239],
  migrate_pages: [256, 238],
  syslog: [103, 116],
  vhangup: [153, 58],
  sethostname: [170, 161],
  setdomainname: [171, 162],
  fanotify_init: [300, 262],
  lsm_get_self_attr: [459, 459],
  lsm_set_self_attr: [460, 460],
  lsm_list_modules: [461, 461],
  socket: [41, 198],
  // allowed ones the tests name
  read: [0, 63],
  write: [1, 64],
  openat: [257, 56],
  mmap: [9, 222],
  execve: [59, 221],
  getpid: [39, 172],
  mbind: [237, 235],
  get_mempolicy: [239, 236],
  set_mempolicy: [238, 237],
} as const satisfies Record<string, readonly [number | null, number | null]>;

export type SyscallName = keyof typeof table;
export const syscallNames = Object.keys(table) as SyscallName[];

/** The number of `name` on `arch`, or null where that architecture has no such call. */
export function syscallNumber(arch: SeccompArch, name: SyscallName): number | null {
  return table[name][arch === 'x64' ? 0 : 1];
}

/** A family of calls denied outright with EPERM, and why. */
export interface DeniedFamily {
  family: string;
  syscalls: readonly SyscallName[];
  why: string;
}

// Docker's default profile (moby/profiles seccomp/default_linux.go: what a container with the default
// capabilities cannot call) plus the list. mbind, get_mempolicy and set_mempolicy stay allowed:
// they place the caller's own memory only (moving pages other processes share, MPOL_MF_MOVE_ALL, needs
// CAP_SYS_NICE, which the kernel checks itself), and NUMA-aware runtimes (the JVM's UseNUMA, libnuma) use
// them. Docker allows chroot (the box has no CAP_SYS_CHROOT: the kernel refuses it) and adjtimex; adjtimex
// is denied here with clock_adjtime since a filter cannot tell a read (modes 0) from a write: modes lies
// in memory it cannot see.
export const deniedFamilies: readonly DeniedFamily[] = [
  {
    family: 'keys',
    syscalls: ['add_key', 'request_key', 'keyctl'],
    why: 'kernel keyrings are not namespaced: keys of other users and a large attack surface',
  },
  {
    family: 'io_uring',
    syscalls: ['io_uring_setup', 'io_uring_enter', 'io_uring_register'],
    why: 'a second system-call interface that bypasses seccomp per operation, and a long list of kernel exploits',
  },
  {
    family: 'userfaultfd',
    syscalls: ['userfaultfd'],
    why: 'stalls page faults in the kernel at will: the tool of many exploit races',
  },
  { family: 'bpf', syscalls: ['bpf'], why: 'loads programs into the kernel' },
  {
    family: 'perf_event_open',
    syscalls: ['perf_event_open'],
    why: 'performance counters: side channels on other processes and a history of exploits',
  },
  { family: 'kexec', syscalls: ['kexec_load', 'kexec_file_load'], why: 'boots another kernel' },
  {
    family: 'mount',
    syscalls: [
      'mount',
      'umount2',
      'pivot_root',
      'open_tree',
      'move_mount',
      'fsopen',
      'fsconfig',
      'fsmount',
      'fspick',
      'mount_setattr',
      'open_tree_attr',
    ],
    why: 'changes the file system view bubblewrap set up (both mount APIs)',
  },
  {
    family: 'namespaces',
    syscalls: ['unshare', 'setns'],
    why: 'new or other namespaces: the user namespace is the door to most privileged kernel code',
  },
  {
    family: 'ptrace',
    syscalls: ['ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp', 'pidfd_getfd', 'process_madvise'],
    why: "reads, writes or inspects another process's memory and files",
  },
  {
    family: 'modules',
    syscalls: ['init_module', 'finit_module', 'delete_module', 'create_module', 'get_kernel_syms', 'query_module'],
    why: 'loads or unloads kernel code',
  },
  { family: 'acct', syscalls: ['acct'], why: 'process accounting is host-wide' },
  { family: 'swap', syscalls: ['swapon', 'swapoff'], why: "the host's swap" },
  { family: 'reboot', syscalls: ['reboot'], why: 'the host (or its pid namespace) goes down' },
  {
    family: 'clock',
    syscalls: ['settimeofday', 'clock_settime', 'adjtimex', 'clock_adjtime'],
    why: 'the clock is not namespaced',
  },
  {
    family: 'handles',
    syscalls: ['open_by_handle_at', 'name_to_handle_at'],
    why: 'opening files by handle skips the path walk, and with it the mount namespace (the "shocker" escape)',
  },
  { family: 'lookup_dcookie', syscalls: ['lookup_dcookie'], why: 'kernel profiling, removed from Linux 6.10' },
  { family: 'quota', syscalls: ['quotactl', 'quotactl_fd'], why: "the host's disk quotas" },
  {
    family: 'obsolete',
    syscalls: ['nfsservctl', '_sysctl', 'sysfs', 'uselib', 'ustat'],
    why: 'obsolete calls no program needs, old exploit paths',
  },
  { family: 'ioports', syscalls: ['iopl', 'ioperm'], why: 'raw I/O ports of the host' },
  {
    family: 'numa',
    syscalls: ['move_pages', 'migrate_pages'],
    why: "moves another process's pages between NUMA nodes",
  },
  {
    family: 'system',
    syscalls: ['syslog', 'vhangup', 'sethostname', 'setdomainname', 'fanotify_init'],
    why: 'the kernel log, the terminal, the host and domain names, file-system-wide notification',
  },
  {
    family: 'lsm',
    syscalls: ['lsm_get_self_attr', 'lsm_set_self_attr', 'lsm_list_modules'],
    why: "the security modules' own state",
  },
];

/** clone(2) flags that make new namespaces (arg0 on x86_64 and aarch64; only its low 32 bits count). */
export const cloneNamespaceFlags = {
  CLONE_NEWNS: 0x00020000,
  CLONE_NEWCGROUP: 0x02000000,
  CLONE_NEWUTS: 0x04000000,
  CLONE_NEWIPC: 0x08000000,
  CLONE_NEWUSER: 0x10000000,
  CLONE_NEWPID: 0x20000000,
  CLONE_NEWNET: 0x40000000,
} as const;
export const cloneNamespaceMask = Object.values(cloneNamespaceFlags).reduce((mask, flag) => mask | flag, 0) >>> 0;

/** personality(2) values allowed (Docker's): PER_LINUX, PER_LINUX32, UNAME26 with each, and the query. */
export const allowedPersonalities: readonly number[] = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

/** socket(2) domains refused (as Docker does): the kernel crypto API, and vsock, which no net namespace stops. */
export const deniedSocketDomains = { AF_ALG: 38, AF_VSOCK: 40 } as const;

export const errno = { EPERM: 1, ENOSYS: 38 } as const;
