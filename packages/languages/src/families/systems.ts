import type { Language } from '../types.ts';
import { assembly } from './systems-asm.ts';

// Compiled to a native program in the box (./main): Nim and Vala through C (gcc), Crystal through LLVM
// (linked by cc), Objective-C with gcc's GNU runtime (no Foundation), and NASM assembly (ld, no libc).

export const nim: Language = {
  name: 'nim',
  aliases: ['nim-lang'],
  extensions: ['.nim'],
  fileName: 'main.nim',
  editorMode: 'python',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [],
      // nim only recommends gcc, which it generates C for.
      debianPackages: ['nim', 'gcc', 'libc6-dev'],
      tools: { nim: 'nim' },
      version: {
        argv: ['nim', '--version'],
        pattern: /Nim Compiler Version (\d+\.\d+\.\d+)/,
        example: [
          'Nim Compiler Version 1.6.10 [Linux: amd64]\nCompiled at 2023-02-12\nCopyright (c) 2006-2021 by Andreas Rumpf\n\nactive boot switches: -d:release',
          '1.6.10',
        ],
      },
      // The debug build (no -d:release): about 1 s of CPU for hello world against 3 s, with stack traces
      // and runtime checks. The C files and objects go to ./nimcache (not ~/.cache/nim), one gcc at a time;
      // gcc's warnings about the generated C are not the user's (-w).
      compile: [
        'nim',
        'compile',
        '--hints:off',
        '--colors:off',
        '--nimcache:nimcache',
        '--parallelBuild:1',
        '--passC:-w',
        '-o:main',
        '{main}',
      ],
      run: ['./main', '{args}'],
      cacheIgnore: ['nimcache'],
      // nim.cfg: the standard library's directories (without them `import std/os` fails) and gcc's options.
      etc: ['nim'],
    },
  ],
  tests: {
    hello: 'echo "hello world"',
    echoStdin: 'stdout.write(stdin.readAll())',
    printArgs: 'import std/[os, strutils]\necho commandLineParams().join(" ")',
    exit3: 'quit(3)',
    uncaught: {
      source: 'raise newException(ValueError, "boom")',
      code: 1,
      stderr: /unhandled exception: boom \[ValueError\]/,
    },
    compileError: 'let x: int = "text"',
  },
  sample: `import std/[os, sequtils, strutils]

var name = ""
try:
  name = stdin.readLine().strip()
except EOFError:
  discard
if name.len == 0:
  name = "world"
echo "Hello, ", name, "!"
echo "args: ", commandLineParams()
let squares = toSeq(1..5).mapIt(it * it)
echo "squares: ", squares.join(" ")
`,
};

export const crystal: Language = {
  name: 'crystal',
  aliases: ['cr'],
  extensions: ['.cr'],
  fileName: 'main.cr',
  editorMode: 'crystal',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [],
      // crystal depends on gcc (its linker driver), pkg-config and the -dev packages it links against.
      debianPackages: ['crystal', 'libc6-dev'],
      tools: { crystal: 'crystal' },
      version: {
        argv: ['crystal', '--version'],
        pattern: /Crystal (\d+\.\d+\.\d+)/,
        example: ['Crystal 1.6.0 (2022-10-06)\n\nLLVM: 14.0.6\nDefault target: x86_64-pc-linux-gnu', '1.6.0'],
      },
      // A non-release build without debug info: about 3 s of CPU and 230 MiB for hello world (linking
      // included). --threads 1: its codegen otherwise forks up to 8 workers, whose memory (counted per
      // process where there is no cgroup) went over 512 MiB (670 MiB at the level namespaces).
      compile: ['crystal', 'build', '--threads', '1', '--no-debug', '--no-color', '-o', 'main', '{main}'],
      run: ['./main', '{args}'],
      // Its cache of generated objects: in the box (HOME is /box otherwise), left out of the compile cache.
      env: { CRYSTAL_CACHE_DIR: '.cache/crystal' },
      cacheIgnore: ['.cache'],
    },
  ],
  tests: {
    hello: 'puts "hello world"',
    echoStdin: 'IO.copy(STDIN, STDOUT)',
    printArgs: 'puts ARGV.join(" ")',
    exit3: 'exit 3',
    uncaught: { source: 'raise "boom"', code: 1, stderr: /Unhandled exception: boom/ },
    compileError: 'puts undefined_variable',
  },
  sample: `name = (STDIN.gets || "").strip
name = "world" if name.empty?
puts "Hello, #{name}!"
puts "args: #{ARGV}"
squares = (1..5).map { |n| n * n }
puts "squares: #{squares.join(" ")}"
`,
};

export const objectiveC: Language = {
  name: 'objective-c',
  aliases: ['objc', 'objectivec'],
  extensions: ['.m'],
  fileName: 'main.m',
  editorMode: 'objectivec',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [79],
      // gobjc: gcc's Objective-C compiler (cc1obj) and the GNU runtime (libobjc); no Foundation (GNUstep).
      debianPackages: ['gobjc', 'libc6-dev'],
      tools: { gcc: 'gcc' },
      // gcc alone may lack cc1obj: preprocessing as Objective-C proves it is there (`"12.2.0" 1`).
      version: {
        argv: ['gcc', '-x', 'objective-c', '-E', '-'],
        stdin: '__VERSION__ __OBJC__\n',
        pattern: /^"(\d+\.\d+\.\d+)[^"]*" 1$/m,
        example: ['# 0 "<stdin>"\n# 1 "<stdin>"\n"12.2.0" 1', '12.2.0'],
      },
      // gcc's Objective-C defaults to gnu89 (no `for (int i ...)`).
      compile: [
        'gcc',
        '-O2',
        '-std=gnu17',
        '-o',
        'main',
        '-x',
        'objective-c',
        '{sources}',
        '-x',
        'none',
        '-lobjc',
        '-lm',
      ],
      run: ['./main', '{args}'],
    },
  ],
  tests: {
    hello: '#import <stdio.h>\nint main(void) { printf("hello world\\n"); return 0; }',
    echoStdin: '#import <stdio.h>\nint main(void) { int c; while ((c = getchar()) != EOF) putchar(c); return 0; }',
    printArgs:
      '#import <stdio.h>\nint main(int argc, char **argv) { for (int i = 1; i < argc; i++) printf(i > 1 ? " %s" : "%s", argv[i]); printf("\\n"); return 0; }',
    exit3: 'int main(void) { return 3; }',
    uncaught: {
      source: '#import <stdio.h>\n#import <stdlib.h>\nint main(void) { fputs("boom\\n", stderr); abort(); }',
      code: null,
      signal: 'SIGABRT',
      stderr: /boom/,
    },
    compileError: '#import <stdio.h>\nint main(void) { return undefined_variable; }',
  },
  sample: `#import <objc/runtime.h>
#import <stdio.h>

// A root class of its own: there is no Foundation (NSObject), only the GNU Objective-C runtime.
__attribute__((objc_root_class))
@interface Greeter {
    Class isa;
    char name[64];
}
+ (id)greeterWithName:(const char *)name;
- (void)greet;
@end

@implementation Greeter
+ (id)greeterWithName:(const char *)aName {
    Greeter *greeter = class_createInstance(self, 0);
    snprintf(greeter->name, sizeof greeter->name, "%s", aName);
    return greeter;
}
- (void)greet {
    printf("Hello, %s!\\n", name);
}
@end

int main(int argc, char **argv) {
    char name[64] = "world";
    if (scanf("%63s", name) != 1) { /* keep the default */ }
    [[Greeter greeterWithName:name] greet];
    printf("args:");
    for (int i = 1; i < argc; i++) printf(" %s", argv[i]);
    printf("\\n");
    for (int n = 1; n <= 5; n++) printf("%d ", n * n);
    printf("\\n");
    return 0;
}
`,
};

export const vala: Language = {
  name: 'vala',
  aliases: [],
  extensions: ['.vala'],
  fileName: 'main.vala',
  editorMode: 'csharp',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [],
      // valac generates C for gcc (only recommended) against GLib's headers (libglib2.0-dev, pkg-config).
      debianPackages: ['valac', 'libglib2.0-dev', 'gcc', 'libc6-dev'],
      tools: { valac: 'valac' },
      version: { argv: ['valac', '--version'], pattern: /Vala (\d+\.\d+\.\d+)/, example: ['Vala 0.56.3', '0.56.3'] },
      // --quiet: no "Compilation failed" on stdout after the errors on stderr; -X -w: no warnings from gcc about the C that valac generated (not the user's code).
      compile: ['valac', '--quiet', '-X', '-w', '-o', 'main', '{sources}'],
      run: ['./main', '{args}'],
    },
  ],
  tests: {
    hello: 'void main() { print("hello world\\n"); }',
    echoStdin: 'void main() { int c; while ((c = stdin.getc()) != FileStream.EOF) stdout.putc((char) c); }',
    printArgs: 'void main(string[] args) { print("%s\\n", string.joinv(" ", args[1:args.length])); }',
    exit3: 'void main() { Process.exit(3); }',
    // An uncaught Vala error only logs a warning and goes on: GLib's error() is the fatal one (a trap).
    uncaught: { source: 'void main() { error("boom"); }', code: null, signal: 'SIGTRAP', stderr: /boom/ },
    compileError: 'void main() { int x = "text"; }',
  },
  sample: `int main(string[] args) {
    var line = stdin.read_line();
    var name = line == null ? "" : line.strip();
    if (name == "") name = "world";
    print("Hello, %s!\\n", name);
    print("args: %s\\n", string.joinv(", ", args[1:args.length]));
    for (int n = 1; n <= 5; n++) print("%d ", n * n);
    print("\\n");
    return 0;
}
`,
};

export const systems: readonly Language[] = [nim, crystal, objectiveC, vala, assembly];
