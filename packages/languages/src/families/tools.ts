import type { Language } from '../types.ts';

// Unix text and data tools as languages: the program is a file the tool reads, stdin is its input.

export const awk: Language = {
  name: 'awk',
  aliases: [],
  extensions: ['.awk'],
  fileName: 'main.awk',
  editorMode: 'plain',
  runtimes: [
    {
      name: 'gawk',
      aliases: ['gawk'],
      judge0Ids: [],
      debianPackages: ['gawk'],
      tools: { gawk: 'gawk' },
      version: {
        argv: ['gawk', '--version'],
        pattern: /GNU Awk (\d+\.\d+\.\d+)/,
        example: ['GNU Awk 5.2.1, API 3.2, PMA Avon 8-g1, (GNU MPFR 4.2.0, GNU MP 6.2.1)', '5.2.1'],
      },
      // After --, every argument is the program's (ARGV), even one that looks like an option; as in any
      // awk, the main rules read them as input files, and stdin where there are none.
      run: ['gawk', '-f', '{main}', '--', '{args}'],
    },
  ],
  tests: {
    hello: 'BEGIN { print "hello world" }',
    echoStdin: '{ print }',
    printArgs: 'BEGIN { for (i = 1; i < ARGC; i++) printf "%s%s", (i > 1 ? " " : ""), ARGV[i]; print "" }',
    exit3: 'BEGIN { exit 3 }',
    uncaught: { source: 'BEGIN { x = 0; print 1 / x }', code: 2, stderr: /fatal: division by zero/ },
  },
  sample: `BEGIN {
    if ((getline name < "/dev/stdin") <= 0 || name == "") name = "world"
    print "Hello, " name "!"
    args = ""
    for (i = 1; i < ARGC; i++) args = args " " ARGV[i]
    print "args:" args
    for (n = 1; n <= 5; n++) printf "%d ", n * n
    print ""
}
`,
};

export const jq: Language = {
  name: 'jq',
  aliases: [],
  extensions: ['.jq'],
  fileName: 'main.jq',
  editorMode: 'plain',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [],
      debianPackages: ['jq'],
      tools: { jq: 'jq' },
      version: { argv: ['jq', '--version'], pattern: /jq-(\d+\.\d+(?:\.\d+)?)/, example: ['jq-1.6', '1.6'] },
      // No implicit input (-n): the program reads stdin's lines as strings with input/inputs (-R), and
      // `fromjson` parses JSON; strings are printed raw (-r); the args, after -- (so that one that looks
      // like an option is still an arg), are $ARGS.positional.
      run: ['jq', '-nrR', '-f', '{main}', '--args', '--', '{args}'],
    },
  ],
  tests: {
    hello: '"hello world"',
    echoStdin: 'inputs',
    printArgs: '$ARGS.positional | join(" ")',
    exit3: '"" | halt_error(3)',
    uncaught: { source: 'error("boom")', code: 5, stderr: /jq: error .*boom/ },
  },
  sample: `((try input catch "") | if . == "" then "world" else . end) as $name
| "Hello, \\($name)!",
  "args: \\($ARGS.positional | join(" "))",
  "squares: \\([range(1; 6) | . * .] | map(tostring) | join(" "))"
`,
};
