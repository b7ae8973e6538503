import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISK_MAX_PER_SIZE, MEMORY_MAX_PER_SIZE } from '@repo/chunks';
import { createLogger } from '@repo/service';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { CpuLoad } from './cpu.ts';
import { DiskFiles } from './disk.ts';
import { MemoryParts } from './memory.ts';
import { PartGroup } from './part-group.ts';

const logger = createLogger({ name: 'test', level: 'silent' });
const MiB = 1024n * 1024n;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

interface Setup {
  token?: string;
  failureDelayMs?: number;
  memoryLimit?: bigint;
  diskLimit?: bigint;
  numberToFactor?: bigint;
  /** The CPU load's worker module (a broken one, to see a failed load over HTTP). */
  workerUrl?: URL;
  /** The built dashboard's folder. */
  webRoot?: string;
}

async function setup(options: Setup = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'testero-app-'));
  const files = await DiskFiles.create(dataDir);
  const memory = new PartGroup({
    holder: new MemoryParts(),
    maxPerSize: MEMORY_MAX_PER_SIZE,
    limit: options.memoryLimit ?? 512n * MiB,
    logger,
    name: 'memory',
  });
  const disk = new PartGroup({
    holder: files,
    maxPerSize: DISK_MAX_PER_SIZE,
    limit: options.diskLimit ?? 256n * MiB,
    logger,
    name: 'disk',
  });
  const cpu = new CpuLoad({
    numberToFactor: options.numberToFactor ?? 493440589722494743501n,
    logger,
    maxMillicores: 2000,
    ...(options.workerUrl ? { workerUrl: options.workerUrl } : {}),
  });
  const app = createApp({
    config: { failureDelayMs: options.failureDelayMs ?? 0, token: options.token },
    logger,
    memory,
    disk,
    cpu,
    webRoot: options.webRoot,
  });
  cleanups.push(async () => {
    await Promise.all([cpu.close(), memory.close(), disk.close()]);
    await rm(dataDir, { recursive: true, force: true });
  });
  const get = async (path: string, init?: RequestInit) => {
    const res = await app.request(path, init);
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  return { app, memory, disk, cpu, files, get };
}

const ID = /^\d{19}$/;

describe('memory endpoints', () => {
  it('answers a fresh getdef and getact with zeros, in the exact text of the original', async () => {
    const { get } = await setup();
    const def = await get('/api/mem/getdef');
    expect(def.status).toBe(200);
    expect(def.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(def.text).toBe(
      [
        'Boxes of size: 262144, count: 0, total size: 0',
        'Boxes of size: 1048576, count: 0, total size: 0',
        'Boxes of size: 4194304, count: 0, total size: 0',
        'Boxes of size: 16777216, count: 0, total size: 0',
        'Boxes of size: 67108864, count: 0, total size: 0',
        'Total size reserved: 0 bytes.',
        '',
      ].join('\n'),
    );
    expect((await get('/api/mem/getact')).text).toBe(
      [
        'Last request ID: 0',
        'Parts of size: 262144, Count: 0',
        'Parts of size: 1048576, Count: 0',
        'Parts of size: 4194304, Count: 0',
        'Parts of size: 16777216, Count: 0',
        'Parts of size: 67108864, Count: 0',
        'Total size: 0 bytes.',
        '',
      ].join('\n'),
    );
  });

  it('accepts a set, answers at once with the id, then holds the plan of the spec example', async () => {
    const { get, memory } = await setup();
    const res = await get('/api/mem/set?size=100000000');
    expect(res.status).toBe(200);
    const match = /^Memory data request sent for 100000000 bytes, with id#: (\d+), check \/api\/mem\/getact\n$/.exec(
      res.text,
    );
    expect(match?.[1]).toMatch(ID);
    expect((await get('/api/mem/getdef')).text).toBe(
      [
        'Boxes of size: 262144, count: 20, total size: 5242880',
        'Boxes of size: 1048576, count: 23, total size: 24117248',
        'Boxes of size: 4194304, count: 17, total size: 71303168',
        'Boxes of size: 16777216, count: 0, total size: 0',
        'Boxes of size: 67108864, count: 0, total size: 0',
        'Total size reserved: 100663296 bytes.',
        '',
      ].join('\n'),
    );
    await memory.settled();
    expect((await get('/api/mem/getact')).text).toBe(
      [
        `Last request ID: ${match?.[1]}`,
        'Parts of size: 262144, Count: 20',
        'Parts of size: 1048576, Count: 23',
        'Parts of size: 4194304, Count: 17',
        'Parts of size: 16777216, Count: 0',
        'Parts of size: 67108864, Count: 0',
        'Total size: 100663296 bytes.',
        '',
      ].join('\n'),
    );
    await get('/api/mem/set?size=0');
    await memory.settled();
    expect(memory.heldBytes()).toBe(0n);
  });

  it('answers busy (503, Retry-After) while a set is carried out, and readers show progress meanwhile', async () => {
    const { get, memory } = await setup();
    expect((await get('/api/mem/set?size=268435456')).status).toBe(200);
    const busy = await get('/api/mem/set?size=1');
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(busy.text).toBe('Server busy, try again later\n');
    const during = await get('/api/mem/getact');
    expect(during.status).toBe(200);
    expect((await get('/api/mem/getdef')).text).toContain('Total size reserved: 269484032 bytes.');
    const total = BigInt(/Total size: (\d+) bytes\./.exec(during.text)?.[1] ?? '-1');
    expect(total).toBeGreaterThanOrEqual(0n);
    expect(total).toBeLessThan(269484032n);
    await memory.settled();
    expect((await get('/api/mem/getact')).text).toContain('Total size: 269484032 bytes.');
  });

  it('refuses a size over the limit with the original line, but always allows shrinking', async () => {
    const { get, memory } = await setup({ memoryLimit: 10n * MiB });
    const over = await get('/api/mem/set?size=111000333555');
    expect(over.status).toBe(400);
    expect(over.text).toBe(
      'Could not compute memory parts: Size requested is over the limit: requested 111000333555 bytes, limit: 10485760 bytes.\n',
    );
    expect(memory.definition.total).toBe(0n);
    expect((await get('/api/mem/set?size=10485760')).status).toBe(200);
    await memory.settled();
    expect((await get('/api/mem/set?size=0')).status).toBe(200);
    await memory.settled();
    expect(memory.heldBytes()).toBe(0n);
  });

  it.each([
    ['', '`size` is missing'],
    ['?size=', '`size` is empty'],
    ['?size=-1', '`size` is negative (-1)'],
    ['?size=1.5', '`size` is not a whole number (1.5)'],
    ['?size=abc', '`size` is not a number (abc)'],
    ['?size=18446744073709551616', '`size` is too large (18446744073709551616)'],
  ])('rejects /api/mem/set%s with 400 and one line saying what is expected', async (query, problem) => {
    const { get, memory } = await setup();
    const res = await get(`/api/mem/set${query}`);
    expect(res.status).toBe(400);
    expect(res.text).toBe(`Bad request: ${problem}; expected a whole number of bytes from 0 to 18446744073709551615\n`);
    expect(memory.busy).toBe(false);
    expect(memory.definition.total).toBe(0n);
  });

  it('takes the size from a form body on POST', async () => {
    const { get, memory } = await setup();
    const res = await get('/api/mem/set', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'size=262144',
    });
    expect(res.text).toMatch(/^Memory data request sent for 262144 bytes/);
    await memory.settled();
    expect(memory.heldBytes()).toBe(262144n);
  });
});

describe('disk endpoints', () => {
  it('writes the files and counts the ones that really exist', async () => {
    const { get, disk, files } = await setup();
    const res = await get('/api/disk/set?size=2333111');
    expect(res.text).toMatch(
      /^File data request sent for 2333111 bytes, with id#: \d{19}, check \/api\/disk\/getact\n$/,
    );
    const id = /id#: (\d+)/.exec(res.text)?.[1];
    await disk.settled();
    expect((await get('/api/disk/getdef')).text).toBe(
      [
        'Files of size: 524288, count: 5, total size: 2621440',
        'Files of size: 2097152, count: 0, total size: 0',
        'Files of size: 8388608, count: 0, total size: 0',
        'Files of size: 33554432, count: 0, total size: 0',
        'Files of size: 134217728, count: 0, total size: 0',
        'Total size reserved: 2621440 bytes.',
        '',
      ].join('\n'),
    );
    const act = [
      `Last request ID: ${id}`,
      'Files of size: 524288, Count: 5',
      'Files of size: 2097152, Count: 0',
      'Files of size: 8388608, Count: 0',
      'Files of size: 33554432, Count: 0',
      'Files of size: 134217728, Count: 0',
      'Total size: 2621440 bytes.',
      '',
    ];
    expect((await get('/api/disk/getact')).text).toBe(act.join('\n'));
    // Someone deleting a file shows in getact: it counts files, not what testero believes.
    await rm(join(files.dirOf(0), 'f-5'));
    act[1] = 'Files of size: 524288, Count: 4';
    act[6] = 'Total size: 2097152 bytes.';
    expect((await get('/api/disk/getact')).text).toBe(act.join('\n'));
  });

  it('refuses a size over the limit with the original line', async () => {
    const { get } = await setup({ diskLimit: 50554786816n });
    const res = await get('/api/disk/set?size=2333111445322376544');
    expect(res.status).toBe(400);
    expect(res.text).toBe(
      'Could not compute file distribution: Size requested is over the limit: requested 2333111445322376544 bytes, limit: 50554786816 bytes.\n',
    );
  });

  it('rejects bad sizes and answers busy while files are written', async () => {
    const { get, disk } = await setup();
    expect((await get('/api/disk/set?size=-1')).status).toBe(400);
    expect((await get('/api/disk/set?size=41943040')).status).toBe(200);
    const busy = await get('/api/disk/set?size=0');
    expect(busy.status).toBe(503);
    expect(busy.text).toBe('Server busy, try again later\n');
    expect((await get('/api/disk/getdef')).status).toBe(200);
    await disk.settled();
  });
});

describe('cpu endpoints', () => {
  it('loads, shows the load in the original format, refuses a wrong stop id with 409, then stops', async () => {
    const { get } = await setup();
    expect((await get('/api/cpu/getact')).text).toBe('No load request in progress\n');
    const res = await get('/api/cpu/load?time=60');
    const id = /^CPU load requested for 60 seconds with id: (\d{19})\n$/.exec(res.text)?.[1];
    expect(id).toBeDefined();
    const busy = await get('/api/cpu/load?time=1');
    expect(busy.status).toBe(503);
    expect(busy.text).toBe('Server busy, try again later\n');
    const act = (await get('/api/cpu/getact')).text.split('\n');
    const time = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \S+$/;
    expect(act[0]?.replace('Load request sent at: ', '')).toMatch(time);
    expect(act[1]).toBe('Load time requested: 60 seconds');
    expect(act[2]?.replace('Load request ends at: ', '')).toMatch(time);
    expect(act[3]).toBe('Number to factor: 493440589722494743501');
    expect(act).toHaveLength(5);
    const wrong = await get('/api/cpu/stop?id=1617644968125725512');
    expect(wrong.status).toBe(409);
    expect(wrong.text).toBe('Incorrect stop load request ID=1617644968125725512\n');
    const stop = await get(`/api/cpu/stop?id=${id}`);
    expect(stop.status).toBe(200);
    expect(stop.text).toBe('CPU load stopped\n');
    expect((await get('/api/cpu/getact')).text).toBe('No load request in progress\n');
    expect((await get(`/api/cpu/stop?id=${id}`)).text).toBe('No load request being processed, nothing to do\n');
  });

  it('answers 500 with the reason when the load cannot start, and getact shows the failure after the original line', async () => {
    const broken = new URL(`data:text/javascript,${encodeURIComponent('throw new Error("no thread today")')}`);
    const { get } = await setup({ workerUrl: broken });
    const load = await get('/api/cpu/load?time=30');
    expect(load.status).toBe(500);
    expect(load.text).toMatch(/^CPU load failed to start: .*no thread today/);
    const act = await get('/api/cpu/getact');
    expect(act.status).toBe(200);
    expect(act.text).toMatch(/^No load request in progress\nLast load request failed: .*no thread today/);
    const json = await get('/api/cpu/getact', { headers: { accept: 'application/json' } });
    expect(JSON.parse(json.text)).toMatchObject({
      active: false,
      failure: { message: expect.stringMatching(/no thread today/) },
    });
  });

  it('ends the load by itself once the number is factored', async () => {
    const { get, cpu } = await setup({ numberToFactor: 91n });
    await get('/api/cpu/load?time=600');
    await expect.poll(() => cpu.current, { timeout: 10_000 }).toBeUndefined();
    expect((await get('/api/cpu/getact')).text).toBe('No load request in progress\n');
  });

  it.each([
    ['/api/cpu/load', '`time` is missing; expected a whole number of seconds from 1 to 31536000'],
    ['/api/cpu/load?time=', '`time` is empty; expected a whole number of seconds from 1 to 31536000'],
    ['/api/cpu/load?time=-1', '`time` is negative (-1); expected a whole number of seconds from 1 to 31536000'],
    [
      '/api/cpu/load?time=1.5',
      '`time` is not a whole number (1.5); expected a whole number of seconds from 1 to 31536000',
    ],
    ['/api/cpu/load?time=abc', '`time` is not a number (abc); expected a whole number of seconds from 1 to 31536000'],
    ['/api/cpu/load?time=0', '`time` is out of range (0); expected a whole number of seconds from 1 to 31536000'],
    [
      '/api/cpu/load?time=18446744073709551616',
      '`time` is out of range (18446744073709551616); expected a whole number of seconds from 1 to 31536000',
    ],
    [
      '/api/cpu/load?time=5&millicores=0',
      '`millicores` is out of range (0); expected a whole number of millicores (1000 = one full core) from 1 to 2000',
    ],
    [
      '/api/cpu/load?time=5&millicores=2001',
      '`millicores` is out of range (2001); expected a whole number of millicores (1000 = one full core) from 1 to 2000',
    ],
    ['/api/cpu/stop', '`id` is missing; expected the id returned by /api/cpu/load (a whole number)'],
    [
      '/api/cpu/stop?id=abc',
      '`id` is not a valid id (abc); expected the id returned by /api/cpu/load (a whole number)',
    ],
    ['/api/cpu/stop?id=-1', '`id` is not a valid id (-1); expected the id returned by /api/cpu/load (a whole number)'],
  ])('rejects %s with 400', async (path, problem) => {
    const { get, cpu } = await setup();
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(res.text).toBe(`Bad request: ${problem}\n`);
    expect(cpu.current).toBeUndefined();
  });
});

describe('protocol', () => {
  it('answers other methods with 405 and Allow, unknown paths with 404', async () => {
    const { get } = await setup();
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const res = await get('/api/mem/set?size=1', { method });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, POST');
      expect(res.text).toBe(`Method ${method} is not allowed on /api/mem/set; use GET or POST\n`);
    }
    expect((await get('/api/cpu/getact', { method: 'POST' })).status).toBe(200);
    expect((await get('/api/nothing')).status).toBe(404);
  });

  it('gives the same information as JSON with Accept or ?format=json', async () => {
    const { get, memory } = await setup();
    const set = await get('/api/mem/set?size=100000000&format=json');
    expect(set.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = JSON.parse(set.text);
    expect(body).toEqual({
      message: expect.stringMatching(/^Memory data request sent for 100000000 bytes/),
      id: expect.stringMatching(ID),
      requested: 100000000,
      planned: 100663296,
    });
    await memory.settled();
    const json = { headers: { Accept: 'application/json' } };
    expect(JSON.parse((await get('/api/mem/getdef', json)).text)).toEqual({
      parts: [
        { size: 262144, count: 20, total: 5242880 },
        { size: 1048576, count: 23, total: 24117248 },
        { size: 4194304, count: 17, total: 71303168 },
        { size: 16777216, count: 0, total: 0 },
        { size: 67108864, count: 0, total: 0 },
      ],
      total: 100663296,
    });
    expect(JSON.parse((await get('/api/mem/getact', json)).text)).toMatchObject({
      lastRequestId: body.id,
      total: 100663296,
      inProgress: false,
    });
    // Sizes beyond 2^53 stay exact.
    const over = await get('/api/mem/set?size=18446744073709551615', json);
    expect(over.status).toBe(400);
    expect(over.text).toContain('"requested":18446744073709551615');
    expect(JSON.parse((await get('/api/mem/set?size=x', json)).text)).toEqual({
      error: expect.stringContaining('`size` is not a number (x)'),
    });
    expect(JSON.parse((await get('/api/cpu/getact?format=json')).text)).toEqual({
      active: false,
      message: 'No load request in progress',
    });
  });

  it('answers each failed request only after the failure delay', async () => {
    const { get } = await setup({ failureDelayMs: 300 });
    const started = performance.now();
    expect((await get('/api/mem/set?size=abc')).status).toBe(400);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('requires the bearer token on set, load and stop when one is configured, never on readers', async () => {
    const { get, memory } = await setup({ token: 's3cret' });
    const missing = await get('/api/mem/set?size=1');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(missing.text).toBe(
      'Unauthorized: this endpoint needs the header `Authorization: Bearer <token>` (the TESTERO_TOKEN of the server)\n',
    );
    const wrong = await get('/api/cpu/load?time=1', { headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toBe('Unauthorized: the bearer token is wrong; expected the TESTERO_TOKEN of the server\n');
    expect((await get('/api/cpu/stop?id=1')).status).toBe(401);
    expect((await get('/api/disk/set?size=0')).status).toBe(401);
    expect((await get('/api/mem/getact')).status).toBe(200);
    const ok = await get('/api/mem/set?size=1', { headers: { Authorization: 'Bearer s3cret' } });
    expect(ok.status).toBe(200);
    await memory.settled();
  });

  it('serves health, readiness and the testero metrics', async () => {
    const { get, memory } = await setup();
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(200);
    await get('/api/mem/set?size=1048576');
    await memory.settled();
    const metrics = (await get('/metrics')).text;
    expect(metrics).toContain('testero_memory_held_bytes 1048576');
    expect(metrics).toContain('testero_memory_target_bytes 1048576');
    expect(metrics).toContain('testero_memory_limit_bytes 536870912');
    expect(metrics).toContain('testero_cpu_load_active 0');
    expect(metrics).toContain('testero_cpu_max_millicores 2000');
  });
});

describe('the dashboard at /', () => {
  async function builtPage() {
    const root = await mkdtemp(join(tmpdir(), 'testero-web-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    await mkdir(join(root, 'assets'));
    await writeFile(join(root, 'index.html'), '<!doctype html><title>testero</title>');
    await writeFile(join(root, 'assets/dashboard.js'), 'console.log(1);');
    await writeFile(join(root, 'secret.txt'), 'not served');
    return root;
  }

  it('serves index.html at / with a strict CSP, and its assets under /assets/', async () => {
    const { get } = await setup({ webRoot: await builtPage() });
    const page = await get('/', { headers: { Accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toBe('<!doctype html><title>testero</title>');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const script = await get('/assets/dashboard.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await get('/assets/missing.js')).status).toBe(404);
    // Only index.html and assets/: nothing else in the folder, and nothing outside it.
    expect((await get('/secret.txt')).status).toBe(404);
    expect((await get('/assets/..%2Fsecret.txt')).status).toBe(404);
    expect((await get('/assets/../../package.json')).status).toBe(404);
  });

  it('says at / that the page is not built when its folder has no index.html', async () => {
    const root = await mkdtemp(join(tmpdir(), 'testero-web-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const { get } = await setup({ webRoot: root });
    const page = await get('/');
    expect(page.status).toBe(404);
    expect(page.text).toBe(
      'Not found: /; the dashboard is not built (pnpm --filter testero build); the API is /api/mem/{set,getdef,getact}, /api/disk/{set,getdef,getact}, /api/cpu/{load,stop,getact}, /api/status\n',
    );
    expect(page.text).not.toContain(root);
    expect((await get('/assets/dashboard.js')).status).toBe(404);
    const without = await setup();
    expect((await without.get('/')).text).toBe(page.text);
  });
});
