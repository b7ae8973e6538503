import type { Language } from './types.ts';

/** The README's language table lies between these two lines; code-runner's `bench:languages --write` fills it. */
export const readmeMarkers = [
  '<!-- language table: written by `pnpm --filter code-runner bench:languages --write` -->',
  '<!-- end of the language table -->',
] as const;

/** One row: a runtime of a language, and the names that pick it (the language's own for its default runtime). */
export interface LanguageRow {
  language: string;
  runtime: string;
  aliases: string[];
}

/** What the bench measured for a row: the version the toolchain reports, and hello world's wall time (ms). */
export interface RowFigures {
  version: string;
  firstMs: number;
  cachedMs: number;
}

/** The table's rows for `selected`, in the manifest's order. */
export function languageRows(selected: readonly Language[]): LanguageRow[] {
  return selected.flatMap((language) =>
    language.runtimes.map((runtime, i) => ({
      language: language.name,
      runtime: runtime.name ?? '',
      aliases: [
        ...(i === 0 ? [...language.aliases, ...(language.v1Name ? [language.v1Name] : [])] : []),
        ...runtime.aliases,
      ].filter((alias, j, all) => alias !== language.name && all.indexOf(alias) === j),
    })),
  );
}

const header = ['language', 'runtime', 'aliases', 'version', 'first request', 'cached'];
/** The two timing columns are right-aligned. */
const rightAligned = new Set([4, 5]);

/** The Markdown table, its columns padded as the repository's formatter (Biome) lays them out; a dash where a row was not measured. */
export function formatLanguageTable(
  rows: readonly LanguageRow[],
  figures: (row: LanguageRow) => RowFigures | undefined,
): string {
  const ms = (value: number) => `${Math.round(value)} ms`;
  const body = rows.map((row) => {
    const f = figures(row);
    return [
      row.language,
      row.runtime || '—',
      row.aliases.map((a) => `\`${a}\``).join(' ') || '—',
      f?.version ?? '—',
      f ? ms(f.firstMs) : '—',
      f ? ms(f.cachedMs) : '—',
    ];
  });
  // Every row has the header's six cells.
  const widths = header.map((title, i) =>
    Math.max(3, title.length, ...body.map((cells) => (cells[i] as string).length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (rightAligned.has(i) ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...body.map(line)].join('\n');
}

/** The rows of a table that formatLanguageTable wrote (the first three columns), e.g. read back from the README. */
export function parseLanguageTable(table: string): LanguageRow[] {
  return table
    .split('\n')
    .filter((line) => line.startsWith('| '))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    )
    .filter((cells) => cells[0] !== header[0] && !/^-+$/.test(cells[0] as string))
    .map((cells) => {
      const [language, runtime, aliases] = cells as [string, string, string];
      return {
        language,
        runtime: runtime === '—' ? '' : runtime,
        aliases: aliases === '—' ? [] : aliases.split(' ').map((a) => a.replaceAll('`', '')),
      };
    });
}
