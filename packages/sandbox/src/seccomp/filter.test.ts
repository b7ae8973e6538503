// The filter's verdicts, without processes: the program runs in bpf.ts's interpreter on synthetic seccomp_data.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Assembler,
  BPF,
  decode,
  encode,
  maxInstructions,
  runFilter,
  SECCOMP_RET,
  type SeccompInput,
  validate,
  verdictName,
} from './bpf.ts';
import {
  deniedSyscalls,
  describeSeccompFilter,
  seccompInstructions,
  seccompProgram,
  writeSeccompFilter,
} from './filter.ts';
import {
  auditArch,
  cloneNamespaceFlags,
  deniedFamilies,
  foreignAudit,
  type SeccompArch,
  type SyscallName,
  seccompArches,
  syscallNames,
  syscallNumber,
  x32Bit,
} from './syscalls.ts';

const ALLOW = 'ALLOW';
const EPERM = 'ERRNO(1)';
const ENOSYS = 'ERRNO(38)';
const SIGCHLD = 17;
// What glibc's pthread_create passes to clone.
const threadFlags = 0x3d0f00; // VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID

describe.each(seccompArches)('seccomp filter for %s', (arch: SeccompArch) => {
  const program = seccompInstructions(arch);
  const nr = (name: SyscallName) => syscallNumber(arch, name) as number;
  const verdict = (input: Partial<SeccompInput> & { nr: number }) =>
    verdictName(runFilter(program, { arch: auditArch[arch], ...input }));
  const call = (name: SyscallName, ...args: Array<number | bigint>) => verdict({ nr: nr(name), args });

  it('is a valid program the kernel takes', () => {
    expect(() => validate(program)).not.toThrow();
    expect(program.length).toBeLessThan(maxInstructions);
    const bytes = seccompProgram(arch);
    expect(bytes.length).toBe(program.length * 8);
    expect(decode(bytes)).toEqual(program);
    expect(seccompProgram(arch).equals(bytes)).toBe(true); // deterministic
  });

  const families = deniedFamilies.flatMap((family) =>
    family.syscalls.filter((name) => syscallNumber(arch, name) !== null).map((name) => [family.family, name] as const),
  );
  it.each(families)('denies %s: %s with EPERM', (_family, name) => {
    expect(call(name)).toBe(EPERM);
    expect(call(name, 1, 2, 3, 4, 5, 6)).toBe(EPERM);
  });

  it('skips the calls the architecture does not have', () => {
    const absent = deniedFamilies.flatMap((f) => f.syscalls).filter((name) => syscallNumber(arch, name) === null);
    expect(absent).toEqual(
      arch === 'x64'
        ? []
        : ['create_module', 'get_kernel_syms', 'query_module', '_sysctl', 'sysfs', 'uselib', 'ustat', 'iopl', 'ioperm'],
    );
    expect(deniedSyscalls(arch).length).toBe(families.length);
  });

  it('gives clone3 ENOSYS, whatever its arguments, so glibc falls back to clone', () => {
    expect(call('clone3')).toBe(ENOSYS);
    expect(call('clone3', 0x1000, 88)).toBe(ENOSYS);
  });

  it.each(Object.entries(cloneNamespaceFlags))('denies clone with %s', (_name, flag) => {
    expect(call('clone', flag | SIGCHLD)).toBe(EPERM);
    expect(call('clone', flag | threadFlags)).toBe(EPERM);
  });

  it('allows clone for fork, vfork and threads, and reads only the low 32 bits of the flags', () => {
    expect(call('clone', SIGCHLD)).toBe(ALLOW);
    expect(call('clone', 0x4111)).toBe(ALLOW); // CLONE_VM | CLONE_VFORK | SIGCHLD (posix_spawn)
    expect(call('clone', threadFlags)).toBe(ALLOW);
    expect(call('clone', threadFlags, 0x7f0000000000n, 0x10000000)).toBe(ALLOW); // ns bits in other args
    // The kernel's legacy clone uses lower_32_bits(flags): the high half changes nothing.
    expect(call('clone', (BigInt(cloneNamespaceFlags.CLONE_NEWUSER) << 32n) | BigInt(SIGCHLD))).toBe(ALLOW);
  });

  it('allows the default personalities and the query, denies the rest', () => {
    for (const value of [0, 0x8, 0x20000, 0x20008, 0xffffffff]) expect(call('personality', value)).toBe(ALLOW);
    expect(call('personality', 0xffffffffn)).toBe(ALLOW);
    expect(call('personality', 0x0400000)).toBe(EPERM); // READ_IMPLIES_EXEC
    expect(call('personality', 0x0040000)).toBe(EPERM); // ADDR_NO_RANDOMIZE
    expect(call('personality', 0x0800000)).toBe(EPERM); // ADDR_LIMIT_3GB
    expect(call('personality', 0x1)).toBe(EPERM);
  });

  it('denies AF_ALG and AF_VSOCK sockets, allows the usual families', () => {
    expect(call('socket', 38, 5, 0)).toBe(EPERM);
    expect(call('socket', 40, 1, 0)).toBe(EPERM);
    for (const domain of [1, 2, 10, 16, 17]) expect(call('socket', domain, 1, 0)).toBe(ALLOW); // unix inet inet6 netlink packet
  });

  it.each(['read', 'write', 'openat', 'mmap', 'execve', 'getpid', 'mbind', 'get_mempolicy', 'set_mempolicy'] as const)(
    'allows %s',
    (name) => {
      expect(call(name)).toBe(ALLOW);
      expect(call(name, 0xffffffffffffffffn, 1, 2)).toBe(ALLOW);
    },
  );

  it('allows every number it does not name, up to past the newest calls', () => {
    const named = new Set([
      ...deniedSyscalls(arch).map((entry) => entry.nr),
      nr('clone'),
      nr('clone3'),
      nr('personality'),
      nr('socket'),
    ]);
    for (let n = 0; n < 600; n++) {
      if (!named.has(n)) expect(verdict({ nr: n }), `nr ${n}`).toBe(ALLOW);
    }
  });

  it('refuses other ABIs with ENOSYS, whatever the call', () => {
    const others = [...Object.values(foreignAudit), ...Object.values(auditArch).filter((a) => a !== auditArch[arch])];
    for (const other of others) {
      for (const n of [0, 1, 3, 4, 20, 56, 120, 435]) expect(verdict({ nr: n, arch: other })).toBe(ENOSYS);
    }
    expect(verdict({ nr: 0, arch: 0 })).toBe(ENOSYS);
  });

  it(arch === 'x64' ? 'refuses x32 calls (nr | 0x40000000) with ENOSYS' : 'has no x32 check', () => {
    const x32 = (n: number) => verdict({ nr: (x32Bit | n) >>> 0 });
    if (arch === 'x64') {
      for (const n of [0, 1, 39, 56, 59, 101, 512, 0x3fffffff]) expect(x32(n)).toBe(ENOSYS);
      expect(verdict({ nr: -1 })).toBe(ENOSYS); // any nr from 0x40000000 up
    } else {
      expect(x32(0)).toBe(ALLOW); // not a valid aarch64 number: the kernel answers ENOSYS itself
    }
  });
});

describe('seccomp generator', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('throws a clear error for an architecture without a table', () => {
    expect(() => seccompProgram('riscv64')).toThrow(/No seccomp syscall table for architecture riscv64.*x64 and arm64/);
    expect(() => seccompProgram('ia32')).toThrow(/ia32/);
  });

  it('builds the host architecture by default', () => {
    if (process.arch === 'x64' || process.arch === 'arm64') {
      expect(seccompProgram().equals(seccompProgram(process.arch))).toBe(true);
    } else {
      expect(() => seccompProgram()).toThrow(/No seccomp syscall table/);
    }
  });

  it('writes <dir>/seccomp.bpf, mode 0644, and returns its path', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'seccomp-test-'));
    dirs.push(dir);
    const old = process.umask(0o077);
    let file: string;
    try {
      file = writeSeccompFilter(dir);
    } finally {
      process.umask(old);
    }
    expect(file).toBe(path.join(dir, 'seccomp.bpf'));
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(readFileSync(file).equals(seccompProgram())).toBe(true);
  });

  it('describes itself in one line with the count of denied calls', () => {
    expect(describeSeccompFilter('x64')).toMatch(/^seccomp filter: 67 syscalls denied \(EPERM, clone3 ENOSYS\)/);
    expect(describeSeccompFilter('arm64')).toMatch(/^seccomp filter: 58 syscalls denied/);
  });

  it('names each syscall once, in one family at most', () => {
    const all = deniedFamilies.flatMap((f) => f.syscalls);
    expect(new Set(all).size).toBe(all.length);
    for (const arch of seccompArches) {
      const numbers = syscallNames.map((name) => syscallNumber(arch, name)).filter((n) => n !== null);
      expect(new Set(numbers).size, arch).toBe(numbers.length);
    }
  });

  // The tables are typed in by hand: where the host has kernel headers, they must agree.
  it.for([
    ['x64', '/usr/include/x86_64-linux-gnu/asm/unistd_64.h'],
    ['arm64', '/usr/include/asm-generic/unistd.h'],
  ] as const)('agrees with the host headers for %s (%s)', ([arch, header], ctx) => {
    if (!existsSync(header)) {
      console.info(`[seccomp test] skipped: no ${header} (linux-libc-dev)`);
      ctx.skip();
    }
    const text = readFileSync(header, 'utf8');
    let compared = 0;
    for (const name of syscallNames) {
      const match = new RegExp(`^#define __NR(?:3264)?_${name}\\s+(\\d+)`, 'm').exec(text);
      if (!match) continue; // newer than the headers (e.g. open_tree_attr), or not on this arch
      expect(syscallNumber(arch, name), name).toBe(Number(match[1]));
      compared++;
    }
    expect(compared).toBeGreaterThan(50);
  });
});

describe('bpf helpers', () => {
  it('refuses a conditional jump longer than 255 and an undefined label', () => {
    const far = new Assembler().jeq(1, 'end');
    for (let i = 0; i < 256; i++) far.load(0);
    far.label('end').ret(0);
    expect(() => far.assemble()).toThrow(/does not fit/);
    expect(() => new Assembler().jeq(1, 'nowhere').ret(0).assemble()).toThrow(/not defined/);
    expect(() => new Assembler().label('a').label('a')).toThrow(/twice/);
  });

  it('validates like the kernel: bounds, loads, opcodes, the final return', () => {
    expect(() => validate([])).toThrow(/1 to 4096/);
    expect(() => validate([{ code: BPF.LD_W_ABS, jt: 0, jf: 0, k: 0 }])).toThrow(/end with a return/);
    expect(() => validate([{ code: BPF.LD_W_ABS, jt: 0, jf: 0, k: 2 }])).toThrow(/load offset/);
    expect(() => validate([{ code: BPF.LD_W_ABS, jt: 0, jf: 0, k: 64 }])).toThrow(/load offset/);
    expect(() => validate([{ code: BPF.JEQ_K, jt: 1, jf: 0, k: 0 }])).toThrow(/out of the program/);
    expect(() => validate([{ code: 0x07, jt: 0, jf: 0, k: 0 }])).toThrow(/opcode 0x7/);
    expect(() => decode(Buffer.alloc(12))).toThrow(/multiple of 8/);
  });

  it('encodes struct sock_filter little-endian, 8 bytes each', () => {
    const bytes = encode([{ code: BPF.JEQ_K, jt: 3, jf: 4, k: 0xc000003e }]);
    expect([...bytes]).toEqual([0x15, 0x00, 0x03, 0x04, 0x3e, 0x00, 0x00, 0xc0]);
    expect(verdictName(SECCOMP_RET.KILL_PROCESS)).toBe('KILL_PROCESS');
    expect(verdictName(0x12345)).toBe('0x12345');
  });
});
