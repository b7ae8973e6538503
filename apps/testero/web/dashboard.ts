// The dashboard at `/`: polls api/status once a second, charts the last ten minutes with uPlot, and sends
// set, load and stop with the bearer token kept in sessionStorage.
import uPlot from 'uplot';
import {
  type Chart,
  describeAnswer,
  formatBytes,
  formatMillicores,
  History,
  SERIES,
  type Status,
  sampleOf,
  sizeParameter,
} from './figures.ts';

const POLL_MS = 1000;
/** Ten minutes of one-second samples. */
const CAPACITY = 600;
const TOKEN_KEY = 'testero.token';

const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

// ---- the token ----

const tokenInput = byId<HTMLInputElement>('token');
tokenInput.value = sessionStorage.getItem(TOKEN_KEY) ?? '';
byId('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = tokenInput.value.trim();
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
});
byId('token-forget').addEventListener('click', () => {
  tokenInput.value = '';
  sessionStorage.removeItem(TOKEN_KEY);
});

function headers(): Record<string, string> {
  const token = tokenInput.value.trim();
  return { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) };
}

// ---- the charts ----

const COLORS = ['#7c3aed', '#2563eb', '#059669', '#dc2626'];
const LABELS: { [C in Chart]: string[] } = {
  memory: ['target', 'held by testero', 'working set (cgroup)', 'limit in force'],
  disk: ['target', 'held by testero', 'under DATADIR (du)', 'limit'],
  cpu: ['asked for', 'measured (cgroup)', "testero's own", 'quota'],
};

const bytesAxis = (_u: uPlot, values: number[]) => values.map((v) => formatBytes(v));
// Ticks at round binary amounts (64 MiB, 100 MiB, 1 GiB), not at decimal ones that read as 95.4 MiB.
const BYTE_STEPS = [0, 1, 2, 3, 4, 5, 6].flatMap((power) =>
  [1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 200, 250, 256, 500, 512].map((n) => n * 1024 ** power),
);
const millicoresAxis = (_u: uPlot, values: number[]) => values.map((v) => formatMillicores(v));

function chartWidth(element: HTMLElement): number {
  return Math.max(280, Math.floor(element.getBoundingClientRect().width));
}

function makeChart(chart: Chart): { plot: uPlot; history: History<string>; element: HTMLElement } {
  const element = byId(`${chart}-chart`);
  const history = new History<string>(SERIES[chart], CAPACITY);
  const format = chart === 'cpu' ? formatMillicores : formatBytes;
  const plot = new uPlot(
    {
      width: chartWidth(element),
      height: 220,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max ?? 0, 1) * 1.05] } },
      axes: [
        {},
        chart === 'cpu' ? { values: millicoresAxis, size: 80 } : { values: bytesAxis, incrs: BYTE_STEPS, size: 80 },
      ],
      series: [
        {},
        ...LABELS[chart].map((label, i) => ({
          label,
          stroke: COLORS[i] ?? '#000',
          width: 2,
          dash: i === LABELS[chart].length - 1 ? [6, 4] : undefined,
          value: (_u: uPlot, v: number | null) => format(v),
          spanGaps: false,
        })),
      ],
    },
    history.columns() as uPlot.AlignedData,
    element,
  );
  return { plot, history, element };
}

const charts = { memory: makeChart('memory'), disk: makeChart('disk'), cpu: makeChart('cpu') };

addEventListener('resize', () => {
  for (const { plot, element } of Object.values(charts)) plot.setSize({ width: chartWidth(element), height: 220 });
});

// ---- the figures ----

const show = (id: string, text: string) => {
  const element = byId(id);
  if (element.textContent !== text) element.textContent = text;
};

function progressText(group: Status['memory'] | Status['disk']): string {
  const parts: string[] = [];
  if (group.ramp?.outcome === 'running') {
    parts.push(`ramp ${Math.round(group.ramp.progress * 100)} % at ${formatBytes(group.ramp.rateBytesPerSecond)}/s`);
    parts.push(`${group.ramp.secondsLeft} s left`);
  } else if (group.inProgress) {
    parts.push('set in progress');
  } else {
    parts.push('idle');
  }
  if (group.lease) parts.push(`lease ends in ${group.lease.secondsLeft} s`);
  return parts.join(', ');
}

let cpuId: string | null = null;

function showFigures(status: Status): void {
  const { memory, disk, cpu } = status;
  show('memory-target', formatBytes(memory.target));
  show('memory-held', formatBytes(memory.held));
  show('memory-working-set', formatBytes(memory.cgroup?.workingSet));
  show(
    'memory-limit',
    `${formatBytes(memory.limitInForce.bytes)} (${memory.limitInForce.source === 'cgroup' ? 'the cgroup' : 'HIGHMEMLIM'})`,
  );
  show('memory-progress', progressText(memory));
  show('disk-target', formatBytes(disk.target));
  show('disk-held', formatBytes(disk.held));
  show('disk-counted', formatBytes(disk.dataDir?.bytes));
  show('disk-limit', formatBytes(disk.limit));
  show('disk-progress', progressText(disk));
  show('cpu-asked', formatMillicores(cpu.active ? cpu.millicores : 0));
  show('cpu-measured', formatMillicores(cpu.measured?.millicores));
  show('cpu-process', formatMillicores(cpu.measured?.processMillicores));
  show('cpu-limit', cpu.measured?.limitMillicores == null ? 'none' : formatMillicores(cpu.measured.limitMillicores));
  const ends = cpu.endsAt ? new Date(cpu.endsAt).toLocaleTimeString() : '';
  const lease = cpu.lease ? `, lease ends in ${cpu.lease.secondsLeft} s` : '';
  show('cpu-state', cpu.active ? `running until ${ends} (id ${cpu.id})${lease}` : 'idle');
  cpuId = cpu.active ? cpu.id : null;
}

function plotStatus(status: Status): void {
  const time = Date.parse(status.time) / 1000;
  const sample = sampleOf(status);
  for (const name of Object.keys(charts) as Chart[]) {
    const { plot, history, element } = charts[name];
    history.push(time, sample[name] as Record<string, number | null>);
    plot.setData(history.columns() as uPlot.AlignedData);
    // What the chart holds, for tests and for anyone reading the page's source.
    element.dataset.points = String(plot.data[0].length);
    const last = SERIES[name].map((key, i) => [key, plot.data[i + 1]?.at(-1) ?? null]);
    element.dataset.last = JSON.stringify(Object.fromEntries(last));
  }
}

// ---- polling ----

const connection = byId('connection');

async function poll(): Promise<void> {
  try {
    const response = await fetch('api/status', { headers: headers(), cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const status = (await response.json()) as Status;
    showFigures(status);
    plotStatus(status);
    connection.textContent = `Live: updated ${new Date(status.time).toLocaleTimeString()}`;
    connection.className = 'live';
  } catch (error) {
    connection.textContent = `Cannot read api/status: ${(error as Error).message}. Retrying every second.`;
    connection.className = 'lost';
  }
}

async function pollForever(): Promise<void> {
  for (;;) {
    const started = performance.now();
    await poll();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, POLL_MS - (performance.now() - started))));
  }
}

// ---- the controls ----

async function send(path: string, params: URLSearchParams, answer: HTMLElement): Promise<void> {
  answer.textContent = 'Sending…';
  answer.className = 'answer pending';
  try {
    const response = await fetch(path, { method: 'POST', headers: headers(), body: params });
    const body: unknown = await response.json().catch(() => null);
    const { kind, text } = describeAnswer(response.status, body);
    answer.textContent = text;
    answer.className = `answer ${kind}`;
    answer.dataset.status = String(response.status);
  } catch (error) {
    answer.textContent = `Failed: could not reach the server (${(error as Error).message})`;
    answer.className = 'answer failed';
    delete answer.dataset.status;
  }
  void poll();
}

/** The form's non-empty fields, with `size` in bytes where a unit was given. */
function paramsOf(form: HTMLFormElement): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    const text = String(value).trim();
    if (text === '') continue;
    params.set(name, name === 'size' ? sizeParameter(text) : text);
  }
  return params;
}

for (const name of ['memory', 'disk'] as const) {
  const form = byId<HTMLFormElement>(`${name}-form`);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void send(`api/${form.dataset.group}/set`, paramsOf(form), byId(`${name}-answer`));
  });
}

const cpuForm = byId<HTMLFormElement>('cpu-form');
cpuForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void send('api/cpu/load', paramsOf(cpuForm), byId('cpu-answer'));
});
byId('cpu-stop').addEventListener('click', () => {
  const answer = byId('cpu-answer');
  if (cpuId === null) {
    answer.textContent = 'No load is running, nothing to stop';
    answer.className = 'answer refused';
    return;
  }
  void send('api/cpu/stop', new URLSearchParams({ id: cpuId }), answer);
});

void pollForever();
