import { Gauge, type Registry } from 'prom-client';
import type { CpuLoad } from './cpu.ts';
import type { PartGroup } from './part-group.ts';
import type { Status, StatusReader } from './status.ts';

/** Targets, real amounts and limits, read from the live state on every scrape. */
export function registerMetrics(
  registry: Registry,
  groups: { memory: PartGroup; disk: PartGroup; cpu: CpuLoad },
  status?: StatusReader,
): void {
  const gauge = (name: string, help: string, read: () => number | bigint) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(Number(read()));
      },
    });
  for (const [kind, group] of [
    ['memory', groups.memory],
    ['disk', groups.disk],
  ] as const) {
    gauge(
      `testero_${kind}_target_bytes`,
      `Bytes of ${kind} the last accepted set asked for (its plan's total)`,
      () => group.definition.total,
    );
    gauge(`testero_${kind}_held_bytes`, `Bytes of ${kind} held now`, () => group.heldBytes());
    gauge(`testero_${kind}_limit_bytes`, `Most bytes of ${kind} a set may ask for`, () => group.limit);
    gauge(`testero_${kind}_set_in_progress`, `1 while a ${kind} set is being carried out`, () => (group.busy ? 1 : 0));
    gauge(
      `testero_${kind}_ramp_rate_bytes_per_second`,
      `The rate of the ${kind} ramp in progress (0 when none runs)`,
      () => (group.ramp?.outcome === 'running' ? group.ramp.rate : 0),
    );
    gauge(
      `testero_${kind}_lease_seconds_left`,
      `Seconds until the ${kind} lease releases everything (0 when there is none)`,
      () => group.lease?.secondsLeft ?? 0,
    );
  }
  gauge('testero_cpu_load_active', '1 while a CPU load runs', () => (groups.cpu.current ? 1 : 0));
  gauge(
    'testero_cpu_load_millicores',
    'Millicores the running CPU load asked for (0 when idle)',
    () => groups.cpu.current?.millicores ?? 0,
  );
  gauge('testero_cpu_max_millicores', 'Most millicores a CPU load may ask for', () => groups.cpu.maxMillicores);
  gauge(
    'testero_cpu_lease_seconds_left',
    'Seconds until the CPU load lease stops the load (0 when there is none)',
    () => groups.cpu.current?.lease?.secondsLeft ?? 0,
  );
  if (status) registerObservedMetrics(registry, status);
}

type Read = (status: Status) => number | bigint | null | undefined;

/** What the kubelet sees: testero's cgroup and DATADIR. A figure the host does not give has no sample. */
function registerObservedMetrics(registry: Registry, reader: StatusReader): void {
  const gauge = (name: string, help: string, read: Read) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const value = read(await reader.snapshot());
        // NaN (Prometheus' "no value") rather than a made-up 0 where the host has no such figure (e.g.
        // memory.peak before kernel 5.19).
        this.set(value === null || value === undefined ? Number.NaN : Number(value));
      },
    });
  const memory = (s: Status) => s.memory.cgroup;
  gauge(
    'testero_cgroup_memory_usage_bytes',
    "The memory cgroup's usage (memory.current or memory.usage_in_bytes)",
    (s) => memory(s)?.usage,
  );
  gauge(
    'testero_cgroup_memory_working_set_bytes',
    'The working set as the kubelet and kubectl top compute it: usage minus inactive file pages',
    (s) => memory(s)?.workingSet,
  );
  gauge(
    'testero_cgroup_memory_anon_bytes',
    'Anonymous memory of the cgroup (anon or total_rss)',
    (s) => memory(s)?.anon,
  );
  gauge('testero_cgroup_memory_file_bytes', 'Page cache of the cgroup (file or total_cache)', (s) => memory(s)?.file);
  gauge(
    'testero_cgroup_memory_inactive_file_bytes',
    'Inactive page cache of the cgroup, left out of the working set',
    (s) => memory(s)?.inactiveFile,
  );
  gauge(
    'testero_cgroup_memory_peak_bytes',
    'Peak usage of the cgroup (memory.peak or memory.max_usage_in_bytes)',
    (s) => memory(s)?.peak,
  );
  gauge(
    'testero_cgroup_memory_limit_bytes',
    'The memory limit that binds the cgroup (its own or an ancestor’s; +Inf when there is none)',
    (s) => (memory(s) ? (memory(s)?.limit ?? Number.POSITIVE_INFINITY) : null),
  );
  gauge(
    'testero_cgroup_memory_oom_kills',
    'OOM kills counted in the cgroup (oom_kill of memory.events or memory.oom_control)',
    (s) => memory(s)?.oomKills,
  );
  gauge(
    'testero_memory_limit_in_force_bytes',
    'What size=100% stands for on mem set: the cgroup limit, otherwise HIGHMEMLIM',
    (s) => s.memory.limitInForce.bytes,
  );
  gauge(
    'testero_cgroup_cpu_usage_millicores',
    "The cgroup's CPU use over the last window (about 5 s), in thousandths of a core",
    (s) => s.cpu.measured?.millicores,
  );
  gauge(
    'testero_process_cpu_usage_millicores',
    "testero's own CPU use over the same window, in thousandths of a core",
    (s) => s.cpu.measured?.processMillicores,
  );
  gauge(
    'testero_cgroup_cpu_limit_millicores',
    "The cgroup's CPU quota (cpu.max or cpu.cfs_quota_us)",
    (s) => s.cpu.measured?.limitMillicores,
  );
  gauge(
    'testero_datadir_usage_bytes',
    'Allocated bytes under DATADIR, counted as the kubelet eviction manager does (du: st_blocks × 512)',
    (s) => s.disk.dataDir?.bytes,
  );
  gauge('testero_datadir_inodes', 'Files and directories under DATADIR', (s) => s.disk.dataDir?.inodes);
  gauge(
    'testero_datadir_filesystem_available_bytes',
    'Space available to unprivileged users on the filesystem of DATADIR',
    (s) => s.disk.dataDir?.filesystem.available,
  );
}
