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
      aliases: [],
      judge0Ids: [71],
      debianPackages: ['python3'],
      tools: { python3: 'python3' },
      version: { argv: ['python3', '--version'], pattern: /Python (\d+\.\d+\.\d+\S*)/ },
      run: ['python3', '{main}', '{args}'],
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
