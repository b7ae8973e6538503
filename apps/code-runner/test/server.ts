import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ServerProcess {
  child: ChildProcess;
  /** Its WORK_DIR: removed by `stop()` unless the caller gave it. */
  workDir: string;
  baseUrl: string;
  log: () => string;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `node <entry>` as a real server on a free port and waits until it listens. Its WORK_DIR is a new
 * directory that `stop()` removes, unless `env.WORK_DIR` names one (a server after a killed one cleans up there).
 */
export async function startServer(entry: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const ownDir = env.WORK_DIR === undefined;
  const workDir = env.WORK_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'code-runner-server-'));
  chmodSync(workDir, 0o711);
  const removeDir = () => ownDir && rmSync(workDir, { recursive: true, force: true });
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', WORK_DIR: workDir, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not listen within 60 s:\n${out}`)), 60_000);
    const check = () => {
      const match = /"port":(\d+)[^\n]*"msg":"listening"/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    child,
    workDir,
    baseUrl: `http://127.0.0.1:${port}`,
    log: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          removeDir();
          resolve(child.exitCode);
          return;
        }
        child.once('exit', (code) => {
          removeDir();
          resolve(code);
        });
        child.kill('SIGTERM');
      }),
  };
}
