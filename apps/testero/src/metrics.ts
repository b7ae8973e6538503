import { Gauge, type Registry } from 'prom-client';
import type { CpuLoad } from './cpu.ts';
import type { PartGroup } from './part-group.ts';

/** Targets, real amounts and limits, read from the live state on every scrape. */
export function registerMetrics(
  registry: Registry,
  groups: { memory: PartGroup; disk: PartGroup; cpu: CpuLoad },
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
  }
  gauge('testero_cpu_load_active', '1 while a CPU load runs', () => (groups.cpu.current ? 1 : 0));
  gauge(
    'testero_cpu_load_millicores',
    'Millicores the running CPU load asked for (0 when idle)',
    () => groups.cpu.current?.millicores ?? 0,
  );
  gauge('testero_cpu_max_millicores', 'Most millicores a CPU load may ask for', () => groups.cpu.maxMillicores);
}
