// Bundles the server and its CPU worker into dist/ (workspace packages and dependencies included),
// so the image needs only `node dist/main.js` and no node_modules; and the dashboard (web/) into
// dist/web/, which the server serves at `/`.
import { copyFile, rm } from 'node:fs/promises';
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

// Fresh each time, so no asset of an earlier build lingers in the image.
await rm('dist/web', { recursive: true, force: true });
await build({
  entryPoints: ['web/dashboard.ts', 'web/dashboard.css'],
  outdir: 'dist/web/assets',
  entryNames: '[name]',
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: ['chrome111', 'firefox115', 'safari16.4'],
  minify: true,
  sourcemap: true,
  logLevel: 'info',
});
await copyFile('web/index.html', 'dist/web/index.html');
