// The real server as a child process: memory really resident, files really on disk, CPU really used.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DISK_MAX_PER_SIZE, DISK_PART_SIZES, plan } from '@repo/chunks';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const MiB = 1024 * 1024;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const children: ChildProcess[] = [];
const dataDirs: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
});
afterAll(async () => {
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
});

async function newDataDir() {
  const dir = await mkdtemp(join(tmpdir(), 'testero-main-'));
  dataDirs.push(dir);
  return dir;
}

async function start(dataDir: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATADIR: dataDir, FAILURE_DELAY_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    err += chunk;
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
      const match = /"port":(\d+)[^\n]*"msg":"listening"/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`testero exited early with ${code}: ${err}${out}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  const get = async (path: string) => {
    const res = await fetch(base + path);
    return { status: res.status, text: await res.text() };
  };
  const pid = child.pid as number;
  return { child, get, pid, output: () => out };
}

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) * 1024;
}

async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

const totalOf = (text: string) => Number(/Total size: (\d+) bytes\./.exec(text)?.[1]);

async function waitForTotal(get: (path: string) => Promise<{ text: string }>, group: string, total: number) {
  await expect
    .poll(async () => totalOf((await get(`/api/${group}/getact`)).text), { timeout: 60_000, interval: 100 })
    .toBe(total);
}

describe('testero as a process', () => {
  it('makes 256 MiB resident on mem/set and gives it back on size=0', async () => {
    const { get, pid } = await start(await newDataDir());
    const heapBytes = async () =>
      Number(/^nodejs_heap_size_total_bytes (\d+)/m.exec((await get('/metrics')).text)?.[1]);
    const before = await rssBytes(pid);
    const heapBefore = await heapBytes();
    expect((await get('/api/mem/set?size=268435456')).status).toBe(200);
    await waitForTotal(get, 'mem', 269484032);
    const held = await rssBytes(pid);
    // Allocating 256 MiB off-heap makes V8 collect, and the JS heap may give a few MiB of pages back
    // meanwhile: count the rise beyond what the heap gave back.
    const heapShrink = Math.max(0, heapBefore - (await heapBytes()));
    expect(held + heapShrink - before).toBeGreaterThanOrEqual(256 * MiB);
    expect((await get('/api/mem/set?size=0')).status).toBe(200);
    await waitForTotal(get, 'mem', 0);
    expect((await rssBytes(pid)) - before).toBeLessThan(64 * MiB);
  });

  it('writes 100 MiB of real files, and deletes them and exits 0 on SIGTERM', async () => {
    const dataDir = await newDataDir();
    const { get, child } = await start(dataDir);
    expect((await get('/api/disk/set?size=104857600')).status).toBe(200);
    const planned = Number(plan(104857600n, DISK_PART_SIZES, DISK_MAX_PER_SIZE).total);
    await waitForTotal(get, 'disk', planned);
    const [root] = await readdir(dataDir);
    expect(root).toMatch(/^testero-[0-9a-f]{16}$/);
    let total = 0;
    for (const sizeDir of (await readdir(join(dataDir, `${root}`))).filter((name) => name.startsWith('d-'))) {
      const size = Number(sizeDir.slice(2));
      for (const name of await readdir(join(dataDir, `${root}`, sizeDir))) {
        expect(name).toMatch(/^f-\d+$/);
        const path = join(dataDir, `${root}`, sizeDir, name);
        const info = await stat(path);
        expect(info.size).toBe(size);
        // Allocated, not sparse.
        expect(info.blocks * 512).toBeGreaterThanOrEqual(size);
        const file = await open(path);
        const { buffer } = await file.read({ buffer: Buffer.alloc(65536), position: size - 65536 });
        await file.close();
        expect(buffer.some((byte) => byte !== 0)).toBe(true);
        total += size;
      }
    }
    expect(total).toBe(planned);
    expect(total).toBeGreaterThanOrEqual(104857600);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('removes the files a killed instance left behind when it starts again, and nothing else', async () => {
    const dataDir = await newDataDir();
    const first = await start(dataDir);
    await first.get('/api/disk/set?size=5000000');
    await waitForTotal(first.get, 'disk', 5242880);
    const [leftover] = await readdir(dataDir);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    // Not ours: a directory with our name pattern but no marker, and an unrelated file.
    await rm(join(dataDir, 'testero-0000000000000000'), { recursive: true, force: true });
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(join(dataDir, 'testero-0000000000000000'));
    await writeFile(join(dataDir, 'keep.txt'), 'not testero’s');
    const second = await start(dataDir);
    const entries = await readdir(dataDir);
    expect(entries).not.toContain(leftover);
    expect(entries).toContain('testero-0000000000000000');
    expect(entries).toContain('keep.txt');
    expect(second.output()).toContain('removed data directories left by earlier instances');
  });

  it('burns about one core for `time` seconds, half a core with millicores=500, and stops early on stop', async () => {
    const { get, pid } = await start(await newDataDir());
    const run = async (query: string) => {
      const before = await cpuSeconds(pid);
      const res = await get(`/api/cpu/load?${query}`);
      expect(res.status).toBe(200);
      // The server keeps answering while loaded.
      expect((await get('/healthz')).status).toBe(200);
      expect((await get('/api/cpu/getact')).text).toMatch(/^Load request sent at: /);
      await expect
        .poll(async () => (await get('/api/cpu/getact')).text, { timeout: 30_000, interval: 200 })
        .toBe('No load request in progress\n');
      return { used: (await cpuSeconds(pid)) - before, id: /id: (\d+)/.exec(res.text)?.[1] };
    };
    const full = await run('time=3');
    expect(full.used).toBeGreaterThan(2.2);
    expect(full.used).toBeLessThan(4.5);
    const half = await run('time=3&millicores=500');
    expect(half.used).toBeGreaterThan(0.9);
    expect(half.used).toBeLessThan(2.4);

    const before = await cpuSeconds(pid);
    const started = performance.now();
    const id = /id: (\d+)/.exec((await get('/api/cpu/load?time=30')).text)?.[1];
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await get(`/api/cpu/stop?id=${id}`)).text).toBe('CPU load stopped\n');
    expect((await get('/api/cpu/getact')).text).toBe('No load request in progress\n');
    expect(performance.now() - started).toBeLessThan(10_000);
    expect((await cpuSeconds(pid)) - before).toBeLessThan(5);
  });

  it('refuses to start with a bad variable and names it', async () => {
    const child = spawn(process.execPath, [main], {
      env: { ...process.env, PORT: '0', DATADIR: '/nonexistent/testero', HIGHMEMLIM: '2GB' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(err).toContain('DATADIR: expected an existing directory (got "/nonexistent/testero")');
    expect(err).toContain('HIGHMEMLIM: expected a whole number of bytes (got "2GB")');
  });
});
