import type { Language } from '../types.ts';

// Shells other than bash (scripts.ts). `sh` and `.sh` are bash's.

export const zsh: Language = {
  name: 'zsh',
  aliases: [],
  extensions: ['.zsh'],
  fileName: 'main.zsh',
  editorMode: 'shell',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [],
      debianPackages: ['zsh'],
      tools: { zsh: 'zsh' },
      version: {
        argv: ['zsh', '--version'],
        pattern: /zsh (\d+\.\d+(?:\.\d+)?)/,
        example: ['zsh 5.9 (x86_64-debian-linux-gnu)', '5.9'],
      },
      run: ['zsh', '{main}', '{args}'],
    },
  ],
  tests: {
    hello: 'print hello world',
    echoStdin: 'cat',
    printArgs: 'print -r -- "$@"',
    exit3: 'exit 3',
    uncaught: { source: 'set -e\nno_such_command_here\nprint never', code: 127, stderr: /command not found/ },
  },
  sample: `read -r name || true
print "Hello, \${name:-world}!"
print -r -- "args: $*"
squares=()
for n in {1..5}; do squares+=($((n * n))); done
print "squares: $squares"
`,
};

export const dash: Language = {
  name: 'dash',
  aliases: [],
  extensions: ['.dash'],
  fileName: 'main.dash',
  editorMode: 'shell',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [],
      debianPackages: ['dash'],
      // dash has no version option: its Debian package tells it (dpkg is in every Debian system).
      tools: { dash: 'dash', 'dpkg-query': 'dpkg-query' },
      version: {
        argv: ['dpkg-query', '--show', 'dash'],
        pattern: /^dash\s+(?:\d+:)?(\d+\.\d+\.\d+)/m,
        example: ['dash\t0.5.12-2', '0.5.12'],
      },
      run: ['dash', '{main}', '{args}'],
    },
  ],
  tests: {
    hello: 'echo hello world',
    echoStdin: 'cat',
    printArgs: 'printf \'%s\\n\' "$*"',
    exit3: 'exit 3',
    uncaught: { source: 'set -e\nno_such_command_here\necho never', code: 127, stderr: /not found/ },
  },
  sample: `read -r name || true
echo "Hello, \${name:-world}!"
printf 'args: %s\\n' "$*"
n=1
squares=
while [ "$n" -le 5 ]; do
  squares="$squares $((n * n))"
  n=$((n + 1))
done
echo "squares:$squares"
`,
};

export const fish: Language = {
  name: 'fish',
  aliases: [],
  extensions: ['.fish'],
  fileName: 'main.fish',
  editorMode: 'shell',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [],
      debianPackages: ['fish'],
      tools: { fish: 'fish' },
      version: {
        argv: ['fish', '--version'],
        pattern: /version (\d+\.\d+\.\d+)/,
        example: ['fish, version 3.6.0', '3.6.0'],
      },
      // --no-config: no config.fish to read; fish still makes its config and data dirs (universal
      // variables, history), so they go to /tmp rather than into the box.
      run: ['fish', '--no-config', '{main}', '{args}'],
      env: { XDG_CONFIG_HOME: '/tmp/.config', XDG_DATA_HOME: '/tmp/.local/share', XDG_CACHE_HOME: '/tmp/.cache' },
    },
  ],
  tests: {
    hello: 'echo hello world',
    echoStdin: 'cat',
    printArgs: "string join ' ' -- $argv",
    exit3: 'exit 3',
    // fish has no `set -e`: a missing command is reported and the script goes on; as the last one, it is the status.
    uncaught: { source: 'no_such_command_here', code: 127, stderr: /Unknown command: no_such_command_here/ },
  },
  sample: `read -l name
test -n "$name"; or set name world
echo "Hello, $name!"
echo "args: $argv"
set -l squares
for n in (seq 5)
    set -a squares (math "$n * $n")
end
echo "squares: $squares"
`,
};
