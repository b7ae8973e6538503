import type { Language } from '../types.ts';
import { dash, fish, zsh } from './shells.ts';

// The BEAM languages, Prolog, Raku and Rexx here; the other shells in shells.ts.

// The BEAM starts a scheduler, a dirty CPU scheduler and a waiting thread per CPU and ten dirty I/O
// schedulers: one of each keeps it at 9 threads (20 on 2 CPUs otherwise, more on big hosts) under the
// box's process limit. Busy waiting off: idle schedulers would spin and burn the CPU-time limit.
const beamEnv = {
  ERL_FLAGS: '+S 1:1 +SDcpu 1:1 +SDio 1 +A 1 +sbwt none +sbwtdcpu none +sbwtdio none',
};

export const elixir: Language = {
  name: 'elixir',
  aliases: ['exs'],
  extensions: ['.exs', '.ex'],
  fileName: 'main.exs',
  editorMode: 'elixir',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [57],
      debianPackages: ['elixir'],
      tools: { elixir: 'elixir', cat: 'cat' },
      // Read from the installed application file, not `elixir --version`: a BEAM started outside a box
      // leaves an orphan (inet_gethost) that a server running as PID 1 would never reap; and it is 0.5 s faster.
      version: {
        argv: ['cat', '/usr/lib/elixir/lib/elixir/ebin/elixir.app'],
        pattern: /\{vsn,"(\d+\.\d+\.\d+)"\}/,
        example: [
          '{application,elixir,\n             [{description,"elixir"},\n              {vsn,"1.14.0"},',
          '1.14.0',
        ],
      },
      run: ['elixir', '{main}', '{args}'],
      env: beamEnv,
    },
  ],
  tests: {
    hello: 'IO.puts("hello world")',
    echoStdin: 'IO.stream(:stdio, :line) |> Enum.each(&IO.write/1)',
    printArgs: 'IO.puts(Enum.join(System.argv(), " "))',
    exit3: 'System.halt(3)',
    uncaught: { source: 'raise ArgumentError, "boom"', code: 1, stderr: /\(ArgumentError\) boom/ },
  },
  sample: `name =
  case IO.gets("") do
    line when is_binary(line) -> String.trim(line)
    _ -> ""
  end

name = if name == "", do: "world", else: name
IO.puts("Hello, #{name}!")
IO.puts("args: #{inspect(System.argv())}")
IO.puts("squares: #{inspect(Enum.map(1..5, &(&1 * &1)))}")
`,
};

// escript skips the first line of the file (meant for `#!`), so every program starts with a header line.
export const erlang: Language = {
  name: 'erlang',
  aliases: ['erl', 'escript'],
  extensions: ['.erl'],
  fileName: 'main.erl',
  editorMode: 'erlang',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [58],
      // erl and escript are both in erlang-base (erlang-nox adds the OTP applications).
      debianPackages: ['erlang-base'],
      tools: { escript: 'escript', sh: 'sh' },
      // The OTP release (25.2.3) is in a file of the install (`erl +V` gives the emulator's, 13.1.5). Read with
      // sh, not a BEAM: one started outside a box leaves an orphan (inet_gethost) that a server running as
      // PID 1 would never reap.
      version: {
        argv: ['sh', '-c', 'cat /usr/lib/erlang/releases/*/OTP_VERSION'],
        pattern: /^(\d+(?:\.\d+)+)/m,
        example: ['25.2.3\n', '25.2.3'],
      },
      run: ['escript', '{main}', '{args}'],
      env: beamEnv,
    },
  ],
  tests: {
    hello: '%% -*- erlang -*-\nmain(_) -> io:format("hello world~n").',
    echoStdin: `%% -*- erlang -*-
main(_) -> io:setopts(standard_io, [binary]), copy().
copy() ->
    case io:get_chars(standard_io, '', 4096) of
        eof -> ok;
        Data -> io:put_chars(Data), copy()
    end.`,
    printArgs: '%% -*- erlang -*-\nmain(Args) -> io:format("~ts~n", [lists:join(" ", Args)]).',
    exit3: '%% -*- erlang -*-\nmain(_) -> halt(3).',
    uncaught: { source: '%% -*- erlang -*-\nmain(_) -> error(boom).', code: 127, stderr: /exception error: boom/ },
  },
  sample: `%% -*- erlang -*-
%% escript skips this first line (it is meant for #!); main/1 gets the args.
main(Args) ->
    Name = case io:get_line("") of
        eof -> "world";
        Line ->
            case string:trim(Line) of
                "" -> "world";
                Trimmed -> Trimmed
            end
    end,
    io:format("Hello, ~ts!~n", [Name]),
    io:format("args: ~p~n", [Args]),
    io:format("squares: ~w~n", [[N * N || N <- lists:seq(1, 5)]]).
`,
};

// Programs for both runtimes are written in ISO Prolog plus `args/1` below: GNU Prolog's argument_list/1
// or SWI's argv flag. Both run `:- initialization(main).` after loading the file.
const prologArgs = `args(A) :- catch(argument_list(A), _, fail), !.
args(A) :- current_prolog_flag(argv, A).`;

export const prolog: Language = {
  name: 'prolog',
  aliases: ['plg'],
  extensions: ['.pro', '.prolog'],
  fileName: 'main.pro',
  editorMode: 'plain',
  runtimes: [
    {
      name: 'swipl',
      aliases: ['swipl', 'swi-prolog'],
      judge0Ids: [],
      debianPackages: ['swi-prolog-core'],
      tools: { swipl: 'swipl' },
      version: {
        argv: ['swipl', '--version'],
        pattern: /version (\d+\.\d+\.\d+)/,
        example: ['SWI-Prolog version 9.0.4 for x86_64-linux', '9.0.4'],
      },
      // -q: no banner. -t halt: stop after loading instead of reading queries from stdin (Piston's
      // `-g true -t halt`). --on-error=status: exit 1 when an error was printed (an uncaught exception in
      // a directive), not 0. The stacks (1 GiB by default) grow by copying, so an overflow of 64 MiB peaks
      // near 110 MiB: a clean error within the memory limit (as GNU Prolog's 16 + 32 MiB stacks), not a kill.
      run: ['swipl', '-q', '--on-error=status', '--stack-limit=64m', '-t', 'halt', '{main}', '{args}'],
    },
    {
      // GNU Prolog's interpreter prints its banner and "compiling ..." lines on stdout, so the program is
      // compiled by gplc (as Judge0 does), here in the run stage as SWI's runtime has no compile stage and
      // both runtimes of a language share their test programs. gplc assembles with `as` and links with gcc
      // (and libc6-dev, only a recommendation of gcc).
      name: 'gprolog',
      aliases: ['gprolog', 'gnu-prolog'],
      judge0Ids: [69],
      debianPackages: ['gprolog', 'gcc', 'libc6-dev'],
      tools: { sh: 'sh', gplc: 'gplc' },
      version: {
        argv: ['gplc', '--version'],
        pattern: /GNU Prolog\) (\d+\.\d+\.\d+)/,
        example: ['Prolog compiler (GNU Prolog) 1.4.5\nBy Daniel Diaz', '1.4.5'],
      },
      run: ['sh', '-c', 'gplc --no-top-level -o /tmp/main "$0" >&2 && exec /tmp/main "$@"', '{main}', '{args}'],
    },
  ],
  tests: {
    hello: ":- initialization(main).\nmain :- write('hello world'), nl.",
    echoStdin: `:- initialization(main).
main :- get_char(C), copy(C).
copy(end_of_file) :- !.
copy(C) :- put_char(C), get_char(D), copy(D).`,
    printArgs: `:- initialization(main).
${prologArgs}
main :- args(A), write_all(A), nl.
write_all([]).
write_all([X]) :- !, write(X).
write_all([X|Xs]) :- write(X), write(' '), write_all(Xs).`,
    exit3: ':- initialization(main).\nmain :- halt(3).',
    // GNU Prolog exits with 0 after an uncaught exception in a directive (it prints a warning), so the
    // error both runtimes report with a failure status is an overflow: runaway recursion.
    uncaught: {
      source: ':- initialization(main).\nmain :- loop(a).\nloop(X) :- loop(f(X)), write(X).',
      code: 1,
      stderr: /[Ss]tack/,
    },
  },
  sample: `:- initialization(main).

${prologArgs}

% The first line of stdin, as a list of characters.
read_line(Cs) :- get_char(C), rest_of_line(C, Cs).
rest_of_line(end_of_file, []) :- !.
rest_of_line('\\n', []) :- !.
rest_of_line(C, [C|Cs]) :- get_char(D), rest_of_line(D, Cs).

square(N, S) :- S is N * N.

main :-
    read_line(Cs),
    ( Cs == [] -> Name = world ; atom_chars(Name, Cs) ),
    write('Hello, '), write(Name), write('!'), nl,
    args(A), write('args: '), write(A), nl,
    findall(S, (between(1, 5, N), square(N, S)), Squares),
    write('squares: '), write(Squares), nl.
`,
};

export const raku: Language = {
  name: 'raku',
  aliases: ['rakudo', 'perl6', 'p6'],
  extensions: ['.raku', '.p6', '.pl6'],
  fileName: 'main.raku',
  editorMode: 'perl',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [],
      debianPackages: ['rakudo'],
      tools: { raku: 'raku' },
      version: {
        argv: ['raku', '--version'],
        pattern: /Rakudo\S* v(\d+\.\d+(?:\.\d+)?)/,
        example: [
          'Welcome to Rakudo™ v2022.12.\nImplementing the Raku® Programming Language v6.d.\nBuilt on MoarVM version 2022.12.',
          '2022.12',
        ],
      },
      run: ['raku', '{main}', '{args}'],
    },
  ],
  tests: {
    hello: 'say "hello world";',
    echoStdin: 'print $*IN.slurp;',
    printArgs: 'say @*ARGS.join(" ");',
    exit3: 'exit 3;',
    uncaught: { source: 'die "boom";', code: 1, stderr: /boom/ },
  },
  sample: `my $name = ($*IN.get // '').trim || 'world';
say "Hello, $name!";
say "args: @*ARGS[]";
say "squares: ", (1..5).map(* ** 2);
`,
};

export const rexx: Language = {
  name: 'rexx',
  aliases: ['regina'],
  extensions: ['.rexx', '.rex'],
  fileName: 'main.rexx',
  editorMode: 'plain',
  runtimes: [
    {
      name: 'regina',
      aliases: [],
      judge0Ids: [],
      debianPackages: ['regina-rexx'],
      tools: { rexx: 'rexx' },
      version: {
        argv: ['rexx', '-v'],
        pattern: /REXX-Regina_(\d+\.\d+(?:\.\d+)?)/,
        example: ['REXX-Regina_3.6 5.00 31 Dec 2011', '3.6'],
      },
      // Regina looks a bare file name up on its macro path, not in the working directory.
      run: ['rexx', './{main}', '{args}'],
    },
  ],
  tests: {
    hello: "say 'hello world'",
    // charin() returns '' at the end of the input; lines() on a pipe reports one line too many.
    echoStdin: `do forever
  c = charin()
  if c == '' then leave
  call charout , c
end`,
    // A program invoked from the command line gets its arguments as one string, separated by spaces.
    printArgs: 'parse arg all\nsay all',
    exit3: 'exit 3',
    // Regina exits with the negated error number (Error 42, arithmetic overflow: 256 - 42).
    uncaught: { source: 'say 1 / 0', code: 214, stderr: /Error 42/ },
  },
  sample: `/* Greets the name on stdin */
name = strip(linein())
if name = '' then name = 'world'
say 'Hello,' name || '!'
parse arg args
say 'args:' args
squares = ''
do n = 1 to 5
  squares = squares n * n
end
say 'squares:' strip(squares)
`,
};

export const logicAndShells: readonly Language[] = [elixir, erlang, prolog, raku, rexx, zsh, dash, fish];
