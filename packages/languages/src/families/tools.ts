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
      version: { argv: ['gawk', '--version'], pattern: /GNU Awk (\d+\.\d+\.\d+)/ },
      // After --, every argument is the program's (ARGV), even one that looks like an option; as in any
      // awk, the main rules read them as input files, and stdin where there are none.
      run: ['gawk', '-f', '{main}', '--', '{args}'],
    },
  ],
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
      version: { argv: ['jq', '--version'], pattern: /jq-(\d+\.\d+(?:\.\d+)?)/ },
      // No implicit input (-n): the program reads stdin's lines as strings with input/inputs (-R), and
      // `fromjson` parses JSON; strings are printed raw (-r); the args, after -- (so that one that looks
      // like an option is still an arg), are $ARGS.positional.
      run: ['jq', '-nrR', '-f', '{main}', '--args', '--', '{args}'],
    },
  ],
  sample: `((try input catch "") | if . == "" then "world" else . end) as $name
| "Hello, \\($name)!",
  "args: \\($ARGS.positional | join(" "))",
  "squares: \\([range(1; 6) | . * .] | map(tostring) | join(" "))"
`,
};
