import type { Language } from '../types.ts';

// Compiled to a native program in the box (./main), which the run stage starts.

export const c: Language = {
  name: 'c',
  aliases: [],
  v1Name: 'c',
  extensions: ['.c'],
  fileName: 'main.c',
  editorMode: 'cpp',
  runtimes: [
    {
      name: 'gcc',
      aliases: ['gcc'],
      judge0Ids: [50, 49, 48],
      debianPackages: ['gcc', 'libc6-dev'],
      tools: { gcc: 'gcc' },
      version: { argv: ['gcc', '-dumpfullversion'], pattern: /(\d+\.\d+\.\d+)/, example: ['12.2.0', '12.2.0'] },
      compile: ['gcc', '-O2', '-std=gnu17', '-o', 'main', '-x', 'c', '{sources}', '-x', 'none', '-lm'],
      run: ['./main', '{args}'],
    },
    {
      name: 'clang',
      aliases: ['clang'],
      judge0Ids: [75],
      debianPackages: ['clang', 'libc6-dev'],
      tools: { clang: 'clang' },
      version: { argv: ['clang', '-dumpversion'], pattern: /(\d+\.\d+\.\d+)/, example: ['14.0.6', '14.0.6'] },
      compile: ['clang', '-O2', '-std=gnu17', '-o', 'main', '-x', 'c', '{sources}', '-x', 'none', '-lm'],
      run: ['./main', '{args}'],
    },
    {
      // The Tiny C Compiler: C99 and a fast compile, no optimiser.
      name: 'tcc',
      aliases: ['tcc'],
      judge0Ids: [],
      debianPackages: ['tcc', 'libc6-dev'],
      tools: { tcc: 'tcc' },
      version: {
        argv: ['tcc', '-v'],
        pattern: /tcc version (\d+\.\d+\.\d+)/,
        example: ['tcc version 0.9.27 (x86_64 Linux)', '0.9.27'],
      },
      compile: ['tcc', '-o', 'main', '{sources}', '-lm'],
      run: ['./main', '{args}'],
    },
  ],
  tests: {
    hello: '#include <stdio.h>\nint main(void) { puts("hello world"); return 0; }',
    echoStdin: '#include <stdio.h>\nint main(void) { int c; while ((c = getchar()) != EOF) putchar(c); return 0; }',
    printArgs:
      '#include <stdio.h>\nint main(int argc, char **argv) { for (int i = 1; i < argc; i++) printf(i > 1 ? " %s" : "%s", argv[i]); puts(""); return 0; }',
    exit3: 'int main(void) { return 3; }',
    uncaught: {
      source: '#include <stdio.h>\n#include <stdlib.h>\nint main(void) { fputs("boom\\n", stderr); abort(); }',
      code: null,
      signal: 'SIGABRT',
      stderr: /boom/,
    },
    compileError: 'int main(void) { return undefined_variable; }',
  },
  sample: `#include <stdio.h>

int main(int argc, char **argv) {
    char name[64] = "world";
    if (scanf("%63s", name) != 1) { /* keep the default */ }
    printf("Hello, %s!\\n", name);
    printf("args: %d\\n", argc - 1);
    for (int n = 1; n <= 5; n++) printf("%d ", n * n);
    printf("\\n");
    return 0;
}
`,
};

export const cpp: Language = {
  name: 'c++',
  aliases: ['cpp', 'cxx'],
  v1Name: 'c++',
  extensions: ['.cpp', '.cc', '.cxx', '.c++'],
  fileName: 'main.cpp',
  editorMode: 'cpp',
  runtimes: [
    {
      name: 'gcc',
      aliases: ['g++'],
      judge0Ids: [54, 53, 52],
      debianPackages: ['g++', 'libc6-dev'],
      tools: { gxx: 'g++' },
      version: { argv: ['gxx', '-dumpfullversion'], pattern: /(\d+\.\d+\.\d+)/, example: ['12.2.0', '12.2.0'] },
      compile: ['gxx', '-O2', '-std=gnu++20', '-o', 'main', '-x', 'c++', '{sources}', '-x', 'none', '-lm'],
      run: ['./main', '{args}'],
    },
    {
      // clang++ with bookworm's libstdc++ (g++'s headers, which the package clang depends on).
      name: 'clang',
      aliases: ['clang++'],
      judge0Ids: [76],
      debianPackages: ['clang', 'libc6-dev'],
      tools: { clangxx: 'clang++' },
      version: { argv: ['clangxx', '-dumpversion'], pattern: /(\d+\.\d+\.\d+)/, example: ['14.0.6', '14.0.6'] },
      compile: ['clangxx', '-O2', '-std=gnu++20', '-o', 'main', '-x', 'c++', '{sources}', '-x', 'none', '-lm'],
      run: ['./main', '{args}'],
    },
  ],
  tests: {
    hello: '#include <iostream>\nint main() { std::cout << "hello world" << std::endl; }',
    echoStdin:
      '#include <iostream>\nint main() { std::string line; while (std::getline(std::cin, line)) std::cout << line << "\\n"; }',
    printArgs:
      '#include <iostream>\nint main(int argc, char **argv) { for (int i = 1; i < argc; i++) std::cout << (i > 1 ? " " : "") << argv[i]; std::cout << "\\n"; }',
    exit3: 'int main() { return 3; }',
    uncaught: {
      source: '#include <stdexcept>\nint main() { throw std::runtime_error("boom"); }',
      code: null,
      signal: 'SIGABRT',
      stderr: /boom/,
    },
    compileError: 'int main() { return undefined_variable; }',
  },
  sample: `#include <iostream>
#include <string>
#include <vector>

int main(int argc, char **argv) {
    std::string name;
    if (!std::getline(std::cin, name) || name.empty()) name = "world";
    std::cout << "Hello, " << name << "!\\n";
    std::cout << "args:";
    for (int i = 1; i < argc; i++) std::cout << ' ' << argv[i];
    std::cout << "\\n";
    std::vector<int> squares;
    for (int n = 1; n <= 5; n++) squares.push_back(n * n);
    for (int s : squares) std::cout << s << ' ';
    std::cout << std::endl;
}
`,
};

export const go: Language = {
  name: 'go',
  aliases: ['golang'],
  v1Name: 'go',
  extensions: ['.go'],
  fileName: 'main.go',
  editorMode: 'go',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [60],
      debianPackages: ['golang-go'],
      tools: { go: 'go' },
      version: {
        argv: ['go', 'version'],
        pattern: /go(\d+\.\d+(?:\.\d+)?)/,
        example: ['go version go1.19.8 linux/amd64', '1.19.8'],
      },
      compile: ['go', 'build', '-o', 'main', '{sources}'],
      run: ['./main', '{args}'],
      // No modules (a single package main), no cgo (no gcc run); the build cache lives in HOME (the box).
      env: { GO111MODULE: 'off', CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false', GOTELEMETRY: 'off' },
      cacheIgnore: ['.cache', 'go'],
    },
  ],
  tests: {
    hello: 'package main\nimport "fmt"\nfunc main() { fmt.Println("hello world") }',
    echoStdin: 'package main\nimport ("io"; "os")\nfunc main() { io.Copy(os.Stdout, os.Stdin) }',
    printArgs:
      'package main\nimport ("fmt"; "os"; "strings")\nfunc main() { fmt.Println(strings.Join(os.Args[1:], " ")) }',
    exit3: 'package main\nimport "os"\nfunc main() { os.Exit(3) }',
    uncaught: { source: 'package main\nfunc main() { panic("boom") }', code: 2, stderr: /panic: boom/ },
    compileError: 'package main\nfunc main() { undefinedVariable }',
  },
  sample: `package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

func main() {
	name, _ := bufio.NewReader(os.Stdin).ReadString('\\n')
	name = strings.TrimSpace(name)
	if name == "" {
		name = "world"
	}
	fmt.Printf("Hello, %s!\\n", name)
	fmt.Println("args:", os.Args[1:])
	for n := 1; n <= 5; n++ {
		fmt.Print(n*n, " ")
	}
	fmt.Println()
}
`,
};

export const rust: Language = {
  name: 'rust',
  aliases: ['rs', 'rustc'],
  v1Name: 'rust',
  extensions: ['.rs'],
  fileName: 'main.rs',
  editorMode: 'rust',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [73],
      debianPackages: ['rustc'],
      tools: { rustc: 'rustc' },
      version: { argv: ['rustc', '--version'], pattern: /rustc (\d+\.\d+\.\d+)/, example: ['rustc 1.63.0', '1.63.0'] },
      compile: ['rustc', '-O', '--edition=2021', '-o', 'main', '{main}'],
      run: ['./main', '{args}'],
    },
  ],
  tests: {
    hello: 'fn main() { println!("hello world"); }',
    echoStdin:
      'use std::io::Read;\nfn main() { let mut s = String::new(); std::io::stdin().read_to_string(&mut s).unwrap(); print!("{}", s); }',
    printArgs: 'fn main() { let a: Vec<String> = std::env::args().skip(1).collect(); println!("{}", a.join(" ")); }',
    exit3: 'fn main() { std::process::exit(3); }',
    uncaught: { source: 'fn main() { panic!("boom"); }', code: 101, stderr: /boom/ },
    compileError: 'fn main() { let x: i32 = "text"; }',
  },
  sample: `use std::io::{self, BufRead};

fn main() {
    let mut name = String::new();
    io::stdin().lock().read_line(&mut name).ok();
    let name = match name.trim() {
        "" => "world",
        n => n,
    };
    println!("Hello, {}!", name);
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!("args: {:?}", args);
    let squares: Vec<u32> = (1..=5).map(|n| n * n).collect();
    println!("squares: {:?}", squares);
}
`,
};
