import type { Language } from '../types.ts';

// Interpreted languages, most of them scientific or small: R, Octave, Forth, BASIC, CoffeeScript, Haxe, Pike, Emacs Lisp.

// R and Octave link the system BLAS: were OpenBLAS (Octave recommends it) the one installed, it would start a thread per CPU.
const oneBlasThread = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };

export const r: Language = {
  name: 'r',
  aliases: ['rscript'],
  extensions: ['.r'],
  fileName: 'main.r',
  editorMode: 'r',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [80],
      debianPackages: ['r-base-core'],
      tools: { Rscript: 'Rscript' },
      version: {
        argv: ['Rscript', '--version'],
        pattern: /R\) version (\d+\.\d+\.\d+)/,
        example: ['Rscript (R) version 4.2.2 Patched (2022-11-10 r83330)', '4.2.2'],
      },
      // --vanilla: no site or user profile, no .RData restored or saved.
      run: ['Rscript', '--vanilla', '{main}', '{args}'],
      // R reads Renviron and ldpaths from /etc/R (links into /usr/lib/R/etc).
      etc: ['R'],
      env: oneBlasThread,
    },
  ],
  tests: {
    hello: 'cat("hello world\\n")',
    echoStdin: 'writeLines(readLines(file("stdin")))',
    printArgs: 'cat(paste(commandArgs(trailingOnly = TRUE), collapse = " "), "\\n", sep = "")',
    exit3: 'quit(status = 3)',
    uncaught: { source: 'stop("boom")', code: 1, stderr: /Error: boom/ },
  },
  sample: `name <- trimws(readLines(file("stdin"), n = 1))
if (length(name) == 0 || name == "") name <- "world"
cat(sprintf("Hello, %s!\\n", name))
cat("args:", commandArgs(trailingOnly = TRUE), "\\n")
cat("squares:", (1:5)^2, "\\n")
`,
};

export const octave: Language = {
  name: 'octave',
  aliases: ['matlab'],
  // Not .m: Objective-C has it (the CLI guesses a language from it). Octave runs a script of any name.
  extensions: ['.octave'],
  fileName: 'main.octave',
  editorMode: 'octave',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [66],
      debianPackages: ['octave'],
      tools: { 'octave-cli': 'octave-cli' },
      version: {
        argv: ['octave-cli', '--version'],
        pattern: /GNU Octave, version (\d+\.\d+\.\d+)/,
        example: ['GNU Octave, version 7.3.0\nCopyright (C) 1993-2022 The Octave Project Developers.', '7.3.0'],
      },
      // --norc: no site or user startup files; --no-history: nothing written to $HOME (and Octave 7 otherwise
      // prints "error: ignoring const execution_exception& while preparing to exit" when it saves the history).
      run: ['octave-cli', '--no-gui', '--no-window-system', '--norc', '--no-history', '--quiet', '{main}', '{args}'],
      env: oneBlasThread,
    },
  ],
  tests: {
    hello: 'printf("hello world\\n");',
    echoStdin: 'fwrite(stdout, fread(stdin, Inf, "*uint8"));',
    printArgs: 'printf("%s\\n", strjoin(argv()\', " "));',
    exit3: 'exit(3);',
    uncaught: { source: 'error("boom");', code: 1, stderr: /error: boom/ },
  },
  sample: `name = fgetl(stdin);
if ~ischar(name) || isempty(strtrim(name))
  name = "world";
end
printf("Hello, %s!\\n", strtrim(name));
printf("args: %s\\n", strjoin(argv()', " "));
squares = (1:5) .^ 2
`,
};

export const forth: Language = {
  name: 'forth',
  aliases: ['gforth'],
  extensions: ['.fth', '.4th', '.forth'],
  fileName: 'main.fth',
  editorMode: 'forth',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [],
      debianPackages: ['gforth'],
      tools: { gforth: 'gforth' },
      version: { argv: ['gforth', '--version'], pattern: /gforth (\d+\.\d+\.\d+)/, example: ['gforth 0.7.3', '0.7.3'] },
      // Gforth would load each argument as one more source file and then read stdin as a REPL: instead, take
      // the program's name off the command line, load it and exit. The program reads its args with next-arg.
      run: ['gforth', '-e', 'next-arg included bye', '{main}', '{args}'],
      // Where Gforth keeps its (here empty) .gforth-history: not in the box.
      env: { GFORTHHIST: '/tmp' },
    },
  ],
  tests: {
    hello: '.( hello world) cr',
    echoStdin: `create buf 4096 allot
: echo ( -- ) begin buf 4096 stdin read-file throw ?dup while buf swap type repeat ;
echo`,
    printArgs: `: print-args ( -- ) next-arg type begin next-arg dup while space type repeat 2drop ;
print-args cr`,
    exit3: '3 (bye)',
    uncaught: { source: ': main ( -- ) true abort" boom" ;\nmain', code: 1, stderr: /boom/ },
  },
  sample: `create line-buf 256 chars allot

: read-name ( -- c-addr u )
  line-buf dup 256 stdin read-line throw drop -trailing
  dup 0= if 2drop s" world" then ;

: square ( n -- n*n ) dup * ;

: main ( -- )
  read-name ." Hello, " type ." !" cr
  ." args:" begin next-arg dup while space type repeat 2drop cr
  ." squares:" 6 1 do space i square 0 .r loop cr ;

main
`,
};

// Not Judge0's Basic (47), which is FreeBASIC: a compiled, typed QuickBASIC dialect (Dim x As Integer,
// Command(i), Function ... End Function) whose programs yabasic does not run. Hence its own name too.
export const yabasic: Language = {
  name: 'yabasic',
  aliases: ['basic'],
  extensions: ['.bas', '.yab'],
  fileName: 'main.bas',
  editorMode: 'vb',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [],
      debianPackages: ['yabasic'],
      tools: { yabasic: 'yabasic' },
      version: {
        argv: ['yabasic', '--version'],
        pattern: /yabasic (\d+\.\d+\.\d+)/,
        example: ['yabasic 2.90.3, built on x86_64-pc-linux-gnu', '2.90.3'],
      },
      // Without --, an argument like --flag is taken as yabasic's own option.
      run: ['yabasic', '{main}', '--', '{args}'],
    },
  ],
  tests: {
    hello: 'print "hello world"',
    echoStdin: 'while (not eof(0))\n  line input "" a$\n  print a$\nwend',
    printArgs: `n = peek("arguments")
for i = 1 to n
  if (i > 1) print " ";
  print peek$("argument");
next i
print`,
    exit3: 'exit 3',
    uncaught: { source: 'error "boom"', code: 1, stderr: /Error: boom/ },
  },
  sample: `name$ = ""
if (not eof(0)) line input "" name$
name$ = trim$(name$)
if (name$ = "") name$ = "world"
print "Hello, " + name$ + "!"

rem Each peek$("argument") takes the next argument off the list.
n = peek("arguments")
print "args:";
for i = 1 to n
  print " " + peek$("argument");
next i
print

print "squares:";
for i = 1 to 5
  print " ", i * i;
next i
print
`,
};

export const coffeescript: Language = {
  name: 'coffeescript',
  aliases: ['coffee'],
  extensions: ['.coffee'],
  fileName: 'main.coffee',
  editorMode: 'coffeescript',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [],
      // Its launcher's #!/usr/bin/node is Debian's Node (a dependency); the Node that runs code-runner runs it instead.
      debianPackages: ['coffeescript'],
      tools: { node: 'node' },
      version: {
        argv: ['node', '/usr/share/nodejs/coffeescript/bin/coffee', '--version'],
        pattern: /CoffeeScript version (\d+\.\d+\.\d+)/,
        example: ['CoffeeScript version 2.7.0', '2.7.0'],
      },
      run: ['node', '--max-old-space-size={heapMiB}', '/usr/share/nodejs/coffeescript/bin/coffee', '{main}', '{args}'],
    },
  ],
  tests: {
    hello: 'console.log "hello world"',
    echoStdin: 'process.stdin.pipe process.stdout',
    printArgs: 'console.log process.argv[2..].join " "',
    exit3: 'process.exit 3',
    uncaught: { source: 'throw new Error "boom"', code: 1, stderr: /Error: boom/ },
  },
  sample: `fs = require 'fs'

name = fs.readFileSync(0, 'utf8').trim() or 'world'
console.log "Hello, #{name}!"
console.log 'args:', process.argv[2..]
console.log 'squares:', (n * n for n in [1..5])
`,
};

export const haxe: Language = {
  name: 'haxe',
  aliases: ['hx'],
  extensions: ['.hx'],
  fileName: 'Main.hx',
  // The module (file) must be named after its class: `haxe --run Main` runs Main.hx's class Main.
  fileNameFromSource: { pattern: /class\s+([A-Z]\w*)/, suffix: '.hx' },
  editorMode: 'haxe',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [],
      debianPackages: ['haxe'],
      tools: { haxe: 'haxe' },
      version: { argv: ['haxe', '--version'], pattern: /^(\d+\.\d+\.\d+)/m, example: ['4.2.5', '4.2.5'] },
      // Haxe's own interpreter (eval): type-checks and runs in one step, no target compiler needed.
      run: ['haxe', '--run', '{stem}', '{args}'],
    },
  ],
  tests: {
    hello: 'class Main {\n  static function main() {\n    Sys.println("hello world");\n  }\n}',
    echoStdin:
      'class Main {\n  static function main() {\n    Sys.stdout().writeString(Sys.stdin().readAll().toString());\n  }\n}',
    printArgs: 'class Main {\n  static function main() {\n    Sys.println(Sys.args().join(" "));\n  }\n}',
    exit3: 'class Main {\n  static function main() {\n    Sys.exit(3);\n  }\n}',
    uncaught: {
      source: 'class Main {\n  static function main() {\n    throw "boom";\n  }\n}',
      code: 1,
      stderr: /Uncaught exception boom/,
    },
  },
  sample: `class Main {
  static function main() {
    var name = try StringTools.trim(Sys.stdin().readLine()) catch (e:haxe.io.Eof) "";
    if (name == "") name = "world";
    Sys.println('Hello, $name!');
    Sys.println('args: \${Sys.args()}');
    Sys.println('squares: \${[for (n in 1...6) n * n]}');
  }
}
`,
};

export const pike: Language = {
  name: 'pike',
  aliases: [],
  extensions: ['.pike'],
  fileName: 'main.pike',
  editorMode: 'cpp',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [],
      debianPackages: ['pike8.0-core'],
      tools: { pike: 'pike8.0' },
      version: {
        // --version prints "Pike v8.0 release 1738": one regex group cannot read 8.0.1738 from it.
        argv: ['pike', '-e', 'write("%d.%d.%d\\n", __REAL_MAJOR__, __REAL_MINOR__, __REAL_BUILD__)'],
        pattern: /^(\d+\.\d+\.\d+)/m,
        example: ['8.0.1738', '8.0.1738'],
      },
      run: ['pike', '{main}', '{args}'],
    },
  ],
  tests: {
    hello: 'int main() {\n  write("hello world\\n");\n  return 0;\n}',
    echoStdin: 'int main() {\n  write(Stdio.stdin.read());\n  return 0;\n}',
    printArgs: 'int main(int argc, array(string) argv) {\n  write(argv[1..] * " " + "\\n");\n  return 0;\n}',
    exit3: 'int main() {\n  exit(3);\n}',
    uncaught: { source: 'int main() {\n  error("boom\\n");\n}', code: 10, stderr: /boom/ },
  },
  sample: `int main(int argc, array(string) argv)
{
  string name = String.trim_all_whites(Stdio.stdin.gets() || "");
  if (name == "") name = "world";
  write("Hello, %s!\\n", name);
  write("args: %s\\n", argv[1..] * " ");
  write("squares:%{ %d%}\\n", map(enumerate(5, 1, 1), lambda(int n) { return n * n; }));
  return 0;
}
`,
};

export const emacsLisp: Language = {
  name: 'emacs-lisp',
  aliases: ['elisp', 'emacs'],
  extensions: ['.el'],
  fileName: 'main.el',
  editorMode: 'commonlisp',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [],
      debianPackages: ['emacs-nox'],
      tools: { emacs: 'emacs' },
      version: {
        argv: ['emacs', '--version'],
        pattern: /GNU Emacs (\d+\.\d+(?:\.\d+)?)/,
        example: ['GNU Emacs 28.2\nCopyright (C) 2022 Free Software Foundation, Inc.', '28.2'],
      },
      // Not --script: Emacs would then read the program's args as its own options and files. The program's
      // name is taken off the command line, so command-line-args-left holds just its args.
      run: [
        'emacs',
        '--batch',
        '-Q',
        '--eval',
        '(progn (load (expand-file-name (pop command-line-args-left)) nil t t) (kill-emacs 0))',
        '{main}',
        '{args}',
      ],
    },
  ],
  tests: {
    hello: '(princ "hello world\\n")',
    echoStdin: `(condition-case nil
    (while t (princ (concat (read-from-minibuffer "") "\\n")))
  (error nil))`,
    printArgs: '(princ (concat (mapconcat #\'identity command-line-args-left " ") "\\n"))',
    exit3: '(kill-emacs 3)',
    uncaught: { source: '(error "boom")', code: 255, stderr: /error "boom"/ },
  },
  sample: `(let* ((line (condition-case nil (read-from-minibuffer "") (error "")))
       (name (string-trim line)))
  (when (equal name "") (setq name "world"))
  (princ (format "Hello, %s!\\n" name))
  (princ (format "args: %S\\n" command-line-args-left))
  (princ (format "squares: %S\\n" (mapcar (lambda (n) (* n n)) (number-sequence 1 5)))))
`,
};

export const scientific: readonly Language[] = [r, octave, forth, yabasic, coffeescript, haxe, pike, emacsLisp];
