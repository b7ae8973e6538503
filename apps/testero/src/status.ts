import type { CgroupCpu, CgroupMemory, CgroupView } from './cgroup.ts';
import type { CpuLoad } from './cpu.ts';
import { dirUsage, filesystemSpace } from './disk-usage.ts';
import type { PartGroup, Ramp } from './part-group.ts';

/** Where the figures come from: testero's own state, its cgroup, and the data directory. */
export interface StatusSources {
  memory: PartGroup;
  disk: PartGroup;
  cpu: CpuLoad;
  /** testero's cgroup; without it the cgroup figures are null. */
  cgroup?: CgroupView | undefined;
  /** DATADIR, counted as the kubelet counts it; without it the disk usage is null. */
  dataDir?: string | undefined;
}

/** The limit a `size=N%` is a share of. */
export interface LimitInForce {
  bytes: bigint;
  /** `cgroup`: the memory cgroup's limit; otherwise testero's own (the variable or its default). */
  source: 'cgroup' | 'HIGHMEMLIM' | 'HIGHFILELIM';
}

export interface DataDirStatus {
  path: string;
  /** Allocated bytes under DATADIR, as the kubelet's eviction manager counts them (du). */
  bytes: bigint;
  inodes: number;
  /** HIGHFILELIM (or its default): the most a disk set may ask for. */
  limit: bigint;
  /** The filesystem's space: available to unprivileged users, free, and its size. */
  filesystem: { available: bigint; free: bigint; size: bigint };
}

function rampStatus(ramp: Readonly<Ramp> | undefined) {
  if (!ramp) return null;
  const seconds = ((ramp.endedAt ?? new Date()).getTime() - ramp.startedAt.getTime()) / 1000;
  const remaining = ramp.toMove - ramp.moved;
  return {
    id: String(ramp.id),
    rateBytesPerSecond: ramp.rate,
    fromBytes: ramp.from,
    targetBytes: ramp.target,
    movedBytes: ramp.moved,
    toMoveBytes: ramp.toMove,
    progress: ramp.toMove === 0n ? 1 : Number((ramp.moved * 10_000n) / ramp.toMove) / 10_000,
    outcome: ramp.outcome,
    startedAt: ramp.startedAt.toISOString(),
    endedAt: ramp.endedAt?.toISOString() ?? null,
    /** Bytes moved per second so far. */
    achievedBytesPerSecond: seconds > 0 ? Math.round(Number(ramp.moved) / seconds) : null,
    secondsLeft: ramp.outcome === 'running' ? Math.ceil(Number(remaining) / Number(ramp.rate)) : 0,
  };
}

/** One group's own figures: target, held, limit, progress and lease. */
export function groupStatus(group: PartGroup) {
  return {
    target: group.definition.total,
    held: group.heldBytes(),
    limit: group.limit,
    inProgress: group.busy,
    lastRequestId: String(group.lastRequestId),
    ramp: rampStatus(group.ramp),
    lease: group.lease ?? null,
  };
}

/** Reads the figures of `/api/status`, the JSON `getact`s and the gauges. */
export class StatusReader {
  readonly sources: StatusSources;
  #snapshot: { at: number; value: Promise<Status> } | undefined;

  constructor(sources: StatusSources) {
    this.sources = sources;
  }

  async cgroupMemory(): Promise<CgroupMemory | null> {
    return (await this.sources.cgroup?.memory()) ?? null;
  }

  async cpuMeasured(): Promise<CgroupCpu | null> {
    return (await this.sources.cgroup?.cpu()) ?? null;
  }

  async dataDir(): Promise<DataDirStatus | null> {
    const path = this.sources.dataDir;
    if (path === undefined) return null;
    const [usage, filesystem] = await Promise.all([dirUsage(path), filesystemSpace(path)]);
    return { path, ...usage, limit: this.sources.disk.limit, filesystem };
  }

  /** The memory cgroup's limit where there is one, otherwise testero's memory limit. */
  async memoryLimitInForce(memory?: CgroupMemory | null): Promise<LimitInForce> {
    const limit = (memory === undefined ? await this.cgroupMemory() : memory)?.limit ?? null;
    return limit === null
      ? { bytes: this.sources.memory.limit, source: 'HIGHMEMLIM' }
      : { bytes: limit, source: 'cgroup' };
  }

  diskLimitInForce(): LimitInForce {
    return { bytes: this.sources.disk.limit, source: 'HIGHFILELIM' };
  }

  cpuStatus(measured: CgroupCpu | null) {
    const { cpu } = this.sources;
    const load = cpu.current;
    return {
      active: load !== undefined,
      id: load ? String(load.id) : null,
      millicores: load?.millicores ?? 0,
      maxMillicores: cpu.maxMillicores,
      sentAt: load?.sentAt.toISOString() ?? null,
      endsAt: load?.endsAt.toISOString() ?? null,
      lease: load?.lease ?? null,
      measured,
    };
  }

  /** Everything at once: targets, held, limits, leases, the cgroup's view and DATADIR. */
  async status() {
    const [memory, measured, dataDir] = await Promise.all([this.cgroupMemory(), this.cpuMeasured(), this.dataDir()]);
    return {
      time: new Date().toISOString(),
      memory: {
        ...groupStatus(this.sources.memory),
        limitInForce: await this.memoryLimitInForce(memory),
        cgroup: memory,
      },
      disk: { ...groupStatus(this.sources.disk), limitInForce: this.diskLimitInForce(), dataDir },
      cpu: this.cpuStatus(measured),
    };
  }

  /** The status, read at most once per `maxAgeMs` (a scrape reads every gauge from one reading). */
  snapshot(maxAgeMs = 250): Promise<Status> {
    const now = performance.now();
    if (!this.#snapshot || now - this.#snapshot.at > maxAgeMs) this.#snapshot = { at: now, value: this.status() };
    return this.#snapshot.value;
  }
}

export type Status = Awaited<ReturnType<StatusReader['status']>>;
