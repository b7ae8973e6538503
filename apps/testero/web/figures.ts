// What the dashboard computes without a DOM: the status it reads, the history it charts, the words it shows.

/** The part of `GET /api/status` the dashboard reads (byte amounts arrive as JSON numbers). */
export interface Status {
  time: string;
  memory: {
    target: number;
    held: number;
    limit: number;
    inProgress: boolean;
    ramp: { rateBytesPerSecond: number; progress: number; outcome: string; secondsLeft: number } | null;
    lease: { secondsLeft: number } | null;
    limitInForce: { bytes: number; source: string };
    cgroup: { usage: number; workingSet: number; limit: number | null; oomKills: number | null } | null;
  };
  disk: {
    target: number;
    held: number;
    limit: number;
    inProgress: boolean;
    ramp: { rateBytesPerSecond: number; progress: number; outcome: string; secondsLeft: number } | null;
    lease: { secondsLeft: number } | null;
    dataDir: { bytes: number; filesystem: { available: number } } | null;
  };
  cpu: {
    active: boolean;
    id: string | null;
    millicores: number;
    maxMillicores: number;
    endsAt: string | null;
    lease: { secondsLeft: number } | null;
    measured: { millicores: number | null; processMillicores: number | null; limitMillicores: number | null } | null;
  };
}

/** The series of each chart, in the order they are drawn. */
export const SERIES = {
  memory: ['target', 'held', 'workingSet', 'limit'],
  disk: ['target', 'held', 'counted', 'limit'],
  cpu: ['asked', 'measured', 'process', 'limit'],
} as const;

export type Chart = keyof typeof SERIES;
export type Sample = { [C in Chart]: Record<(typeof SERIES)[C][number], number | null> };

/** One status as the points of each chart. */
export function sampleOf(status: Status): Sample {
  const { memory, disk, cpu } = status;
  return {
    memory: {
      target: memory.target,
      held: memory.held,
      workingSet: memory.cgroup?.workingSet ?? null,
      limit: memory.limitInForce.bytes,
    },
    disk: { target: disk.target, held: disk.held, counted: disk.dataDir?.bytes ?? null, limit: disk.limit },
    cpu: {
      asked: cpu.active ? cpu.millicores : 0,
      measured: cpu.measured?.millicores ?? null,
      process: cpu.measured?.processMillicores ?? null,
      limit: cpu.measured?.limitMillicores ?? null,
    },
  };
}

/** Columns for uPlot: times in seconds, then one column per series. */
export type Columns = [number[], ...(number | null)[][]];

/** The last `capacity` samples of one chart (a bounded history: old points fall off the front). */
export class History<K extends string> {
  readonly keys: readonly K[];
  readonly capacity: number;
  readonly times: number[] = [];
  readonly values: (number | null)[][];

  constructor(keys: readonly K[], capacity: number) {
    this.keys = keys;
    this.capacity = capacity;
    this.values = keys.map(() => []);
  }

  get length(): number {
    return this.times.length;
  }

  push(timeSeconds: number, sample: Record<K, number | null>): void {
    this.times.push(timeSeconds);
    for (const [i, key] of this.keys.entries()) this.values[i]?.push(sample[key]);
    if (this.times.length > this.capacity) {
      const extra = this.times.length - this.capacity;
      this.times.splice(0, extra);
      for (const column of this.values) column.splice(0, extra);
    }
  }

  columns(): Columns {
    return [this.times, ...this.values];
  }

  /** The newest value of each series. */
  last(): Record<K, number | null> {
    return Object.fromEntries(this.keys.map((key, i) => [key, this.values[i]?.at(-1) ?? null])) as Record<
      K,
      number | null
    >;
  }
}

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** 67108864 → "64.0 MiB"; null → "—" (the host does not give that figure). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BINARY.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${BINARY[unit]}`;
}

/** 450 → "450 m"; null → "—". */
export function formatMillicores(millicores: number | null | undefined): string {
  if (millicores === null || millicores === undefined) return '—';
  return `${Math.round(millicores)} m`;
}

const UNITS: Record<string, bigint> = {
  K: 1000n,
  M: 1000n ** 2n,
  G: 1000n ** 3n,
  T: 1000n ** 4n,
  Ki: 1024n,
  Mi: 1024n ** 2n,
  Gi: 1024n ** 3n,
  Ti: 1024n ** 4n,
};

/**
 * What the size field sends as `size`: a whole number with a unit (`64Mi`, `1G`, `512KiB`) becomes bytes,
 * the server reads `80%` and plain bytes itself, and anything else goes as typed so the server's 400 says
 * what is wrong with it.
 */
export function sizeParameter(text: string): string {
  const trimmed = text.trim();
  const match = /^(\d{1,20})\s*(K|M|G|T|Ki|Mi|Gi|Ti)B?$/i.exec(trimmed);
  if (!match) return trimmed;
  const unit = Object.keys(UNITS).find((u) => u.toLowerCase() === (match[2] ?? '').toLowerCase()) ?? '';
  return String(BigInt(match[1] ?? '0') * (UNITS[unit] ?? 1n));
}

export type AnswerKind = 'accepted' | 'busy' | 'refused' | 'unauthorized' | 'failed';

/** An answer of set, load or stop in words, from its status and JSON body. */
export function describeAnswer(status: number, body: unknown): { kind: AnswerKind; text: string } {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as { message?: unknown; error?: unknown };
  const said = String(fields.message ?? fields.error ?? '').trim();
  if (status >= 200 && status < 300) return { kind: 'accepted', text: said || 'Accepted' };
  if (status === 503) {
    return {
      kind: 'busy',
      text: `Busy: ${said || 'the server is busy'} (the previous request is still being carried out)`,
    };
  }
  if (status === 401) {
    return { kind: 'unauthorized', text: `Refused: ${said || 'unauthorized'}. Enter the server's token above.` };
  }
  if (status >= 400 && status < 500) return { kind: 'refused', text: `Refused: ${said || `HTTP ${status}`}` };
  return { kind: 'failed', text: `Failed (HTTP ${status}): ${said || 'no answer'}` };
}
