import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(appDir, '../..');

/** Newest modification time under the given paths (files or folders), 0 when none exist. */
async function newest(paths: string[]): Promise<number> {
  let latest = 0;
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) continue;
    if (info.isDirectory()) {
      const entries = await readdir(path);
      latest = Math.max(latest, await newest(entries.map((e) => join(path, e))));
    } else {
      latest = Math.max(latest, info.mtimeMs);
    }
  }
  return latest;
}

/** Builds dist/ with Vite when it is missing or older than its sources, so the browser tests see this code. */
export default async function setup(): Promise<void> {
  const sources = await newest([
    join(appDir, 'src'),
    join(appDir, 'index.html'),
    join(appDir, 'vite.config.ts'),
    join(appDir, 'package.json'),
    join(repoRoot, 'packages/runner-api/src'),
    // The page bundles the language manifest (samples, editor modes).
    join(repoRoot, 'packages/languages/src'),
  ]);
  const built = await newest([join(appDir, 'dist/index.html')]);
  if (built > sources) return;
  const started = performance.now();
  await build({ root: appDir, configFile: join(appDir, 'vite.config.ts'), logLevel: 'warn' });
  console.log(`runner-web: built dist/ for the browser tests in ${Math.round(performance.now() - started)} ms`);
}
