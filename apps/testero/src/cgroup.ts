import { join } from 'node:path';
import { cgroupCandidates, readBytes, readText, type SystemPaths, UNLIMITED } from './limits.ts';

/** The memory figures of testero's own cgroup, as cAdvisor and the kubelet read them. */
export interface CgroupMemory {
  version: 1 | 2;
  /** The cgroup directory read. */
  path: string;
  /** `memory.current` (v2) or `memory.usage_in_bytes` (v1). */
  usage: bigint;
  /** What the kubelet and `kubectl top` call the working set: usage minus inactive file pages (cAdvisor). */
  workingSet: bigint;
  /** Anonymous memory: `anon` (v2) or `total_rss` (v1). */
  anon: bigint | null;
  /** Page cache: `file` (v2) or `total_cache` (v1). */
  file: bigint | null;
  /** `inactive_file` (v2) or `total_inactive_file` (v1): the part of the page cache the working set leaves out. */
  inactiveFile: bigint | null;
  /** `memory.peak` (v2, kernel 5.19+) or `memory.max_usage_in_bytes` (v1). */
  peak: bigint | null;
  /** The limit that binds: the smallest of the cgroup's and its ancestors' (null: none). */
  limit: bigint | null;
  /** OOM kills in the cgroup: `oom_kill` of `memory.events` (v2) or of `memory.oom_control` (v1). */
  oomKills: bigint | null;
}

/** The CPU use of testero's cgroup over the last window, next to the process's own. */
export interface CgroupCpu {
  version: 1 | 2 | null;
  path: string | null;
  /** Thousandths of a core the cgroup used over the window (null until two samples exist, or no cgroup). */
  millicores: number | null;
  /** The same for this process alone (its threads, CPU loads included). */
  processMillicores: number | null;
  /** How long the window really is. */
  windowSeconds: number;
  /** The cgroup's CPU quota in millicores (`cpu.max` v2, `cpu.cfs_quota_us` v1; null: none). */
  limitMillicores: number | null;
}

interface Found {
  version: 1 | 2;
  dir: string;
  /** The existing directories above it, nearest first. */
  above: string[];
}

/** The first candidate directory, own cgroup first, that has `file` (v2) or `v1File` (v1). */
async function locate(
  paths: SystemPaths,
  controller: string,
  v2File: string,
  v1File: string,
  v1Mounts?: readonly string[],
): Promise<Found | undefined> {
  for (const { version, dirs } of await cgroupCandidates(paths, controller, v1Mounts)) {
    for (const [i, dir] of dirs.entries()) {
      if ((await readText(join(dir, version === 2 ? v2File : v1File))) === undefined) continue;
      return { version, dir, above: dirs.slice(i + 1) };
    }
  }
  return undefined;
}

/** `key value` lines (memory.stat, memory.events, cpu.stat, memory.oom_control) as a map. */
function keyed(text: string | undefined): Map<string, bigint> {
  const values = new Map<string, bigint>();
  for (const line of text?.split('\n') ?? []) {
    const [, key, value] = /^(\w+) (\d+)$/.exec(line.trim()) ?? [];
    if (key !== undefined && value !== undefined) values.set(key, BigInt(value));
  }
  return values;
}

/**
 * usage − inactive file pages, as cAdvisor's `setMemoryStats` computes it (the kubelet's eviction and
 * `kubectl top` use that figure; containerd's CRI `getWorkingSet`/`getWorkingSetV2` agree): 0 when the
 * inactive file pages exceed the usage; the usage itself when the kernel gives no such figure.
 */
export function workingSet(usage: bigint, inactiveFile: bigint | null): bigint {
  if (inactiveFile === null) return usage;
  return usage < inactiveFile ? 0n : usage - inactiveFile;
}

const cpuQuota = (quota: bigint | undefined, period: bigint | undefined) =>
  quota === undefined || period === undefined || period === 0n ? null : Number((quota * 1000n) / period);

async function v2CpuLimit(dirs: string[]): Promise<number | null> {
  let best: number | null = null;
  for (const dir of dirs) {
    const [quota, period] = ((await readText(join(dir, 'cpu.max'))) ?? '').trim().split(' ');
    if (!quota || !period || !/^\d+$/.test(quota) || !/^\d+$/.test(period)) continue;
    const millicores = cpuQuota(BigInt(quota), BigInt(period));
    if (millicores !== null && (best === null || millicores < best)) best = millicores;
  }
  return best;
}

async function v1CpuLimit(paths: SystemPaths): Promise<number | null> {
  const found = await locate(paths, 'cpu', 'cpu.max', 'cpu.cfs_quota_us', ['cpu', 'cpu,cpuacct']);
  if (!found) return null;
  let best: number | null = null;
  for (const dir of [found.dir, ...found.above]) {
    const quota = (await readText(join(dir, 'cpu.cfs_quota_us')))?.trim();
    const period = await readBytes(join(dir, 'cpu.cfs_period_us'));
    if (quota === undefined || !/^\d+$/.test(quota)) continue; // -1: no quota
    const millicores = cpuQuota(BigInt(quota), period);
    if (millicores !== null && (best === null || millicores < best)) best = millicores;
  }
  return best;
}

interface CpuSample {
  /** performance.now() */
  at: number;
  /** The cgroup's CPU time in ns. */
  cgroupNs: bigint | undefined;
  /** The process's CPU time in µs. */
  processUs: number;
}

export interface CgroupViewOptions {
  paths?: SystemPaths;
  /** The CPU window: the figures cover about this much time (default 5 s). */
  windowMs?: number;
  /** How often the CPU time is sampled (default 1 s). */
  sampleMs?: number;
}

/**
 * testero's cgroup as the kubelet sees it: found once (v2 or v1, own cgroup, an ancestor, or the root of
 * a namespaced mount, as for the default memory limit), then read on every call. The CPU use is a
 * sliding window over samples taken every second.
 */
export class CgroupView {
  readonly memoryCgroup: Found | undefined;
  readonly cpuCgroup: Found | undefined;
  readonly #paths: SystemPaths;
  readonly #windowMs: number;
  readonly #sampleMs: number;
  readonly #samples: CpuSample[] = [];
  #limitMillicores: number | null = null;
  #timer: NodeJS.Timeout | undefined;

  private constructor(
    paths: SystemPaths,
    memory: Found | undefined,
    cpu: Found | undefined,
    options: CgroupViewOptions,
  ) {
    this.#paths = paths;
    this.memoryCgroup = memory;
    this.cpuCgroup = cpu;
    this.#windowMs = options.windowMs ?? 5000;
    this.#sampleMs = options.sampleMs ?? 1000;
  }

  /** Finds the cgroup and starts sampling its CPU time; `close()` stops. */
  static async open(options: CgroupViewOptions = {}): Promise<CgroupView> {
    const paths = options.paths ?? {};
    const memory = await locate(paths, 'memory', 'memory.current', 'memory.usage_in_bytes');
    const cpu = await locate(paths, 'cpuacct', 'cpu.stat', 'cpuacct.usage', ['cpuacct', 'cpu,cpuacct']);
    const view = new CgroupView(paths, memory, cpu, options);
    view.#limitMillicores =
      cpu?.version === 2 ? await v2CpuLimit([cpu.dir, ...cpu.above]) : await v1CpuLimit(paths).catch(() => null);
    await view.#sample();
    view.#timer = setInterval(() => void view.#sample(), view.#sampleMs);
    view.#timer.unref();
    return view;
  }

  close(): void {
    clearInterval(this.#timer);
  }

  /** The memory figures now; null where testero's memory cgroup could not be found. */
  async memory(): Promise<CgroupMemory | null> {
    const found = this.memoryCgroup;
    if (!found) return null;
    const { dir, version } = found;
    const v2 = version === 2;
    const usage = await readBytes(join(dir, v2 ? 'memory.current' : 'memory.usage_in_bytes'));
    if (usage === undefined) return null;
    const stat = keyed(await readText(join(dir, 'memory.stat')));
    const pick = (key: string) => stat.get(key) ?? null;
    const inactiveFile = pick(v2 ? 'inactive_file' : 'total_inactive_file');
    let limit: bigint | null = null;
    for (const d of [dir, ...found.above]) {
      const value = await readBytes(join(d, v2 ? 'memory.max' : 'memory.limit_in_bytes'));
      if (value !== undefined && value < UNLIMITED && (limit === null || value < limit)) limit = value;
    }
    // v1 also knows the limits of ancestors we cannot see (a namespaced mount).
    const hierarchical = v2 ? undefined : stat.get('hierarchical_memory_limit');
    if (hierarchical !== undefined && hierarchical < UNLIMITED && (limit === null || hierarchical < limit))
      limit = hierarchical;
    const events = keyed(await readText(join(dir, v2 ? 'memory.events' : 'memory.oom_control')));
    return {
      version,
      path: dir,
      usage,
      workingSet: workingSet(usage, inactiveFile),
      anon: pick(v2 ? 'anon' : 'total_rss'),
      file: pick(v2 ? 'file' : 'total_cache'),
      inactiveFile,
      peak: (await readBytes(join(dir, v2 ? 'memory.peak' : 'memory.max_usage_in_bytes'))) ?? null,
      limit,
      oomKills: events.get('oom_kill') ?? null,
    };
  }

  /** The CPU use over the last window, ending now. */
  async cpu(): Promise<CgroupCpu> {
    const now = await this.#sample();
    const start = this.#samples.find((s) => s.at >= now.at - this.#windowMs - this.#sampleMs / 2);
    const span = start ? now.at - start.at : 0;
    const enough = start !== undefined && span >= Math.min(250, this.#sampleMs / 2);
    const cgroupNs = enough && start.cgroupNs !== undefined && now.cgroupNs !== undefined;
    return {
      version: this.cpuCgroup?.version ?? null,
      path: this.cpuCgroup?.dir ?? null,
      millicores: cgroupNs
        ? Math.round(Number((now.cgroupNs as bigint) - (start.cgroupNs as bigint)) / 1000 / span)
        : null,
      processMillicores: enough ? Math.round((now.processUs - start.processUs) / span) : null,
      windowSeconds: Math.round(span) / 1000,
      limitMillicores: this.#limitMillicores,
    };
  }

  async #usageNs(): Promise<bigint | undefined> {
    const found = this.cpuCgroup;
    if (!found) return undefined;
    if (found.version === 1) return readBytes(join(found.dir, 'cpuacct.usage'));
    const usec = keyed(await readText(join(found.dir, 'cpu.stat'))).get('usage_usec');
    return usec === undefined ? undefined : usec * 1000n;
  }

  async #sample(): Promise<CpuSample> {
    const at = performance.now();
    const { user, system } = process.cpuUsage();
    const sample = { at, cgroupNs: await this.#usageNs(), processUs: user + system };
    this.#samples.push(sample);
    const oldest = sample.at - this.#windowMs - 2 * this.#sampleMs;
    while ((this.#samples[0]?.at ?? Number.POSITIVE_INFINITY) < oldest) this.#samples.shift();
    return sample;
  }
}
