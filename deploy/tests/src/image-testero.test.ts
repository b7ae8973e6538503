// Slow (a minute or more; a local base first on a machine without one): builds testero's image with
// podman from deploy/docker/testero.Dockerfile, then runs it as it ships (its own user, never
// --privileged) and checks it over HTTP: a container memory limit, SIGTERM.
import { existsSync, readdirSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appFiles,
  buildTwice,
  type Container,
  inCI,
  mib,
  podmanMissing,
  processes,
  runContainer,
} from './image-podman.ts';

const image = 'localhost/testero:test';
const missing = await podmanMissing();
if (missing && inCI) throw new Error(`CI promises the image tests, but ${missing}`);
if (missing) console.warn(`SKIPPING the testero image tests: ${missing}`);

describe.skipIf(missing)('the testero image, built by podman and run as it ships (slow)', () => {
  const containers: Container[] = [];
  const volume = `testero-test-data-${process.pid}`;
  beforeAll(async () => {
    await buildTwice('testero', image);
  });
  afterAll(async () => {
    for (const container of containers) await container.remove();
    await execa('podman', ['volume', 'rm', '-f', volume], { reject: false });
  });

  it('holds only the production files, root-owned, runs as uid 10001 under tini', async () => {
    const { stdout } = await execa('podman', ['image', 'inspect', '--format', '{{json .Config}}', image]);
    const config = JSON.parse(stdout) as { User: string; Entrypoint: string[]; Cmd: string[] };
    expect(config.User).toBe('10001:10001');
    expect(config.Entrypoint).toEqual(['/usr/bin/tini', '--']);
    expect(config.Cmd).toEqual(['node', '--enable-source-maps', 'dist/main.js']);
    // What the old build-without-Docker test checked: only the bundle, nothing the service user can change.
    const files = await appFiles(image);
    expect(files.map((file) => file.name).toSorted()).toEqual(['dist', 'package.json']);
    for (const file of files) expect(file.owner, file.name).toBe('0:0');
  });

  it('inside --memory 512m, limits itself below the container, refuses past it, and SIGTERM deletes its files and exits 0', async () => {
    const container = await runContainer({
      image,
      name: `testero-test-${process.pid}`,
      port: 8080,
      options: ['--memory', '512m', '--volume', `${volume}:/data`],
    });
    containers.push(container);
    console.log(
      `FIGURES testero: /readyz 200 ${container.readyMs.toFixed(0)} ms after podman run ` +
        `(${container.readyAfterStartMs.toFixed(0)} ms after the container started)`,
    );

    const procs = await processes(container);
    expect(procs.find((p) => p.pid === 1)?.name).toBe('tini');
    const server = procs.find((p) => p.cmdline === 'node --enable-source-maps dist/main.js');
    expect(server, JSON.stringify(procs)).toMatchObject({ ppid: 1, uid: 10001 });

    // The default limit: what the container's cgroup allows minus current usage, minus a margin.
    const metrics = await (await fetch(`${container.url}/metrics`)).text();
    const limit = Number(/^testero_memory_limit_bytes (\d+)/m.exec(metrics)?.[1]);
    console.log(`FIGURES testero: default memory limit ${limit} bytes (${mib(limit)}) inside --memory 512m`);
    expect(limit).toBeGreaterThan(256 * 2 ** 20);
    expect(limit).toBeLessThan(512 * 2 ** 20);

    const over = await fetch(`${container.url}/api/mem/set?size=${600 * 2 ** 20}`);
    expect(over.status).toBe(400);
    expect(await over.text()).toMatch(/Size requested is over the limit: requested \d+ bytes, limit: \d+ bytes/);

    // Within the limit it really holds the memory, and files in /data.
    const hold = 200 * 2 ** 20;
    expect((await fetch(`${container.url}/api/mem/set?size=${hold}`)).status).toBe(200);
    await expect
      .poll(
        async () =>
          ((await (await fetch(`${container.url}/api/mem/getact?format=json`)).json()) as { total: number }).total,
        { timeout: 30_000, interval: 200 },
      )
      .toBeGreaterThanOrEqual(hold);
    expect((await fetch(`${container.url}/api/disk/set?size=2333111`)).status).toBe(200);
    const { stdout: mountpoint } = await execa('podman', ['volume', 'inspect', '--format', '{{.Mountpoint}}', volume]);
    await expect.poll(() => readdirSync(mountpoint).length, { timeout: 30_000 }).toBeGreaterThan(0);
    const node = (await processes(container)).find((p) => p.cmdline === 'node --enable-source-maps dist/main.js');
    console.log(`FIGURES testero: server RSS ${node?.rssKb} kB holding ${mib(hold)}`);
    expect(node?.rssKb ?? 0).toBeGreaterThan(hold / 1024);

    const code = await container.stop(30);
    const logs = await container.logs();
    expect(code, logs).toBe(0);
    expect(logs).toContain('released memory, files and CPU load');
    expect(existsSync(mountpoint) ? readdirSync(mountpoint) : []).toEqual([]);
  });
});
