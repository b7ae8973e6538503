import type { Extension } from '@codemirror/state';

/** What the page knows about a language beyond the server's runtime list: its editor mode and a sample. */
export interface LanguageSpec {
  /** Names and aliases the server may use for it (matched against a runtime's language and aliases). */
  names: readonly string[];
  /** Loaded on demand, so the first page load carries no language grammar it does not show. */
  mode: () => Promise<Extension>;
  sample: string;
}

const python: LanguageSpec = {
  names: ['python', 'python3', 'py'],
  mode: () => import('@codemirror/lang-python').then((m) => m.python()),
  sample: `import sys

name = sys.stdin.readline().strip() or "world"
print(f"Hello, {name}!")
print("args:", sys.argv[1:])
print("squares:", [n * n for n in range(1, 6)])
`,
};

const javascript: LanguageSpec = {
  names: ['javascript', 'js', 'node', 'nodejs', 'node-js'],
  mode: () => import('@codemirror/lang-javascript').then((m) => m.javascript()),
  sample: `const input = require('node:fs').readFileSync(0, 'utf8').trim();
const name = input || 'world';
console.log(\`Hello, \${name}!\`);
console.log('args:', process.argv.slice(2));
console.log('squares:', [1, 2, 3, 4, 5].map((n) => n * n));
`,
};

const typescript: LanguageSpec = {
  names: ['typescript', 'ts'],
  mode: () => import('@codemirror/lang-javascript').then((m) => m.javascript({ typescript: true })),
  sample: `const squares = (n: number): number[] => Array.from({ length: n }, (_, i) => (i + 1) ** 2);

const name: string = process.argv[2] ?? 'world';
console.log(\`Hello, \${name}!\`);
console.log('squares:', squares(5));
`,
};

const bash: LanguageSpec = {
  names: ['bash', 'sh', 'shell'],
  mode: () =>
    Promise.all([import('@codemirror/language'), import('@codemirror/legacy-modes/mode/shell')]).then(
      ([{ StreamLanguage }, { shell }]) => StreamLanguage.define(shell),
    ),
  sample: `read -r name || true
echo "Hello, \${name:-world}!"
echo "args: $*"
for n in 1 2 3 4 5; do printf '%d ' $((n * n)); done
echo
`,
};

const c: LanguageSpec = {
  names: ['c', 'gcc'],
  mode: () => import('@codemirror/lang-cpp').then((m) => m.cpp()),
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

const cpp: LanguageSpec = {
  names: ['c++', 'cpp', 'g++', 'cxx'],
  mode: () => import('@codemirror/lang-cpp').then((m) => m.cpp()),
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

const go: LanguageSpec = {
  names: ['go', 'golang'],
  mode: () => import('@codemirror/lang-go').then((m) => m.go()),
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

const rust: LanguageSpec = {
  names: ['rust', 'rs'],
  mode: () => import('@codemirror/lang-rust').then((m) => m.rust()),
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

const java: LanguageSpec = {
  names: ['java'],
  mode: () => import('@codemirror/lang-java').then((m) => m.java()),
  sample: `import java.util.Arrays;
import java.util.Scanner;

public class Main {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        String name = in.hasNextLine() ? in.nextLine().trim() : "";
        if (name.isEmpty()) name = "world";
        System.out.println("Hello, " + name + "!");
        System.out.println("args: " + Arrays.toString(args));
        for (int n = 1; n <= 5; n++) System.out.print(n * n + " ");
        System.out.println();
    }
}
`,
};

const specs: readonly LanguageSpec[] = [python, javascript, typescript, bash, c, cpp, go, rust, java];

/** A language the page has no grammar for still gets an editor: plain text and an empty-ish start. */
const plain: LanguageSpec = {
  names: [],
  mode: async () => [],
  sample: '',
};

/** The spec for a runtime, found by its language name or any of its aliases. */
export function specFor(runtime: { language: string; aliases?: readonly string[] }): LanguageSpec {
  const names = [runtime.language, ...(runtime.aliases ?? [])].map((n) => n.toLowerCase());
  return specs.find((spec) => spec.names.some((n) => names.includes(n))) ?? plain;
}
