// The seccomp filter every run at the namespaces and full levels gets (bwrap --seccomp FD): default allow,
// an explicit deny list, argument checks for clone, personality and socket, and one native ABI per arch.
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Assembler, encode, type Instruction, SECCOMP_RET, seccompData, validate } from './bpf.ts';
import {
  allowedPersonalities,
  auditArch,
  cloneNamespaceMask,
  deniedFamilies,
  deniedSocketDomains,
  errno,
  type SeccompArch,
  type SyscallName,
  seccompArches,
  syscallNumber,
  x32Bit,
} from './syscalls.ts';

export const seccompFileName = 'seccomp.bpf';

const eperm = SECCOMP_RET.ERRNO | errno.EPERM;
const enosys = SECCOMP_RET.ERRNO | errno.ENOSYS;
/** Conditional jumps reach 255 instructions: the deny list is cut into runs that each end in their own return. */
const chunk = 200;

function checkArch(arch: string): SeccompArch {
  if (!(seccompArches as readonly string[]).includes(arch)) {
    throw new Error(
      `No seccomp syscall table for architecture ${arch}: the filter is built for ${seccompArches.join(' and ')} only`,
    );
  }
  return arch as SeccompArch;
}

/** The numbers denied outright (EPERM) on `arch`, sorted, with the names behind them. */
export function deniedSyscalls(arch: NodeJS.Architecture = process.arch): Array<{ name: SyscallName; nr: number }> {
  const checked = checkArch(arch);
  return deniedFamilies
    .flatMap((family) => family.syscalls)
    .map((name) => ({ name, nr: syscallNumber(checked, name) }))
    .filter((entry): entry is { name: SyscallName; nr: number } => entry.nr !== null)
    .sort((a, b) => a.nr - b.nr);
}

/** The filter as instructions (see seccompProgram for the bytes). */
export function seccompInstructions(arch: NodeJS.Architecture = process.arch): Instruction[] {
  const checked = checkArch(arch);
  const nr = (name: SyscallName) => {
    const value = syscallNumber(checked, name);
    if (value === null) throw new Error(`${name} has no number on ${checked}`);
    return value;
  };
  const asm = new Assembler();
  // Any other ABI (i386 through int 0x80, AArch32) is refused whole: the tables below are for the native one.
  asm.load(seccompData.arch).jeq(auditArch[checked], 'native').ret(enosys).label('native');
  asm.load(seccompData.nr);
  // x32 calls arrive as x86_64 with bit 30 set in nr: refused as on a kernel built without x32.
  if (checked === 'x64') asm.jge(x32Bit, 'x32', 'x32-done').label('x32').ret(enosys).label('x32-done');

  // The calls that depend on their arguments come first: clone runs this part at every fork and thread
  // (the kernel caches the verdict of the others, which depend on nr alone).
  asm.jeq(nr('clone'), 'clone', 'clone-done').label('clone');
  asm.load(seccompData.argLow(0)).jset(cloneNamespaceMask, 'clone-deny').ret(SECCOMP_RET.ALLOW);
  asm.label('clone-deny').ret(eperm).label('clone-done');
  // clone3 takes its flags in memory the filter cannot read: ENOSYS, on which glibc falls back to clone.
  asm.jeq(nr('clone3'), 'clone3', 'clone3-done').label('clone3').ret(enosys).label('clone3-done');

  asm.jeq(nr('personality'), 'personality', 'personality-done').label('personality');
  asm.load(seccompData.argLow(0));
  for (const value of allowedPersonalities) asm.jeq(value, 'personality-allow');
  asm.ret(eperm).label('personality-allow').ret(SECCOMP_RET.ALLOW).label('personality-done');

  asm.jeq(nr('socket'), 'socket', 'socket-done').label('socket');
  asm.load(seccompData.argLow(0));
  for (const domain of Object.values(deniedSocketDomains)) asm.jeq(domain, 'socket-deny');
  asm.ret(SECCOMP_RET.ALLOW).label('socket-deny').ret(eperm).label('socket-done');

  const denied = deniedSyscalls(checked);
  for (let start = 0; start < denied.length; start += chunk) {
    const deny = `deny-${start}`;
    const done = `deny-${start}-done`;
    for (const entry of denied.slice(start, start + chunk)) asm.jeq(entry.nr, deny);
    asm.ja(done).label(deny).ret(eperm).label(done);
  }
  asm.ret(SECCOMP_RET.ALLOW);
  const program = asm.assemble();
  validate(program);
  return program;
}

/**
 * The raw `struct sock_filter[]` that `bwrap --seccomp FD` reads, for `arch` (Node's names: x64, arm64).
 * Throws for an architecture without a table.
 */
export function seccompProgram(arch: NodeJS.Architecture = process.arch): Buffer {
  return encode(seccompInstructions(arch));
}

/** Writes the filter of this host's architecture to `<dir>/seccomp.bpf` (mode 0644) and returns the path. */
export function writeSeccompFilter(dir: string): string {
  const file = path.join(dir, seccompFileName);
  writeFileSync(file, seccompProgram(), { mode: 0o644 });
  chmodSync(file, 0o644); // whatever the umask: the wrapper opens it as the box uid
  return file;
}

/** One line for the namespaces layer's detail. */
export function describeSeccompFilter(arch: NodeJS.Architecture = process.arch): string {
  const count = deniedSyscalls(arch).length + 1; // + clone3
  return `seccomp filter: ${count} syscalls denied (EPERM, clone3 ENOSYS), clone with CLONE_NEW* flags, personality changes, AF_ALG and AF_VSOCK sockets; other ABIs ENOSYS`;
}
