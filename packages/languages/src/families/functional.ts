import type { Language } from '../types.ts';

// Functional languages and Lisps: Haskell and OCaml compiled to ./main, Racket, Scheme and Common Lisp interpreted.

export const haskell: Language = {
  name: 'haskell',
  aliases: ['hs', 'ghc'],
  extensions: ['.hs'],
  fileName: 'main.hs',
  editorMode: 'haskell',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [61],
      // ghc depends on gcc, libc6-dev, libgmp-dev and libffi-dev, which it links with.
      debianPackages: ['ghc'],
      tools: { ghc: 'ghc' },
      version: { argv: ['ghc', '--numeric-version'], pattern: /(\d+\.\d+\.\d+)/, example: ['9.0.2', '9.0.2'] },
      // -v0: only the errors, not GHC's progress lines. -O1: a second to compile hello world, and programs without -O0's space leaks. -dynamic links against
      // GHC's shared libraries in /usr/lib/ghc (0.3 s less than a static link). -outputdir: the .hi/.o files
      // go to the stage's /tmp, so the box keeps only ./main. The default (non-threaded) RTS starts no worker
      // threads per CPU.
      compile: ['ghc', '-v0', '-O1', '-dynamic', '-outputdir', '/tmp/ghc', '-o', 'main', '{main}'],
      run: ['./main', '{args}'],
      // GHC's global package database (/usr/lib/ghc/package.conf.d) is a link into /var/lib/ghc.
      hostPaths: ['/var/lib/ghc'],
    },
  ],
  tests: {
    hello: 'main = putStrLn "hello world"',
    echoStdin: 'main = interact id',
    printArgs: 'import System.Environment\nmain = getArgs >>= putStrLn . unwords',
    exit3: 'import System.Exit\nmain = exitWith (ExitFailure 3)',
    uncaught: { source: 'main = error "boom"', code: 1, stderr: /boom/ },
    compileError: 'main = putStrLn (1 + True)',
  },
  sample: `import System.Environment (getArgs)
import System.IO (isEOF)

main :: IO ()
main = do
  eof <- isEOF
  line <- if eof then return "" else getLine
  let name = if null (words line) then "world" else unwords (words line)
  putStrLn ("Hello, " ++ name ++ "!")
  args <- getArgs
  putStrLn ("args: " ++ show args)
  putStrLn ("squares: " ++ show [n * n | n <- [1 .. 5 :: Int]])
`,
};

export const ocaml: Language = {
  name: 'ocaml',
  aliases: ['ml', 'ocamlopt'],
  extensions: ['.ml'],
  fileName: 'main.ml',
  editorMode: 'ocaml',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [65],
      // ocaml (ocaml-nox is bookworm's transitional name for it): ocamlopt, which assembles and links with gcc.
      debianPackages: ['ocaml'],
      tools: { ocamlopt: 'ocamlopt' },
      version: { argv: ['ocamlopt', '-version'], pattern: /(\d+\.\d+\.\d+)/, example: ['4.13.1', '4.13.1'] },
      // Native code; one file (ocamlopt needs several in dependency order, which {sources} does not give).
      compile: ['ocamlopt', '-o', 'main', '{main}'],
      run: ['./main', '{args}'],
      // ocamlopt leaves the compiled module next to the source; the run stage needs only ./main.
      cacheIgnore: ['main.cmi', 'main.cmx', 'main.o'],
    },
  ],
  tests: {
    hello: 'let () = print_endline "hello world"',
    echoStdin:
      'let () =\n  let buf = Bytes.create 4096 in\n  let rec loop () =\n    let n = input stdin buf 0 4096 in\n    if n > 0 then (output stdout buf 0 n; loop ())\n  in\n  loop ()',
    printArgs: 'let () = print_endline (String.concat " " (List.tl (Array.to_list Sys.argv)))',
    exit3: 'let () = exit 3',
    uncaught: { source: 'let () = failwith "boom"', code: 2, stderr: /Failure\("boom"\)/ },
    compileError: 'let () = print_endline 42',
  },
  sample: `let () =
  let line = try String.trim (input_line stdin) with End_of_file -> "" in
  let name = if line = "" then "world" else line in
  Printf.printf "Hello, %s!\\n" name;
  let args = List.tl (Array.to_list Sys.argv) in
  Printf.printf "args: [%s]\\n" (String.concat "; " args);
  List.iter (fun n -> Printf.printf "%d " (n * n)) [1; 2; 3; 4; 5];
  print_newline ()
`,
};

export const racket: Language = {
  name: 'racket',
  aliases: ['rkt'],
  extensions: ['.rkt'],
  fileName: 'main.rkt',
  editorMode: 'scheme',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [],
      debianPackages: ['racket'],
      tools: { racket: 'racket' },
      version: {
        argv: ['racket', '--version'],
        pattern: /Racket v(\d+\.\d+(?:\.\d+)*)/,
        example: ['Welcome to Racket v8.7 [cs].', '8.7'],
      },
      // The file is a module (`#lang racket/base` starts in about 0.5 s, `#lang racket` in 1 s).
      run: ['racket', '{main}', '{args}'],
      // /etc/racket/config.rktd points at the collections' compiled .zo files and the installation's share
      // and pkgs dirs: without it Racket compiles racket/base from source on every run (minutes).
      etc: ['racket'],
    },
  ],
  tests: {
    hello: '#lang racket/base\n(displayln "hello world")',
    echoStdin:
      '#lang racket/base\n(let loop ()\n  (define s (read-string 4096))\n  (unless (eof-object? s) (write-string s) (loop)))',
    printArgs:
      '#lang racket/base\n(for ([a (current-command-line-arguments)] [i (in-naturals)])\n  (when (> i 0) (display " "))\n  (display a))\n(newline)',
    exit3: '#lang racket/base\n(exit 3)',
    uncaught: { source: '#lang racket/base\n(error "boom")', code: 1, stderr: /boom/ },
  },
  sample: `#lang racket/base
(require racket/string)

(define line (read-line))
(define name (if (or (eof-object? line) (string=? (string-trim line) "")) "world" (string-trim line)))
(printf "Hello, ~a!\\n" name)
(printf "args: ~s\\n" (current-command-line-arguments))
(printf "squares: ~a\\n" (for/list ([n (in-range 1 6)]) (* n n)))
`,
};

// The Scheme programs are portable between Guile and CHICKEN (cond-expand picks each one's modules).
export const scheme: Language = {
  name: 'scheme',
  aliases: ['scm'],
  extensions: ['.scm', '.ss'],
  fileName: 'main.scm',
  editorMode: 'scheme',
  runtimes: [
    {
      name: 'guile',
      aliases: ['guile'],
      judge0Ids: [],
      debianPackages: ['guile-3.0'],
      tools: { guile: 'guile-3.0' },
      version: {
        argv: ['guile', '--version'],
        pattern: /GNU Guile\) (\d+\.\d+\.\d+)/,
        example: ['guile (GNU Guile) 3.0.8\nPackaged by Debian (3.0.8-deb+3.0.8-2)', '3.0.8'],
      },
      // --no-auto-compile: the program is interpreted, and nothing is compiled into $HOME/.cache (a small
      // program starts in 20 ms instead of a compile of a second per run). Arguments after the script are its own.
      run: ['guile', '--no-auto-compile', '-s', '{main}', '{args}'],
      // One garbage-collector marker thread rather than one per CPU (Boehm GC), for the process limit.
      env: { GC_MARKERS: '1', GUILE_AUTO_COMPILE: '0' },
    },
  ],
  tests: {
    hello: '(display "hello world")\n(newline)',
    echoStdin:
      '(let loop ((c (read-char)))\n  (if (not (eof-object? c))\n      (begin (write-char c) (loop (read-char)))))',
    printArgs: `(cond-expand (chicken (import (chicken process-context))) (else))
(define args (cond-expand (chicken (command-line-arguments)) (else (cdr (command-line)))))
(let loop ((a args) (sep ""))
  (if (pair? a) (begin (display sep) (display (car a)) (loop (cdr a) " "))))
(newline)`,
    exit3: '(exit 3)',
    uncaught: { source: '(error "boom")', code: 1, stderr: /boom/ },
  },
  sample: `(cond-expand
  (chicken (import (chicken io) (chicken process-context)))
  (guile (use-modules (ice-9 rdelim))))

(define (arguments)
  (cond-expand (chicken (command-line-arguments)) (else (cdr (command-line)))))

(define line (read-line))
(define name (if (or (eof-object? line) (string=? line "")) "world" line))
(display (string-append "Hello, " name "!"))
(newline)
(display "args: ")
(write (arguments))
(newline)
(display "squares: ")
(display (map (lambda (n) (* n n)) '(1 2 3 4 5)))
(newline)
`,
};

// The Common Lisp programs are portable between SBCL and CLISP (#+sbcl / #+clisp pick the arguments and exit).
export const commonlisp: Language = {
  name: 'commonlisp',
  aliases: ['lisp', 'cl', 'common-lisp'],
  extensions: ['.lisp', '.lsp', '.cl'],
  fileName: 'main.lisp',
  editorMode: 'commonlisp',
  runtimes: [
    {
      name: 'sbcl',
      aliases: ['sbcl'],
      judge0Ids: [55],
      debianPackages: ['sbcl'],
      tools: { sbcl: 'sbcl' },
      version: {
        argv: ['sbcl', '--version'],
        pattern: /SBCL (\d+\.\d+\.\d+)/,
        example: ['SBCL 2.2.9.debian', '2.2.9'],
      },
      // The heap (dynamic space, in MiB) fits the memory limit; --script: no init files, no debugger (an
      // unhandled error exits 1), and the arguments after the file are the program's.
      run: ['sbcl', '--dynamic-space-size', '{heapMiB}', '--script', '{main}', '{args}'],
    },
    {
      name: 'clisp',
      aliases: ['clisp'],
      judge0Ids: [],
      debianPackages: ['clisp'],
      tools: { clisp: 'clisp' },
      version: {
        argv: ['clisp', '--version'],
        pattern: /GNU CLISP (\d+\.\d+(?:\.\d+)*)/,
        example: ['GNU CLISP 2.49.93+ (2018-02-18) (built on x86-csail-01.debian.org [128.31.0.50])', '2.49.93'],
      },
      // -q -norc: no banner, no ~/.clisprc. A file argument runs it as a script (an error exits 1).
      run: ['clisp', '-q', '-norc', '{main}', '{args}'],
    },
  ],
  tests: {
    hello: '(write-line "hello world")',
    echoStdin: '(loop for c = (read-char *standard-input* nil) while c do (write-char c))',
    printArgs: '(format t "~{~a~^ ~}~%" #+sbcl (rest sb-ext:*posix-argv*) #+clisp ext:*args*)',
    exit3: '#+sbcl (sb-ext:exit :code 3)\n#+clisp (ext:exit 3)',
    uncaught: { source: '(error "boom")', code: 1, stderr: /boom/ },
  },
  sample: `(defun arguments ()
  #+sbcl (rest sb-ext:*posix-argv*)
  #+clisp ext:*args*
  #-(or sbcl clisp) nil)

(let* ((line (read-line *standard-input* nil ""))
       (name (string-trim " " line)))
  (format t "Hello, ~a!~%" (if (string= name "") "world" name))
  (format t "args: ~s~%" (arguments))
  (format t "squares: ~{~a~^ ~}~%" (loop for n from 1 to 5 collect (* n n))))
`,
};

export const functional: readonly Language[] = [haskell, ocaml, racket, scheme, commonlisp];
