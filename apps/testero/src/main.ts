// testero: reads the environment, clears leftovers of killed instances, serves until SIGTERM/SIGINT,
// then stops the CPU load, frees the memory and deletes its files before exiting 0.
import { fileURLToPath } from 'node:url';
import { DISK_MAX_PER_SIZE, MEMORY_MAX_PER_SIZE } from '@repo/chunks';
import { ConfigError, createLogger, createRegistry, serveApp } from '@repo/service';
import { createApp } from './app.ts';
import { CgroupView } from './cgroup.ts';
import { readConfig } from './config.ts';
import { CpuLoad } from './cpu.ts';
import { DiskFiles, removeLeftovers } from './disk.ts';
import { defaultDiskLimit, defaultMemoryLimit } from './limits.ts';
import { MemoryParts } from './memory.ts';
import { PartGroup } from './part-group.ts';

let config: ReturnType<typeof readConfig>;
try {
  config = readConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`testero: ${error.message}\n`);
  process.exit(2);
}

const logger = createLogger({ name: 'testero', level: config.logLevel });
const removed = await removeLeftovers(config.dataDir);
if (removed.length > 0) logger.warn({ removed }, 'removed data directories left by earlier instances');

const memoryRoom = await defaultMemoryLimit();
const memoryLimit = config.highMemLimit ?? memoryRoom.limit;
const diskLimit = config.highFileLimit ?? (await defaultDiskLimit(config.dataDir));
const files = await DiskFiles.create(config.dataDir);
const memory = new PartGroup({
  holder: new MemoryParts(),
  maxPerSize: MEMORY_MAX_PER_SIZE,
  limit: memoryLimit,
  logger,
  name: 'memory',
});
const disk = new PartGroup({ holder: files, maxPerSize: DISK_MAX_PER_SIZE, limit: diskLimit, logger, name: 'disk' });
const cpu = new CpuLoad({ numberToFactor: config.numberToFactor, logger });
const cgroup = await CgroupView.open();
logger.info(
  {
    memoryLimit: String(memoryLimit),
    memoryLimitFrom: config.highMemLimit === undefined ? memoryRoom.source : 'HIGHMEMLIM',
    diskLimit: String(diskLimit),
    dataDir: files.root,
    numberToFactor: String(config.numberToFactor),
    maxMillicores: cpu.maxMillicores,
    memoryCgroup: cgroup.memoryCgroup ? `v${cgroup.memoryCgroup.version} ${cgroup.memoryCgroup.dir}` : null,
    cpuCgroup: cgroup.cpuCgroup ? `v${cgroup.cpuCgroup.version} ${cgroup.cpuCgroup.dir}` : null,
  },
  'limits',
);

let stopping = false;
const app = createApp({
  config,
  logger,
  memory,
  disk,
  cpu,
  cgroup,
  dataDir: config.dataDir,
  // dist/web/ both from src/main.ts (development, tests) and from the bundle dist/main.js (the image).
  webRoot: fileURLToPath(new URL('../dist/web/', import.meta.url)),
  registry: createRegistry(),
  readiness: () => (stopping ? { ready: false, reason: 'shutting down' } : { ready: true }),
});

await serveApp({
  app,
  port: config.port,
  hostname: config.host,
  logger,
  onShutdown: async () => {
    stopping = true;
    cgroup.close();
    await Promise.all([cpu.close(), memory.close(), disk.close()]);
    logger.info('released memory, files and CPU load');
  },
});
