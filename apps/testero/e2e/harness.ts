import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export const appDir = fileURLToPath(new URL('..', import.meta.url));
export const repoRoot = join(appDir, '../..');
export const screenshotDir = join(process.env.ARTIFACTS_DIR ?? join(repoRoot, 'artifacts'), 'screenshots');

export interface RunningTestero {
  url: string;
  stop(): Promise<void>;
}

/** The real server (src/main.ts, serving dist/web from global-setup) in a fresh DATADIR, on a free port. */
export async function startTestero(env: Record<string, string> = {}): Promise<RunningTestero> {
  const dataDir = await mkdtemp(join(tmpdir(), 'testero-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [join(appDir, 'src/main.ts')], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATADIR: dataDir, FAILURE_DELAY_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /"port":(\d+)[^\n]*"msg":"listening"/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`testero exited early with ${code}: ${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or null. Printed, never silent. */
export const chromiumMissing: string | null = existsSync(chromiumPath)
  ? null
  : `browser tests skipped: no chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`;
// CI installs chromium: there, a missing browser is a failure, not a skip.
if (chromiumMissing && process.env.CI === 'true')
  throw new Error(`testero: CI=true promises a browser, but ${chromiumMissing}`);
if (chromiumMissing) console.warn(`testero: ${chromiumMissing}`);

/** Debian's chromium, headless, with nothing that talks to the outside. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** What one chart holds: its number of points and the newest value of each series. */
export async function chartData(
  page: Page,
  chart: 'memory' | 'disk' | 'cpu',
): Promise<{ points: number; last: Record<string, number | null> }> {
  // Read in the page; Node's lib has no DOM types, so the element is taken for what it has.
  const { points, last } = await page
    .locator(`#${chart}-chart`)
    .evaluate((element) => ({ ...(element as unknown as { dataset: Record<string, string | undefined> }).dataset }));
  return { points: Number(points ?? 0), last: JSON.parse(last ?? '{}') };
}
