import type { Language } from '../types.ts';

// Interpreted languages: nothing is compiled, the run stage reads the source.

export const python: Language = {
  name: 'python',
  aliases: ['py', 'py3', 'python3'],
  v1Name: 'python3',
  extensions: ['.py'],
  fileName: 'main.py',
  editorMode: 'python',
  runtimes: [
    {
      name: 'cpython',
      aliases: ['cpython'],
      judge0Ids: [71],
      debianPackages: ['python3'],
      tools: { python3: 'python3' },
      version: {
        argv: ['python3', '--version'],
        pattern: /Python (\d+\.\d+\.\d+\S*)/,
        example: ['Python 3.11.2', '3.11.2'],
      },
      run: ['python3', '{main}', '{args}'],
      env: { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
    },
    {
      // The version is PyPy's own (bookworm's 7.3.11 implements Python 3.9).
      name: 'pypy',
      aliases: ['pypy', 'pypy3'],
      judge0Ids: [],
      debianPackages: ['pypy3'],
      tools: { pypy3: 'pypy3' },
      version: {
        argv: ['pypy3', '--version'],
        pattern: /\[PyPy (\d+\.\d+\.\d+)/,
        example: [
          'Python 3.9.16 (7.3.11+dfsg-2+deb12u3, Dec 30 2024, 22:36:23)\n[PyPy 7.3.11 with GCC 12.2.0]',
          '7.3.11',
        ],
      },
      run: ['pypy3', '{main}', '{args}'],
      env: { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
    },
  ],
  tests: {
    hello: 'print("hello world")',
    echoStdin: 'import sys\nsys.stdout.write(sys.stdin.read())',
    printArgs: 'import sys\nprint(" ".join(sys.argv[1:]))',
    exit3: 'import sys\nsys.exit(3)',
    uncaught: { source: 'raise ValueError("boom")', code: 1, stderr: /ValueError: boom/ },
  },
  sample: `import sys

name = sys.stdin.readline().strip() or "world"
print(f"Hello, {name}!")
print("args:", sys.argv[1:])
print("squares:", [n * n for n in range(1, 6)])
`,
};

export const javascript: Language = {
  name: 'javascript',
  aliases: ['js', 'node', 'node-js', 'node-javascript', 'nodejs'],
  v1Name: 'nodejs',
  extensions: ['.js', '.mjs', '.cjs'],
  fileName: 'main.js',
  editorMode: 'javascript',
  runtimes: [
    {
      name: 'node',
      aliases: [],
      judge0Ids: [63],
      // The Node that runs code-runner: the image's own, or the one scripts/bootstrap.mjs puts in .tools/.
      debianPackages: [],
      tools: { node: 'node' },
      version: { argv: ['node', '--version'], pattern: /v(\d+\.\d+\.\d+)/, example: ['v24.11.1', '24.11.1'] },
      run: ['node', '--max-old-space-size={heapMiB}', '{main}', '{args}'],
    },
  ],
  tests: {
    hello: 'console.log("hello world")',
    echoStdin: 'process.stdin.pipe(process.stdout)',
    printArgs: 'console.log(process.argv.slice(2).join(" "))',
    exit3: 'process.exit(3)',
    uncaught: { source: 'throw new Error("boom")', code: 1, stderr: /Error: boom/ },
  },
  sample: `const input = require('node:fs').readFileSync(0, 'utf8').trim();
const name = input || 'world';
console.log(\`Hello, \${name}!\`);
console.log('args:', process.argv.slice(2));
console.log('squares:', [1, 2, 3, 4, 5].map((n) => n * n));
`,
};

export const typescript: Language = {
  name: 'typescript',
  aliases: ['ts', 'node-ts', 'tsc'],
  v1Name: 'typescript',
  extensions: ['.ts', '.mts', '.cts'],
  fileName: 'main.ts',
  editorMode: 'typescript',
  runtimes: [
    {
      name: 'node',
      aliases: [],
      judge0Ids: [74],
      debianPackages: [],
      tools: { node: 'node' },
      version: { argv: ['node', '--version'], pattern: /v(\d+\.\d+\.\d+)/, example: ['v24.11.1', '24.11.1'] },
      // Type stripping is on by default from Node 22.18 / 23.6.
      minVersion: '22.18.0',
      run: ['node', '--max-old-space-size={heapMiB}', '--disable-warning=ExperimentalWarning', '{main}', '{args}'],
    },
  ],
  tests: {
    hello: 'const greeting: string = "hello world";\nconsole.log(greeting);',
    echoStdin: 'const input: NodeJS.ReadableStream = process.stdin;\ninput.pipe(process.stdout);',
    printArgs: 'const args: string[] = process.argv.slice(2);\nconsole.log(args.join(" "));',
    exit3: 'const code: number = 3;\nprocess.exit(code);',
    uncaught: { source: 'const m: string = "boom";\nthrow new Error(m);', code: 1, stderr: /Error: boom/ },
  },
  sample: `import { readFileSync } from 'node:fs';

const squares = (n: number): number[] => Array.from({ length: n }, (_, i) => (i + 1) ** 2);

const name: string = readFileSync(0, 'utf8').trim() || 'world';
console.log(\`Hello, \${name}!\`);
console.log('args:', process.argv.slice(2));
console.log('squares:', squares(5));
`,
};

export const bash: Language = {
  name: 'bash',
  aliases: ['sh'],
  v1Name: 'bash',
  extensions: ['.sh'],
  fileName: 'main.sh',
  editorMode: 'shell',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [46],
      // Essential in Debian: on every system, nothing to install.
      debianPackages: [],
      tools: { bash: 'bash' },
      version: {
        argv: ['bash', '--version'],
        pattern: /version (\d+\.\d+\.\d+)/,
        example: ['GNU bash, version 5.2.15(1)-release (x86_64-pc-linux-gnu)', '5.2.15'],
      },
      run: ['bash', '{main}', '{args}'],
    },
  ],
  tests: {
    hello: 'echo hello world',
    echoStdin: 'cat',
    printArgs: 'echo "$@"',
    exit3: 'exit 3',
    uncaught: { source: 'set -e\nno_such_command_here\necho never', code: 127, stderr: /command not found/ },
  },
  sample: `read -r name || true
echo "Hello, \${name:-world}!"
echo "args: $*"
for n in 1 2 3 4 5; do printf '%d ' $((n * n)); done
echo
`,
};

export const ruby: Language = {
  name: 'ruby',
  aliases: ['ruby3', 'rb'],
  extensions: ['.rb'],
  fileName: 'main.rb',
  editorMode: 'ruby',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [72],
      debianPackages: ['ruby'],
      tools: { ruby: 'ruby' },
      version: {
        argv: ['ruby', '--version'],
        pattern: /ruby (\d+\.\d+\.\d+)/,
        example: ['ruby 3.1.2p20 (2022-04-12 revision 4491bb740a) [x86_64-linux-gnu]', '3.1.2'],
      },
      run: ['ruby', '{main}', '{args}'],
    },
  ],
  tests: {
    hello: 'puts "hello world"',
    echoStdin: 'IO.copy_stream($stdin, $stdout)',
    printArgs: 'puts ARGV.join(" ")',
    exit3: 'exit 3',
    uncaught: { source: 'raise ArgumentError, "boom"', code: 1, stderr: /boom \(ArgumentError\)/ },
  },
  sample: `name = $stdin.gets.to_s.strip
name = "world" if name.empty?
puts "Hello, #{name}!"
puts "args: #{ARGV.inspect}"
puts "squares: #{(1..5).map { |n| n * n }.inspect}"
`,
};

export const php: Language = {
  name: 'php',
  aliases: [],
  extensions: ['.php'],
  fileName: 'main.php',
  editorMode: 'plain',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [68],
      debianPackages: ['php-cli'],
      tools: { php: 'php' },
      version: {
        argv: ['php', '--version'],
        pattern: /PHP (\d+\.\d+\.\d+)/,
        example: ['PHP 8.2.36 (cli) (built: Nov 18 2026 20:02:04) (NTS)', '8.2.36'],
      },
      // Errors to stderr, once (the CLI's default is stdout, and the log goes to stderr as well).
      run: ['php', '-d', 'display_errors=stderr', '-d', 'log_errors=0', '{main}', '{args}'],
    },
  ],
  tests: {
    hello: '<?php\necho "hello world\\n";',
    echoStdin: '<?php\nstream_copy_to_stream(STDIN, STDOUT);',
    printArgs: '<?php\necho implode(" ", array_slice($argv, 1)), "\\n";',
    exit3: '<?php\nexit(3);',
    uncaught: { source: '<?php\nthrow new RuntimeException("boom");', code: 255, stderr: /RuntimeException: boom/ },
  },
  sample: `<?php
$name = trim((string) fgets(STDIN));
if ($name === '') $name = 'world';
echo "Hello, $name!\\n";
echo 'args: ', implode(' ', array_slice($argv, 1)), "\\n";
echo 'squares: ', implode(' ', array_map(fn ($n) => $n * $n, range(1, 5))), "\\n";
`,
};

export const perl: Language = {
  name: 'perl',
  aliases: ['pl'],
  extensions: ['.pl', '.pm'],
  fileName: 'main.pl',
  editorMode: 'perl',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [85],
      debianPackages: ['perl'],
      tools: { perl: 'perl' },
      version: {
        argv: ['perl', '--version'],
        pattern: /\(v(\d+\.\d+\.\d+)\)/,
        example: [
          'This is perl 5, version 36, subversion 0 (v5.36.0) built for x86_64-linux-gnu-thread-multi',
          '5.36.0',
        ],
      },
      run: ['perl', '{main}', '{args}'],
    },
  ],
  tests: {
    hello: 'print "hello world\\n";',
    echoStdin: 'print while <STDIN>;',
    printArgs: 'print "@ARGV\\n";',
    exit3: 'exit 3;',
    uncaught: { source: 'die "boom\\n";', code: 255, stderr: /boom/ },
  },
  sample: `use strict;
use warnings;

my $name = <STDIN> // '';
chomp $name;
$name = 'world' if $name eq '';
print "Hello, $name!\\n";
print "args: @ARGV\\n";
print 'squares: ', join(' ', map { $_ * $_ } 1 .. 5), "\\n";
`,
};

export const lua: Language = {
  name: 'lua',
  aliases: [],
  extensions: ['.lua'],
  fileName: 'main.lua',
  editorMode: 'lua',
  runtimes: [
    {
      name: 'lua',
      aliases: ['lua5.4'],
      judge0Ids: [64],
      debianPackages: ['lua5.4'],
      tools: { lua: 'lua5.4' },
      version: {
        argv: ['lua', '-v'],
        pattern: /Lua (\d+\.\d+\.\d+)/,
        example: ['Lua 5.4.4  Copyright (C) 1994-2022 Lua.org, PUC-Rio', '5.4.4'],
      },
      run: ['lua', '{main}', '{args}'],
    },
    {
      // Lua 5.1's language with a JIT: the sample and the tests are written for both.
      name: 'luajit',
      aliases: ['luajit'],
      judge0Ids: [],
      debianPackages: ['luajit'],
      tools: { luajit: 'luajit' },
      version: {
        argv: ['luajit', '-v'],
        pattern: /LuaJIT (\d+\.\d+\.\d+\S*)/,
        example: ['LuaJIT 2.1.0-beta3 -- Copyright (C) 2005-2022 Mike Pall. https://luajit.org/', '2.1.0-beta3'],
      },
      run: ['luajit', '{main}', '{args}'],
    },
  ],
  tests: {
    hello: 'print("hello world")',
    echoStdin: 'io.write(io.read("*a"))',
    printArgs: 'print(table.concat(arg, " "))',
    exit3: 'os.exit(3)',
    uncaught: { source: 'error("boom")', code: 1, stderr: /boom/ },
  },
  sample: `local name = io.read("*l") or ""
if name == "" then name = "world" end
print("Hello, " .. name .. "!")
print("args: " .. table.concat(arg, " "))
local squares = {}
for n = 1, 5 do squares[#squares + 1] = n * n end
print("squares: " .. table.concat(squares, " "))
`,
};

export const tcl: Language = {
  name: 'tcl',
  aliases: ['tclsh'],
  extensions: ['.tcl'],
  fileName: 'main.tcl',
  editorMode: 'tcl',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [],
      debianPackages: ['tcl'],
      tools: { tclsh: 'tclsh' },
      // tclsh has no version flag: the probe gives it a script on stdin.
      version: {
        argv: ['tclsh'],
        stdin: 'puts [info patchlevel]\n',
        pattern: /^(\d+\.\d+\.\d+)/m,
        example: ['8.6.13', '8.6.13'],
      },
      run: ['tclsh', '{main}', '{args}'],
    },
  ],
  tests: {
    hello: 'puts "hello world"',
    echoStdin:
      'fconfigure stdin -translation binary\nfconfigure stdout -translation binary\nputs -nonewline [read stdin]',
    printArgs: 'puts [join $argv " "]',
    exit3: 'exit 3',
    uncaught: { source: 'error "boom"', code: 1, stderr: /boom/ },
  },
  sample: `set name [string trim [gets stdin]]
if {$name eq ""} { set name world }
puts "Hello, $name!"
puts "args: $argv"
set squares {}
for {set n 1} {$n <= 5} {incr n} { lappend squares [expr {$n * $n}] }
puts "squares: $squares"
`,
};
