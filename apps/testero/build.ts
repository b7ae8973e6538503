// Bundles the server and its CPU worker into dist/ (workspace packages and dependencies included),
// so the image needs only `node dist/main.js` and no node_modules.
import { build } from 'esbuild';

await build({
  entryPoints: { main: 'src/main.ts', 'cpu-worker': 'src/cpu-worker.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  packages: 'bundle',
  sourcemap: true,
  logLevel: 'info',
  // pino and others still call require() for Node built-ins inside an ES module bundle.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
