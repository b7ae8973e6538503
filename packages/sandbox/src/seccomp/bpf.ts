// Classic BPF as seccomp takes it: a tiny assembler with labels, and an interpreter for the tests and for
// anyone who wants to ask the filter a question without a process.

export const BPF = {
  LD_W_ABS: 0x20, // BPF_LD | BPF_W | BPF_ABS: A = u32 at offset k of seccomp_data
  JA: 0x05, // BPF_JMP | BPF_JA: pc += k
  JEQ_K: 0x15, // BPF_JMP | BPF_JEQ | BPF_K
  JGE_K: 0x35, // BPF_JMP | BPF_JGE | BPF_K (unsigned)
  JSET_K: 0x45, // BPF_JMP | BPF_JSET | BPF_K: A & k != 0
  RET_K: 0x06, // BPF_RET | BPF_K
} as const;

export const SECCOMP_RET = {
  KILL_PROCESS: 0x80000000,
  ERRNO: 0x00050000, // | errno in the low 16 bits
  ALLOW: 0x7fff0000,
} as const;

/** Offsets in struct seccomp_data (little-endian: the low half of argument i is at 16 + 8 * i). */
export const seccompData = { nr: 0, arch: 4, instructionPointer: 8, argLow: (i: number) => 16 + 8 * i, size: 64 };

/** The kernel's BPF_MAXINSNS. */
export const maxInstructions = 4096;

export interface Instruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** A jump target: a label, or `next` (fall through). */
type Target = string;
const next = 'next';

interface Pending {
  code: number;
  k: number;
  jt?: Target;
  jf?: Target;
}

/** Builds a program with named jump targets; assemble() resolves them and refuses a jump it cannot encode. */
export class Assembler {
  readonly #code: Pending[] = [];
  readonly #labels = new Map<string, number>();

  label(name: string): this {
    if (this.#labels.has(name)) throw new Error(`BPF label ${name} defined twice`);
    this.#labels.set(name, this.#code.length);
    return this;
  }

  load(offset: number): this {
    this.#code.push({ code: BPF.LD_W_ABS, k: offset });
    return this;
  }

  jeq(k: number, jt: Target, jf: Target = next): this {
    this.#code.push({ code: BPF.JEQ_K, k, jt, jf });
    return this;
  }

  jge(k: number, jt: Target, jf: Target = next): this {
    this.#code.push({ code: BPF.JGE_K, k, jt, jf });
    return this;
  }

  jset(k: number, jt: Target, jf: Target = next): this {
    this.#code.push({ code: BPF.JSET_K, k, jt, jf });
    return this;
  }

  /** Unconditional jump (32-bit offset: any distance). */
  ja(target: Target): this {
    this.#code.push({ code: BPF.JA, k: 0, jt: target });
    return this;
  }

  ret(value: number): this {
    this.#code.push({ code: BPF.RET_K, k: value });
    return this;
  }

  assemble(): Instruction[] {
    const offset = (from: number, target: Target | undefined, max: number): number => {
      if (target === undefined || target === next) return 0;
      const to = this.#labels.get(target);
      if (to === undefined) throw new Error(`BPF label ${target} is not defined`);
      const distance = to - from - 1;
      if (distance < 0 || distance > max) {
        throw new Error(`BPF jump from ${from} to ${target} (${to}) does not fit: ${distance} > ${max}`);
      }
      return distance;
    };
    return this.#code.map((insn, pc) =>
      insn.code === BPF.JA
        ? { code: insn.code, jt: 0, jf: 0, k: offset(pc, insn.jt, 0xffffffff) }
        : { code: insn.code, jt: offset(pc, insn.jt, 255), jf: offset(pc, insn.jf, 255), k: insn.k >>> 0 },
    );
  }
}

/** The bytes of `struct sock_filter[]` (u16 code, u8 jt, u8 jf, u32 k; host order: little-endian here). */
export function encode(program: readonly Instruction[]): Buffer {
  const buffer = Buffer.alloc(program.length * 8);
  program.forEach((insn, i) => {
    buffer.writeUInt16LE(insn.code, i * 8);
    buffer.writeUInt8(insn.jt, i * 8 + 2);
    buffer.writeUInt8(insn.jf, i * 8 + 3);
    buffer.writeUInt32LE(insn.k >>> 0, i * 8 + 4);
  });
  return buffer;
}

export function decode(bytes: Buffer): Instruction[] {
  if (bytes.length === 0 || bytes.length % 8 !== 0) {
    throw new Error(`a BPF program is a non-empty multiple of 8 bytes, got ${bytes.length}`);
  }
  const program: Instruction[] = [];
  for (let i = 0; i < bytes.length; i += 8) {
    program.push({
      code: bytes.readUInt16LE(i),
      jt: bytes.readUInt8(i + 2),
      jf: bytes.readUInt8(i + 3),
      k: bytes.readUInt32LE(i + 4),
    });
  }
  return program;
}

/** What the kernel checks before it takes a filter (the subset of opcodes this generator uses). */
export function validate(program: readonly Instruction[]): void {
  if (program.length === 0 || program.length > maxInstructions) {
    throw new Error(`a filter has 1 to ${maxInstructions} instructions, got ${program.length}`);
  }
  program.forEach((insn, pc) => {
    const inRange = (offset: number) => pc + 1 + offset < program.length;
    switch (insn.code) {
      case BPF.LD_W_ABS:
        if (insn.k % 4 !== 0 || insn.k + 4 > seccompData.size) throw new Error(`bad load offset ${insn.k} at ${pc}`);
        break;
      case BPF.JA:
        if (!inRange(insn.k)) throw new Error(`jump out of the program at ${pc}`);
        break;
      case BPF.JEQ_K:
      case BPF.JGE_K:
      case BPF.JSET_K:
        if (!inRange(insn.jt) || !inRange(insn.jf)) throw new Error(`jump out of the program at ${pc}`);
        break;
      case BPF.RET_K:
        break;
      default:
        throw new Error(`opcode 0x${insn.code.toString(16)} at ${pc} is not one this generator emits`);
    }
  });
  const last = program[program.length - 1];
  if (last?.code !== BPF.RET_K) throw new Error('a filter must end with a return');
}

export interface SeccompInput {
  nr: number;
  arch: number;
  /** Up to six arguments; a bigint keeps all 64 bits. */
  args?: ReadonlyArray<number | bigint>;
  instructionPointer?: bigint;
}

/** Runs `program` on one system call as the kernel would and returns its SECCOMP_RET_* value. */
export function runFilter(program: readonly Instruction[], input: SeccompInput): number {
  const data = Buffer.alloc(seccompData.size);
  data.writeInt32LE(input.nr | 0, seccompData.nr);
  data.writeUInt32LE(input.arch >>> 0, seccompData.arch);
  data.writeBigUInt64LE(input.instructionPointer ?? 0n, seccompData.instructionPointer);
  (input.args ?? []).forEach((arg, i) => {
    data.writeBigUInt64LE(BigInt.asUintN(64, BigInt(arg)), seccompData.argLow(i));
  });
  let a = 0;
  for (let pc = 0, steps = 0; pc < program.length && steps <= program.length; pc++, steps++) {
    const insn = program[pc] as Instruction;
    switch (insn.code) {
      case BPF.LD_W_ABS:
        a = data.readUInt32LE(insn.k);
        break;
      case BPF.JA:
        pc += insn.k;
        break;
      case BPF.JEQ_K:
        pc += a === insn.k >>> 0 ? insn.jt : insn.jf;
        break;
      case BPF.JGE_K:
        pc += a >= insn.k >>> 0 ? insn.jt : insn.jf;
        break;
      case BPF.JSET_K:
        pc += (a & insn.k) !== 0 ? insn.jt : insn.jf;
        break;
      case BPF.RET_K:
        return insn.k >>> 0;
      default:
        throw new Error(`opcode 0x${insn.code.toString(16)} at ${pc}`);
    }
  }
  throw new Error('the program ran off its end');
}

/** 'ALLOW', 'ERRNO(1)', 'KILL_PROCESS', ... for messages and tests. */
export function verdictName(value: number): string {
  if (value === SECCOMP_RET.ALLOW) return 'ALLOW';
  if (value === SECCOMP_RET.KILL_PROCESS) return 'KILL_PROCESS';
  if ((value & 0xffff0000) >>> 0 === SECCOMP_RET.ERRNO) return `ERRNO(${value & 0xffff})`;
  return `0x${value.toString(16)}`;
}
