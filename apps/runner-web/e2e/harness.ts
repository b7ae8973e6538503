import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export const appDir = fileURLToPath(new URL('..', import.meta.url));
export const repoRoot = join(appDir, '../..');
export const screenshotDir = join(process.env.ARTIFACTS_DIR ?? join(repoRoot, 'artifacts'), 'screenshots');

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port from the OS');
  return address.port;
}

/**
 * Starts the real code-runner on a free port, serving this app's fresh dist/, and waits for /readyz.
 * `env` adds to or overrides its environment (e.g. NUM_RUNNERS, MAX_QUEUE).
 */
export async function startCodeRunner(
  env: Record<string, string> = {},
  readyWithinMs = 90_000,
): Promise<RunningServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // A work directory of its own, so parallel test servers never share boxes; the per-box uids must reach it.
  const workDir = await mkdtemp(join(tmpdir(), 'code-runner-test-'));
  await chmod(workDir, 0o755);
  const child: ChildProcess = spawn(process.execPath, ['apps/code-runner/src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      WORK_DIR: workDir,
      WEB_ROOT: join(appDir, 'dist'),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-4000);
  });
  const exited = once(child, 'exit');
  const deadline = Date.now() + readyWithinMs;
  let lastAnswer = '';
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-runner exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${stderr}`);
    }
    const ready = await fetch(`${url}/readyz`).then(
      async (res) => (res.ok ? true : `${res.status} ${await res.text()}`),
      (error: Error) => error.message,
    );
    if (ready === true) break;
    lastAnswer = ready;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `code-runner was not ready at ${url}/readyz within ${readyWithinMs} ms (last answer: ${lastAnswer}):\n${stderr}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or null. Printed, never silent: bootstrap installs chromium as root. */
export const chromiumMissing: string | null = existsSync(chromiumPath)
  ? null
  : `browser tests skipped: no chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`;
if (chromiumMissing) console.warn(`runner-web: ${chromiumMissing}`);

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

/** Opens the page and waits until the languages are loaded. */
export async function openRunner(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('#language:not([disabled])').waitFor();
}

/** Picks the runtime whose label starts with `language ` (e.g. "python 3.11.2"). */
export async function pickLanguage(page: Page, language: string): Promise<void> {
  const value = await page
    .locator('#language option')
    .evaluateAll(
      (options, name) => (options as HTMLOptionElement[]).find((o) => o.text.startsWith(`${name} `))?.value,
      language,
    );
  if (value === undefined) throw new Error(`the server offers no ${language}`);
  await page.selectOption('#language', value);
}

/** Replaces the editor's content as a paste would. */
export async function setCode(page: Page, code: string): Promise<void> {
  await page.locator('#editor .cm-content').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(code);
}

export function editorText(page: Page): Promise<string> {
  // CodeMirror renders one .cm-line per line.
  return page.locator('#editor .cm-line').evaluateAll((lines) => lines.map((l) => l.textContent).join('\n'));
}
