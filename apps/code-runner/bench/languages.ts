// Benchmark: hello world's wall time through the API for every runtime of the language manifest, on a fresh
// server (a real process on loopback): the first request (the compile, for a compiled language, and every
// cold cache of the toolchain) and the median of the next ones (the compile served from the cache). Prints
// a table; with --write, also puts it in the README's language table (between its markers). Asserts
// nothing: a runtime this machine lacks gets a dash and a line saying why.
//
//   node bench/languages.ts [--write] [--repeat N] [name,...]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  formatLanguageTable,
  type Language,
  languageRows,
  type Runtime,
  readmeMarkers,
  selectLanguages,
} from '@repo/languages';
import type { ExecuteResponse, Runtime as RuntimeInfo } from '@repo/runner-api';
import { startServer } from '../test/server.ts';

const { values, positionals } = parseArgs({
  options: { write: { type: 'boolean', default: false }, repeat: { type: 'string', default: '5' } },
  allowPositionals: true,
});
const repeat = Math.max(1, Number(values.repeat));
const selected = selectLanguages(positionals.join(','));
const readme = fileURLToPath(new URL('../../../README.md', import.meta.url));
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const server = await startServer(main, { NUM_RUNNERS: '1', QUEUE_TIMEOUT_MS: '120000' });
try {
  const offered = (await (await fetch(`${server.baseUrl}/api/v2/runtimes`)).json()) as RuntimeInfo[];
  /** The version the server read, where it offers this runtime. */
  const versionOf = (language: Language, runtime: Runtime) =>
    offered.find((r) => r.language === language.name && (runtime.name === undefined || r.runtime === runtime.name))
      ?.version;

  const execute = async (request: string, source: string) => {
    const started = performance.now();
    const res = await fetch(`${server.baseUrl}/api/v2/execute`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ language: request, version: '*', files: [{ content: source }] }),
    });
    const ms = performance.now() - started;
    const body = (await res.json()) as ExecuteResponse & { message?: string };
    if (res.status !== 200 || body.run.stdout !== 'hello world\n') {
      throw new Error(`${request}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 400)}`);
    }
    return ms;
  };

  const timings = new Map<string, { version: string; firstMs: number; cachedMs: number }>();
  for (const language of selected) {
    for (const [i, runtime] of language.runtimes.entries()) {
      const key = `${language.name}/${runtime.name ?? ''}`;
      const version = versionOf(language, runtime);
      if (!version) {
        console.log(`${key}: not offered by this machine (its toolchain is missing: see the server's log)`);
        continue;
      }
      // The default runtime by the language's name, any other by its first alias.
      const request = i === 0 ? language.name : (runtime.aliases[0] ?? language.name);
      const firstMs = await execute(request, language.tests.hello);
      const next: number[] = [];
      for (let n = 0; n < repeat; n++) next.push(await execute(request, language.tests.hello));
      timings.set(key, { version, firstMs, cachedMs: median(next) });
      console.log(`${key}: ${version}, first ${firstMs.toFixed(0)} ms, then ${median(next).toFixed(0)} ms`);
    }
  }

  const table = formatLanguageTable(languageRows(selected), (row) => timings.get(`${row.language}/${row.runtime}`));
  console.log(`\n${table}`);
  if (values.write) {
    const [start, end] = readmeMarkers;
    const text = readFileSync(readme, 'utf8');
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from < 0 || to < from) throw new Error(`README.md has no ${start} ... ${end} markers`);
    writeFileSync(readme, `${text.slice(0, from + start.length)}\n${table}\n${text.slice(to)}`);
    console.log(`README.md: the language table is written (${timings.size} runtimes measured)`);
  }
} finally {
  await server.stop();
}
