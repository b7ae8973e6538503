// Slow (minutes): builds each image's production files without Docker, by carrying out the
// Dockerfile's own steps, then starts the app from them and asks it for /healthz.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Copy } from 'dockerfile-ast';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { apps, parseDockerfile, propertiesOf, repoRoot, type Stage, stagesOf } from './repo.ts';

const buildSteps = join(repoRoot, 'deploy/docker/build-steps.sh');

/**
 * Carries out a Dockerfile's stages on the local disk, each stage in its own folder that stands for
 * its filesystem root: WORKDIR, `COPY --from=<stage>` and `RUN build-steps ...` as written. The
 * prune stage's `COPY . .` is the repository itself. Other RUNs install tools this machine already
 * has (pnpm, turbo in node_modules/.bin) or the runtime's Debian packages, and are left out.
 * PNPM_STORE_DIR (a Docker cache mount) is not passed: the machine's pnpm store serves instead.
 */
async function carryOut(
  stages: Stage[],
  root: string,
): Promise<{ appDir: string; env: Map<string, string>; cmd: string[] }> {
  const workdirs = new Map<string, string>();
  const stageRoot = (name: string) => join(root, name);
  const local = (stage: string, workdir: string, path: string) => {
    if (stage === 'prune' && !path.startsWith('/')) return join(repoRoot, path);
    return path.startsWith('/') ? join(stageRoot(stage), path) : join(stageRoot(stage), workdir, path);
  };
  let last = { appDir: '', env: new Map<string, string>(), cmd: [] as string[] };
  for (const stage of stages) {
    const name = stage.name ?? 'final';
    let workdir = workdirs.get(stage.image) ?? '/';
    for (const instruction of stage.instructions) {
      const args = (instruction.getArgumentsContent() ?? '').split(/\s+/);
      switch (instruction.getKeyword()) {
        case 'WORKDIR':
          workdir = args[0] as string;
          mkdirSync(local(name, workdir, '.'), { recursive: true });
          break;
        case 'COPY': {
          const from = (instruction as Copy).getFromFlag()?.getValue();
          if (!from) break; // from the build context: the repository, which the prune stage uses in place
          const [source, target] = args as [string, string];
          cpSync(local(from, '/', source), local(name, workdir, target), { recursive: true });
          break;
        }
        case 'RUN': {
          if (args[0] !== 'build-steps') break;
          const stepArgs = args.slice(1).map((a) => (a.startsWith('/') || a === '.' ? local(name, workdir, a) : a));
          await execa(buildSteps, stepArgs, { cwd: local(name, workdir, '.'), stdio: 'inherit' });
          break;
        }
        case 'CMD':
          last = { ...last, cmd: JSON.parse(instruction.getArgumentsContent() ?? '[]') };
          break;
      }
    }
    workdirs.set(name, workdir);
    // ENV values may name the stage's ARGs (`REQUIRE_ISOLATION=${REQUIRE_ISOLATION}`): their defaults.
    const argDefaults = new Map(
      stage.instructions
        .filter((i) => i.getKeyword() === 'ARG')
        .map((i) => (i.getArgumentsContent() ?? '').split('=') as [string, string]),
    );
    const env = new Map(
      [...propertiesOf(stage, 'ENV')].map(([k, v]) => [
        k,
        v.replace(/\$\{(\w+)\}/g, (_, arg: string) => argDefaults.get(arg) ?? ''),
      ]),
    );
    last = { ...last, appDir: local(name, workdir, '.'), env };
  }
  return last;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<Response> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`the app exited with ${child.exitCode} before answering:\n${output()}`);
    try {
      return await fetch(url, { signal: AbortSignal.timeout(5000) });
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`no answer from ${url} within 60 s:\n${output()}`);
}

const workspaces: string[] = [];
afterAll(() => {
  for (const dir of workspaces) rmSync(dir, { recursive: true, force: true });
});

describe.each(apps)('the $name image built without Docker (slow)', ({ name }) => {
  // Written while the apps were; a missing entry point is said out loud, never silently passed.
  const unbuilt = !existsSync(join(repoRoot, `apps/${name}/src/main.ts`));
  if (unbuilt) console.warn(`skipping the ${name} image build: apps/${name}/src/main.ts does not exist yet`);
  it.skipIf(unbuilt)(
    'prunes, installs frozen from out/json, builds, collects, and the production files serve /healthz',
    { timeout: 15 * 60_000 },
    async () => {
      const root = mkdtempSync(join(tmpdir(), `image-${name}-`));
      workspaces.push(root);
      // mkdtemp makes it 0700; run as root, code-runner gives each box its own uid, which must reach WORK_DIR.
      chmodSync(root, 0o755);
      const { appDir, env, cmd } = await carryOut(stagesOf(parseDockerfile(name)), root);

      // Only production files: no node_modules, no sources.
      expect(readdirSync(appDir).toSorted()).toEqual(
        name === 'code-runner' ? ['dist', 'package.json', 'web'] : ['dist', 'package.json'],
      );

      // The image's ENV, with its absolute paths under the runtime stage's folder and a free port on loopback.
      const port = await freePort();
      const runtimeRoot = join(root, 'runtime');
      const vars: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
      for (const [key, value] of env) {
        vars[key] = value.startsWith('/') ? join(runtimeRoot, value) : value;
        if (key === 'DATADIR' || key === 'WORK_DIR') mkdirSync(vars[key], { recursive: true });
      }
      Object.assign(vars, { PORT: String(port), HOST: '127.0.0.1' });

      const [command, ...commandArgs] = cmd;
      expect(command).toBe('node');
      let output = '';
      const child = spawn(process.execPath, commandArgs, { cwd: appDir, env: vars, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (chunk) => (output += chunk));
      child.stderr?.on('data', (chunk) => (output += chunk));
      try {
        const health = await waitForHealth(`http://127.0.0.1:${port}/healthz`, child, () => output);
        expect(health.status, output).toBe(200);
        if (name === 'code-runner') {
          const page = await fetch(`http://127.0.0.1:${port}/`);
          expect(page.status).toBe(200);
          expect(await page.text()).toMatch(/<html/i);
        }
      } finally {
        // An app that already died has no exit event left to wait for.
        const exited =
          child.exitCode !== null
            ? Promise.resolve(child.exitCode)
            : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
        child.kill('SIGTERM');
        expect(await exited, `exit code after SIGTERM\n${output}`).toBe(0);
      }
    },
  );
});
