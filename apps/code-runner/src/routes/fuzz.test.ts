// A property-based fuzz of both APIs' bodies through the real app and a real sandbox: extreme but well-typed
// values (and wrong types, unknown fields, raw JSON numbers like 1e999) never get a 5xx, and none slips through
// validation to end as the sandbox's own failure (XX). FUZZ_SEED and FUZZ_RUNS override the fixed seed and the
// number of runs; a failure prints the seed and the path that replay it.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, createHarness, type Harness } from '../../test/harness.ts';
import { requireLanguage } from '../testing.ts';

const seed = Number(process.env.FUZZ_SEED ?? 20_260_114);
const numRuns = Number(process.env.FUZZ_RUNS ?? 250);

let h: Harness;
beforeAll(async () => {
  // Short maxima keep the runs that pass validation quick.
  h = await createHarness({
    NUM_RUNNERS: '2',
    MAX_RUN_TIMEOUT_MS: '1000',
    MAX_RUN_CPU_TIME_MS: '1000',
    MAX_COMPILE_TIMEOUT_MS: '3000',
    MAX_COMPILE_CPU_TIME_MS: '3000',
    MAX_OUTPUT_BYTES: '4096',
  });
});
afterAll(async () => {
  await h?.close();
});

/** A JSON number written as it stands in the body: what JSON allows but JSON.stringify never writes (1e999, -0). */
class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** The body as JSON text, RawJson values written as they are. */
function toJson(body: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(body, (_key, value) => {
    if (!(value instanceof RawJson)) return value;
    raws.push(value.text);
    return `@@raw${raws.length - 1}@@`;
  });
  return raws.reduce((json, raw, i) => json.replace(`"@@raw${i}@@"`, raw), text ?? 'null');
}

const extremeNumber = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(-1, 0, 1, -2, 999, 1000, 1001, 4095, 4096, 4_194_303, 4_194_304) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      2 ** 31 - 1,
      2 ** 31,
      2 ** 32,
      2 ** 53,
      2 ** 53 + 2,
      -(2 ** 53),
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      Number.MIN_VALUE,
      0.5,
      -0.5,
      1.5,
    ),
  },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  // Infinity after JSON.parse, minus zero, whole numbers written as decimals.
  {
    weight: 1,
    arbitrary: fc.constantFrom('1e999', '-1e999', '-0', '1E400', '0e0', '1.0', '-1.0').map((t) => new RawJson(t)),
  },
);

const nastyChar = fc.constantFrom(
  '\0',
  '\u0001',
  '\n',
  '\r',
  '\t',
  '\u007f',
  '\ud800',
  '\udfff',
  '\ufffe',
  '\u2028',
  '/',
  '..',
  '.',
  '$',
  '`',
  '"',
  '\\',
  'é',
  '😀',
  ' ',
  '%s',
  '*',
  '-',
);
const longStrings = [
  'x'.repeat(131_071),
  'x'.repeat(131_072),
  'é'.repeat(65_536),
  '\ud800'.repeat(43_691),
  'a'.repeat(256),
  'é'.repeat(128),
  `${'a/'.repeat(127)}b`,
  'x'.repeat(600_000),
  'x'.repeat(1_100_000),
];
const extremeString = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.string({
      maxLength: 20,
      unit: fc.oneof(nastyChar, fc.string({ minLength: 1, maxLength: 1, unit: 'binary' })),
    }),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(...longStrings) },
);

/** Wrong types, for any field. */
const anyJson = fc.jsonValue({ maxDepth: 2 });
/**
 * A field of a body: mostly a good value (or absent, when `optional`), sometimes an extreme one, now and then of
 * a wrong type. About a third of the bodies pass validation, so that the runs are fuzzed too.
 */
const fuzzed = <T, U>(good: fc.Arbitrary<T>, extreme: fc.Arbitrary<U>, optional = true) =>
  fc.oneof(
    { weight: optional ? 6 : 0, arbitrary: fc.constant(undefined) },
    { weight: optional ? 6 : 12, arbitrary: good as fc.Arbitrary<T | U | undefined | fc.JsonValue> },
    { weight: 1, arbitrary: extreme },
    { weight: 1, arbitrary: anyJson },
  );

/** 0..5 random items, or a count that sits at a bound (up to 20000) of one short item (the body stays near 1 MiB). */
const anyCount = <T, U>(item: fc.Arbitrary<T>, short: fc.Arbitrary<U>) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.array(item, { maxLength: 5 }) as fc.Arbitrary<(T | U)[]> },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(0, 1, 999, 1000, 1001, 7997, 7998, 7999, 8000, 8001, 16_385, 20_000), short)
        .map(([count, one]) => Array.from({ length: count }, (): T | U => one)),
    },
  );
const shortString = fc.constantFrom('', 'a', '\0', 'é', '\ud800', '-', ' ');

const programs = fc.constantFrom(
  'echo hi',
  'printf "%s\\n" "$#" "$@"',
  'cat',
  'exit 3',
  'echo err >&2; exit 1',
  'kill -9 $$',
  'head -c 100000 /dev/zero',
  'print(1)',
  'int main(){return 0;}',
);
const content = fc.oneof(
  { weight: 3, arbitrary: programs },
  { weight: 1, arbitrary: programs.map((p) => Buffer.from(p).toString('base64')) },
  { weight: 2, arbitrary: extremeString },
);
const fileName = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.constantFrom('main.sh', 'a.py', 'x.c', 'a/b', 'a', 'a/b/c.c', '../x', '/etc/x', 'a//b', '.'),
  },
  { weight: 2, arbitrary: extremeString },
);
const file = fc.record({
  name: fuzzed(fc.constantFrom('main.sh', 'b/c.sh', 'x.c'), fileName),
  content: fuzzed(programs, content, false),
  encoding: fuzzed(fc.constant('utf8'), fc.constantFrom('utf8', 'base64', 'hex', 'bogus')),
});
/** Many files with distinct names (flat or each in a directory of its own), or a few random ones. */
const files = fc.oneof(
  {
    weight: 4,
    arbitrary: anyCount(file, fc.constantFrom({ content: '' }, { content: 'echo hi' }, { name: 'a', content: '' })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(999, 1000, 1001, 8001, 20_000), fc.boolean())
      .map(([count, nested]) => [
        { content: 'echo many' },
        ...Array.from({ length: count }, (_, i) => ({ name: nested ? `d${i}/f.c` : `f${i}.c`, content: '' })),
      ]),
  },
);
const language = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('bash', 'bash', 'bash', 'python', 'py', 'BASH') },
  { weight: 1, arbitrary: fc.constantFrom('c', '', 'nope', 'constructor', '__proto__') },
  { weight: 1, arbitrary: extremeString },
);
const extremeLimit = fc.oneof(extremeNumber, fc.constant(null));
const msLimit = fuzzed(fc.oneof(fc.constantFrom(-1, 0, null, 1), fc.integer({ min: 1, max: 1000 })), extremeLimit);
const bytesLimit = fuzzed(
  fc.oneof(fc.constantFrom(-1, 0, null, 4 * 2 ** 20), fc.integer({ min: 4 * 2 ** 20, max: 256 * 2 ** 20 })),
  extremeLimit,
);
const unknownFields = fc.dictionary(
  fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'files ', 'env', 'limits'), extremeString),
  anyJson,
  { maxKeys: 3 },
);

const v2Body = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .tuple(
        fc.record({
          language: fuzzed(fc.constant('bash'), language, false),
          version: fuzzed(
            fc.constantFrom('*', '5.x', '>=1'),
            fc.oneof(fc.constantFrom('9.9.9', '', 'x'.repeat(300)), extremeString),
          ),
          files: fuzzed(
            fc.tuple(file).filter(([f]) => f.content !== undefined),
            files,
            false,
          ),
          stdin: fuzzed(fc.constantFrom('', 'in\n'), extremeString),
          args: fuzzed(
            fc.array(fc.constantFrom('a', 'b c', 'é'), { maxLength: 3 }),
            anyCount(extremeString, shortString),
          ),
          compile_timeout: msLimit,
          run_timeout: msLimit,
          compile_cpu_time: msLimit,
          run_cpu_time: msLimit,
          compile_memory_limit: bytesLimit,
          run_memory_limit: bytesLimit,
        }),
        unknownFields,
      )
      .map(([known, unknown]) => ({ ...unknown, ...known })),
  },
  { weight: 1, arbitrary: anyJson },
);
const v1Body = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .tuple(
        fc.record({
          source: fuzzed(programs, extremeString, false),
          language: fuzzed(fc.constant('bash'), language, false),
        }),
        unknownFields,
      )
      .map(([known, unknown]) => ({ ...unknown, ...known })),
  },
  { weight: 1, arbitrary: anyJson },
);

async function post(url: string, body: unknown): Promise<Answer> {
  const res = await h.app.request(url, {
    method: 'POST',
    body: toJson(body),
    headers: { 'content-type': 'application/json' },
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/**
 * fc.assert without shrinking (each step would be a real run) and with a short report: the seed and path that
 * replay the failure, the body cut to a few hundred characters.
 */
async function assertProperty<T>(arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>, runs = numRuns) {
  const details = await fc.check(fc.asyncProperty(arbitrary, predicate), { seed, numRuns: runs, endOnFailure: true });
  if (!details.failed) return;
  let body: string;
  try {
    body = toJson(details.counterexample?.[0]).slice(0, 600);
  } catch (error) {
    body = `(not shown: ${(error as Error).message})`;
  }
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(
    `failed at run ${details.numRuns} of ${runs}: replay with FUZZ_SEED=${details.seed} (path ${details.counterexamplePath})\nbody: ${body}\n${cause}`,
  );
}

/** The request and the answer, short enough to read in a failure. */
const shown = (body: unknown, res: Answer) =>
  `${toJson(body).slice(0, 400)}\n -> ${res.status} ${res.text.slice(0, 400)}`;

describe('fuzz: extreme bodies never get a 5xx', () => {
  it(`POST /api/v2/execute (${numRuns} bodies, seed ${seed})`, async (ctx) => {
    requireLanguage(ctx, h.runner, 'bash');
    const statuses = new Map<number, number>();
    await assertProperty(v2Body, async (body) => {
      const res = await post('/api/v2/execute', body);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      expect(res.status, shown(body, res)).toBeLessThan(500);
      if (res.status === 200) {
        expect(res.body.run.status, shown(body, res)).not.toBe('XX');
        expect(res.body.compile?.status, shown(body, res)).not.toBe('XX');
      } else {
        expect(typeof res.body?.message, shown(body, res)).toBe('string');
      }
    });
    console.info(`[code-runner test] v2 fuzz answers by status: ${JSON.stringify(Object.fromEntries(statuses))}`);
    // Enough of the bodies pass validation for the runs to be fuzzed too.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(numRuns / 10);
  });

  it(`POST /api/v1/run (${numRuns} bodies, seed ${seed})`, async (ctx) => {
    requireLanguage(ctx, h.runner, 'bash');
    const statuses = new Map<number, number>();
    await assertProperty(v1Body, async (body) => {
      const res = await post('/api/v1/run', body);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      expect(res.status, shown(body, res)).toBeLessThan(500);
      if (res.status === 200) expect(res.body.error, shown(body, res)).not.toMatch(/internal error/);
      else expect(typeof res.body?.error, shown(body, res)).toBe('string');
    });
    console.info(`[code-runner test] v1 fuzz answers by status: ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(numRuns / 10);
  });
});

describe('fuzz: valid bodies at the bounds still run', () => {
  /** -1, 0, null, absent, or a value of the range that lets bash start and finish. */
  const validLimit = (min: number, max: number) =>
    fc.option(fc.oneof(fc.constantFrom(-1, 0, null, min, max), fc.integer({ min, max })), { nil: undefined });
  const arg = fc.string({
    maxLength: 12,
    unit: fc.oneof(
      fc.constantFrom('\u0001', '\n', '\ud800', '\udfff', 'é', '😀', ' ', '-', '$', '"'),
      fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme-ascii' }),
    ),
  });
  const body = fc.record({
    args: fc.oneof(fc.array(arg, { maxLength: 8 }), fc.constantFrom(['x'.repeat(131_071)], Array(7998).fill('a'))),
    stdin: fc.option(
      extremeString.filter((s) => s.length < 200_000),
      { nil: undefined },
    ),
    run_timeout: validLimit(500, 1000),
    compile_timeout: validLimit(1, 3000),
    run_cpu_time: validLimit(500, 1000),
    compile_cpu_time: validLimit(1, 3000),
    run_memory_limit: validLimit(64 * 2 ** 20, 256 * 2 ** 20),
    compile_memory_limit: validLimit(4 * 2 ** 20, 512 * 2 ** 20),
  });

  it('answers 200 with the arguments counted by the program (v2), and runs v1', async (ctx) => {
    requireLanguage(ctx, h.runner, 'bash');
    await assertProperty(
      body,
      async (fields) => {
        const request = { language: 'bash', files: [{ content: 'printf "%s\\n" "$#"' }], ...fields };
        const res = await post('/api/v2/execute', request);
        expect(res.status, shown(request, res)).toBe(200);
        expect(res.body.run, shown(request, res)).toMatchObject({ status: null, stdout: `${fields.args.length}\n` });
      },
      30,
    );
    const v1 = await post('/api/v1/run', { language: 'bash', source: 'echo ok' });
    expect(v1.body).toEqual({ stdout: 'ok\n', stderr: '', error: '' });
  });
});
