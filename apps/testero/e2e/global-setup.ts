import { execFileSync } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = fileURLToPath(new URL('..', import.meta.url));

/** Newest modification time under the given paths (files or folders), 0 when none exist. */
async function newest(paths: string[]): Promise<number> {
  let latest = 0;
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) continue;
    if (info.isDirectory()) {
      latest = Math.max(latest, await newest((await readdir(path)).map((entry) => join(path, entry))));
    } else {
      latest = Math.max(latest, info.mtimeMs);
    }
  }
  return latest;
}

/** Builds dist/ (server and dashboard) when the page is missing or older than its sources, so the browser tests see this code. */
export default async function setup(): Promise<void> {
  const sources = await newest([join(appDir, 'web'), join(appDir, 'build.ts'), join(appDir, 'package.json')]);
  const built = await newest([join(appDir, 'dist/web/index.html')]);
  if (built > sources) return;
  const started = performance.now();
  execFileSync(process.execPath, ['build.ts'], { cwd: appDir, stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`testero: built dist/ for the browser tests in ${Math.round(performance.now() - started)} ms`);
}
