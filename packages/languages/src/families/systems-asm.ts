import type { Language } from '../types.ts';

// x86-64 assembly in NASM's syntax, linked by ld into a static program without libc: Linux system calls only
// (rax = the call's number, its arguments in rdi, rsi, rdx; syscall clobbers rcx and r11).

export const assembly: Language = {
  name: 'assembly',
  aliases: ['nasm', 'asm'],
  extensions: ['.asm', '.nasm'],
  fileName: 'main.asm',
  editorMode: 'asm',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [45],
      // ld comes from binutils.
      debianPackages: ['nasm', 'binutils'],
      tools: { nasm: 'nasm', sh: 'sh' },
      version: {
        argv: ['nasm', '-v'],
        pattern: /NASM version (\d+\.\d+(?:\.\d+)?)/,
        example: ['NASM version 2.16.01', '2.16.01'],
      },
      // Two steps (assemble, then link), hence a shell; main.o is not needed to run.
      compile: ['sh', '-c', 'nasm -f elf64 -o main.o "$1" && ld -o main main.o', 'sh', '{main}'],
      run: ['./main', '{args}'],
      cacheIgnore: ['main.o'],
    },
  ],
  tests: {
    hello: `        global  _start
        section .rodata
msg:    db      "hello world", 10
        section .text
_start: mov     eax, 1              ; write(1, msg, 12)
        mov     edi, 1
        lea     rsi, [rel msg]
        mov     edx, 12
        syscall
        mov     eax, 60             ; exit(0)
        xor     edi, edi
        syscall
`,
    echoStdin: `        global  _start
        section .bss
buf:    resb    4096
        section .text
_start: xor     eax, eax            ; read(0, buf, 4096)
        xor     edi, edi
        lea     rsi, [rel buf]
        mov     edx, 4096
        syscall
        test    rax, rax
        jle     .done
        mov     rdx, rax            ; write(1, buf, what was read)
        mov     eax, 1
        mov     edi, 1
        syscall
        jmp     _start
.done:  mov     eax, 60
        xor     edi, edi
        syscall
`,
    printArgs: `        global  _start
        section .rodata
space:  db      " "
newline: db     10
        section .text
_start: mov     rbx, [rsp]          ; argc, then argv[0], argv[1] ...
        lea     r12, [rsp + 16]
        dec     rbx
        jz      .end
.arg:   mov     rsi, [r12]
        xor     edx, edx
.len:   cmp     byte [rsi + rdx], 0
        je      .write
        inc     rdx
        jmp     .len
.write: mov     eax, 1
        mov     edi, 1
        syscall
        add     r12, 8
        dec     rbx
        jz      .end
        mov     eax, 1
        mov     edi, 1
        lea     rsi, [rel space]
        mov     edx, 1
        syscall
        jmp     .arg
.end:   mov     eax, 1
        mov     edi, 1
        lea     rsi, [rel newline]
        mov     edx, 1
        syscall
        mov     eax, 60
        xor     edi, edi
        syscall
`,
    exit3: `        global  _start
        section .text
_start: mov     eax, 60             ; exit(3)
        mov     edi, 3
        syscall
`,
    uncaught: {
      source: `        global  _start
        section .rodata
msg:    db      "boom", 10
        section .text
_start: mov     eax, 1              ; write(2, msg, 5)
        mov     edi, 2
        lea     rsi, [rel msg]
        mov     edx, 5
        syscall
        mov     byte [0], 1         ; a write to address 0: SIGSEGV
`,
      code: null,
      signal: 'SIGSEGV',
      stderr: /boom/,
    },
    compileError: `        global  _start
        section .text
_start: mvo     eax, 60
`,
  },
  sample: `; Greets the name read from stdin, then prints the args and the squares of 1 to 5.
; Linux x86-64 system calls, no libc: rax = the call, its arguments in rdi, rsi, rdx.
        global  _start

        section .bss
name:   resb    64
number: resb    20

        section .rodata
hello:  db      "Hello, "
world:  db      "world"
bang:   db      "!", 10
argsl:  db      "args:"
space:  db      " "
newline: db     10

        section .text
_start: mov     r12, rsp            ; [rsp]: argc, then argv[0], argv[1] ...
        xor     eax, eax            ; read(0, name, 64)
        xor     edi, edi
        lea     rsi, [rel name]
        mov     edx, 64
        syscall
        xor     ebx, ebx            ; the name ends at a newline or where the input ends
.scan:  cmp     rbx, rax
        jge     .greet
        cmp     byte [name + rbx], 10
        je      .greet
        inc     rbx
        jmp     .scan
.greet: lea     rsi, [rel hello]
        mov     edx, 7
        call    print
        lea     rsi, [rel name]
        mov     rdx, rbx
        test    rbx, rbx
        jnz     .named
        lea     rsi, [rel world]
        mov     edx, 5
.named: call    print
        lea     rsi, [rel bang]
        mov     edx, 2
        call    print

        lea     rsi, [rel argsl]    ; args: a b c
        mov     edx, 5
        call    print
        mov     rbx, [r12]
        lea     r13, [r12 + 16]
.arg:   dec     rbx
        jz      .args_done
        call    print_space
        mov     rsi, [r13]
        xor     edx, edx
.len:   cmp     byte [rsi + rdx], 0
        je      .print_arg
        inc     rdx
        jmp     .len
.print_arg:
        call    print
        add     r13, 8
        jmp     .arg
.args_done:
        call    print_newline

        mov     r14, 1              ; 1 4 9 16 25
.square:
        mov     rax, r14
        imul    rax, r14
        call    print_number
        call    print_space
        inc     r14
        cmp     r14, 5
        jle     .square
        call    print_newline

        mov     eax, 60             ; exit(0)
        xor     edi, edi
        syscall

print:                              ; write(1, rsi, rdx)
        mov     eax, 1
        mov     edi, 1
        syscall
        ret

print_space:
        lea     rsi, [rel space]
        mov     edx, 1
        jmp     print

print_newline:
        lea     rsi, [rel newline]
        mov     edx, 1
        jmp     print

print_number:                       ; rax in decimal, its digits written from the end of number
        lea     rsi, [rel number + 20]
        mov     ecx, 10
.digit: xor     edx, edx
        div     rcx
        add     dl, "0"
        dec     rsi
        mov     [rsi], dl
        test    rax, rax
        jnz     .digit
        lea     rdx, [rel number + 20]
        sub     rdx, rsi
        jmp     print
`,
};
