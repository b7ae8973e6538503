import { languages } from '@repo/languages';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../test/harness.ts';
import { detectLanguages } from './languages.ts';
import { requireLanguage } from './testing.ts';

interface Programs {
  hello: string;
  echoStdin: string;
  printArgs: string;
  exit3: string;
  /** An uncaught exception (or abort): what its exit looks like and what stderr says. */
  uncaught: { source: string; code: number | null; signal?: string; stderr: RegExp };
  compileError?: string;
}

const programs: Record<string, Programs> = {
  python: {
    hello: 'print("hello world")',
    echoStdin: 'import sys\nsys.stdout.write(sys.stdin.read())',
    printArgs: 'import sys\nprint(" ".join(sys.argv[1:]))',
    exit3: 'import sys\nsys.exit(3)',
    uncaught: { source: 'raise ValueError("boom")', code: 1, stderr: /ValueError: boom/ },
  },
  javascript: {
    hello: 'console.log("hello world")',
    echoStdin: 'process.stdin.pipe(process.stdout)',
    printArgs: 'console.log(process.argv.slice(2).join(" "))',
    exit3: 'process.exit(3)',
    uncaught: { source: 'throw new Error("boom")', code: 1, stderr: /Error: boom/ },
  },
  typescript: {
    hello: 'const greeting: string = "hello world";\nconsole.log(greeting);',
    echoStdin: 'const input: NodeJS.ReadableStream = process.stdin;\ninput.pipe(process.stdout);',
    printArgs: 'const args: string[] = process.argv.slice(2);\nconsole.log(args.join(" "));',
    exit3: 'const code: number = 3;\nprocess.exit(code);',
    uncaught: { source: 'const m: string = "boom";\nthrow new Error(m);', code: 1, stderr: /Error: boom/ },
  },
  bash: {
    hello: 'echo hello world',
    echoStdin: 'cat',
    printArgs: 'echo "$@"',
    exit3: 'exit 3',
    uncaught: { source: 'set -e\nno_such_command_here\necho never', code: 127, stderr: /command not found/ },
  },
  c: {
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
  'c++': {
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
  go: {
    hello: 'package main\nimport "fmt"\nfunc main() { fmt.Println("hello world") }',
    echoStdin: 'package main\nimport ("io"; "os")\nfunc main() { io.Copy(os.Stdout, os.Stdin) }',
    printArgs:
      'package main\nimport ("fmt"; "os"; "strings")\nfunc main() { fmt.Println(strings.Join(os.Args[1:], " ")) }',
    exit3: 'package main\nimport "os"\nfunc main() { os.Exit(3) }',
    uncaught: { source: 'package main\nfunc main() { panic("boom") }', code: 2, stderr: /panic: boom/ },
    compileError: 'package main\nfunc main() { undefinedVariable }',
  },
  rust: {
    hello: 'fn main() { println!("hello world"); }',
    echoStdin:
      'use std::io::Read;\nfn main() { let mut s = String::new(); std::io::stdin().read_to_string(&mut s).unwrap(); print!("{}", s); }',
    printArgs: 'fn main() { let a: Vec<String> = std::env::args().skip(1).collect(); println!("{}", a.join(" ")); }',
    exit3: 'fn main() { std::process::exit(3); }',
    uncaught: { source: 'fn main() { panic!("boom"); }', code: 101, stderr: /boom/ },
    compileError: 'fn main() { let x: i32 = "text"; }',
  },
  java: {
    hello: 'public class Main { public static void main(String[] a) { System.out.println("hello world"); } }',
    echoStdin:
      'public class Main { public static void main(String[] a) throws Exception { System.in.transferTo(System.out); } }',
    printArgs: 'public class Main { public static void main(String[] a) { System.out.println(String.join(" ", a)); } }',
    exit3: 'public class Main { public static void main(String[] a) { System.exit(3); } }',
    uncaught: {
      source: 'public class Main { public static void main(String[] a) { throw new RuntimeException("boom"); } }',
      code: 1,
      stderr: /RuntimeException: boom/,
    },
    compileError: 'public class Main { public static void main(String[] a) { int x = "text"; } }',
  },
  ruby: {
    hello: 'puts "hello world"',
    echoStdin: 'IO.copy_stream($stdin, $stdout)',
    printArgs: 'puts ARGV.join(" ")',
    exit3: 'exit 3',
    uncaught: { source: 'raise ArgumentError, "boom"', code: 1, stderr: /boom \(ArgumentError\)/ },
  },
  php: {
    hello: '<?php\necho "hello world\\n";',
    echoStdin: '<?php\nstream_copy_to_stream(STDIN, STDOUT);',
    printArgs: '<?php\necho implode(" ", array_slice($argv, 1)), "\\n";',
    exit3: '<?php\nexit(3);',
    uncaught: { source: '<?php\nthrow new RuntimeException("boom");', code: 255, stderr: /RuntimeException: boom/ },
  },
  perl: {
    hello: 'print "hello world\\n";',
    echoStdin: 'print while <STDIN>;',
    printArgs: 'print "@ARGV\\n";',
    exit3: 'exit 3;',
    uncaught: { source: 'die "boom\\n";', code: 255, stderr: /boom/ },
  },
  lua: {
    hello: 'print("hello world")',
    echoStdin: 'io.write(io.read("*a"))',
    printArgs: 'print(table.concat(arg, " "))',
    exit3: 'os.exit(3)',
    uncaught: { source: 'error("boom")', code: 1, stderr: /boom/ },
  },
  tcl: {
    hello: 'puts "hello world"',
    echoStdin:
      'fconfigure stdin -translation binary\nfconfigure stdout -translation binary\nputs -nonewline [read stdin]',
    printArgs: 'puts [join $argv " "]',
    exit3: 'exit 3',
    uncaught: { source: 'error "boom"', code: 1, stderr: /boom/ },
  },
  awk: {
    hello: 'BEGIN { print "hello world" }',
    echoStdin: '{ print }',
    printArgs: 'BEGIN { for (i = 1; i < ARGC; i++) printf "%s%s", (i > 1 ? " " : ""), ARGV[i]; print "" }',
    exit3: 'BEGIN { exit 3 }',
    uncaught: { source: 'BEGIN { x = 0; print 1 / x }', code: 2, stderr: /fatal: division by zero/ },
  },
  jq: {
    hello: '"hello world"',
    echoStdin: 'inputs',
    printArgs: '$ARGS.positional | join(" ")',
    exit3: '"" | halt_error(3)',
    uncaught: { source: 'error("boom")', code: 5, stderr: /jq: error .*boom/ },
  },
};

const detected = await detectLanguages();

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ QUEUE_TIMEOUT_MS: '120000' });
});
afterAll(async () => {
  await h?.close();
});

it('has test programs for every language of the manifest', () => {
  expect(Object.keys(programs).toSorted()).toEqual(languages.map((l) => l.name).toSorted());
});

/** Each language by its name (its default runtime), then each other runtime by its first alias (e.g. luajit). */
const targets = Object.entries(programs).flatMap(([language, p]) => [
  { language, request: language, p },
  ...(languages
    .find((l) => l.name === language)
    ?.runtimes.slice(1)
    .map((r) => ({ language, request: r.aliases[0] ?? language, p })) ?? []),
]);

for (const { language, request, p } of targets) {
  describe(request === language ? language : `${language} (${request})`, () => {
    // Skipped with the reason where the toolchain is missing, or failed where EXPECT_LANGUAGES promised it.
    // A second runtime counts as the language only where that runtime was found.
    const runtimes = detected.available.filter((r) => request === language || r.spec.aliases.includes(request));
    beforeEach((ctx) => requireLanguage(ctx, { runtimes, missing: detected.missing }, language));

    const run = (source: string, extra: { stdin?: string; args?: string[] } = {}) =>
      h.execute({ language: request, version: '*', files: [{ content: source }], ...extra });

    it('runs hello world', async () => {
      const res = await run(p.hello);
      expect(res.run).toMatchObject({ stdout: 'hello world\n', code: 0, status: null, signal: null });
      if (p.compileError) expect(res.compile).toMatchObject({ code: 0, status: null });
      else expect(res.compile).toBeUndefined();
    });

    it('echoes stdin', async () => {
      const res = await run(p.echoStdin, { stdin: 'line one\nzwei ✓\n' });
      expect(res.run.stdout).toBe('line one\nzwei ✓\n');
    });

    it('receives args', async () => {
      const res = await run(p.printArgs, { args: ['a', 'b c', '--flag'] });
      expect(res.run.stdout).toBe('a b c --flag\n');
    });

    it('reports the exit code of a runtime error (RE)', async () => {
      const res = await run(p.exit3);
      expect(res.run).toMatchObject({ code: 3, status: 'RE', signal: null });
    });

    it('reports an uncaught exception', async () => {
      const res = await run(p.uncaught.source);
      expect(res.run.code).toBe(p.uncaught.code);
      expect(res.run.status).toBe(p.uncaught.signal ? 'SG' : 'RE');
      if (p.uncaught.signal) expect(res.run.signal).toBe(p.uncaught.signal);
      expect(res.run.stderr).toMatch(p.uncaught.stderr);
    });

    it("runs the manifest's sample for the web page, which greets the name on stdin", async () => {
      const sample = languages.find((l) => l.name === language)?.sample ?? '';
      const res = await run(sample, { stdin: 'Ada\n', args: ['x'] });
      expect(res.run).toMatchObject({ code: 0, status: null });
      expect(res.run.stdout).toContain('Hello, Ada!');
    });

    const compileError = p.compileError;
    if (compileError) {
      it('returns the compiler output of a compile error and does not run', async () => {
        const res = await run(compileError);
        expect(res.compile).toMatchObject({ status: 'RE' });
        expect(res.compile?.code).not.toBe(0);
        expect(res.compile?.stderr.length).toBeGreaterThan(0);
        expect(res.run).toMatchObject({ stdout: '', code: null, message: 'not run: the compile stage failed' });
        // v1 picks a language's default runtime by its v1 name, and another runtime by its alias.
        const v1 = await h.post('/api/v1/run', {
          language:
            request === language ? h.runner.runtimes.find((r) => r.spec.name === language)?.spec.v1Name : request,
          source: compileError,
        });
        expect(v1.body.error).toBe(`compilation failed: exit status ${res.compile?.code}`);
        expect(v1.body.stderr + v1.body.stdout).toBe(res.compile?.output);
      });
    }
  });
}
