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
      version: { argv: ['python3', '--version'], pattern: /Python (\d+\.\d+\.\d+\S*)/ },
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
      version: { argv: ['pypy3', '--version'], pattern: /\[PyPy (\d+\.\d+\.\d+)/ },
      run: ['pypy3', '{main}', '{args}'],
      env: { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
    },
  ],
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
      version: { argv: ['node', '--version'], pattern: /v(\d+\.\d+\.\d+)/ },
      run: ['node', '--max-old-space-size={heapMiB}', '{main}', '{args}'],
    },
  ],
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
      version: { argv: ['node', '--version'], pattern: /v(\d+\.\d+\.\d+)/ },
      // Type stripping is on by default from Node 22.18 / 23.6.
      minVersion: '22.18.0',
      run: ['node', '--max-old-space-size={heapMiB}', '--disable-warning=ExperimentalWarning', '{main}', '{args}'],
    },
  ],
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
      version: { argv: ['bash', '--version'], pattern: /version (\d+\.\d+\.\d+)/ },
      run: ['bash', '{main}', '{args}'],
    },
  ],
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
      version: { argv: ['ruby', '--version'], pattern: /ruby (\d+\.\d+\.\d+)/ },
      run: ['ruby', '{main}', '{args}'],
    },
  ],
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
      version: { argv: ['php', '--version'], pattern: /PHP (\d+\.\d+\.\d+)/ },
      // Errors to stderr, once (the CLI's default is stdout, and the log goes to stderr as well).
      run: ['php', '-d', 'display_errors=stderr', '-d', 'log_errors=0', '{main}', '{args}'],
    },
  ],
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
      version: { argv: ['perl', '--version'], pattern: /\(v(\d+\.\d+\.\d+)\)/ },
      run: ['perl', '{main}', '{args}'],
    },
  ],
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
      version: { argv: ['lua', '-v'], pattern: /Lua (\d+\.\d+\.\d+)/ },
      run: ['lua', '{main}', '{args}'],
    },
    {
      // Lua 5.1's language with a JIT: the sample and the tests are written for both.
      name: 'luajit',
      aliases: ['luajit'],
      judge0Ids: [],
      debianPackages: ['luajit'],
      tools: { luajit: 'luajit' },
      version: { argv: ['luajit', '-v'], pattern: /LuaJIT (\d+\.\d+\.\d+\S*)/ },
      run: ['luajit', '{main}', '{args}'],
    },
  ],
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
      version: { argv: ['tclsh'], stdin: 'puts [info patchlevel]\n', pattern: /^(\d+\.\d+\.\d+)/m },
      run: ['tclsh', '{main}', '{args}'],
    },
  ],
  sample: `set name [string trim [gets stdin]]
if {$name eq ""} { set name world }
puts "Hello, $name!"
puts "args: $argv"
set squares {}
for {set n 1} {$n <= 5} {incr n} { lappend squares [expr {$n * $n}] }
puts "squares: $squares"
`,
};
