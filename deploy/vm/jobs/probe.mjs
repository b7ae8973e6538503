// What the sandbox gets where this runs (a container in the guest): the cgroup mount, the level, and a
// run's peak memory and OOM verdict. One JSON line, prefixed `PROBE `, for container.sh.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeIsolation, Sandbox } from '../../../packages/sandbox/src/index.ts';

const cgroupMount = readFileSync('/proc/self/mountinfo', 'utf8')
  .split('\n')
  .find((line) => line.includes(' - cgroup2 '));
const result = {
  uid: process.getuid(),
  ownCgroup: readFileSync('/proc/self/cgroup', 'utf8').trim(),
  cgroupMount: cgroupMount?.replace(/^\S+ \S+ \S+ /, '') ?? null,
};
const sandbox = await Sandbox.create({ workRoot: mkdtempSync(path.join(os.tmpdir(), 'probe-')), boxes: 2 });
result.level = sandbox.isolation.level;
result.cgroup = sandbox.isolation.cgroup;
result.isolation = describeIsolation(sandbox.isolation);
const box = await sandbox.createBox(0);
const echo = await sandbox.run({ box, argv: ['sh', '-c', 'echo hi'], limits: { wallTimeMs: 30_000 } });
result.echo = { status: echo.status, memoryBytes: echo.memoryBytes, cpuTimeMs: echo.cpuTimeMs };
const hog = await sandbox.run({
  box,
  argv: ['python3', '-c', "b = b'x' * (300 << 20)"],
  limits: { memoryBytes: 64 << 20, wallTimeMs: 60_000, cpuTimeMs: 30_000 },
});
result.hog = { status: hog.status, memoryBytes: hog.memoryBytes, message: hog.message };
result.serverCgroup = readFileSync('/proc/self/cgroup', 'utf8').trim();
await sandbox.close();
console.log(`PROBE ${JSON.stringify(result)}`);
