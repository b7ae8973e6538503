import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { PartPlan } from '@repo/chunks';
import {
  healthRoutes,
  type Logger,
  type Readiness,
  type RequestLogVariables,
  requestLog,
  requestToken,
  TokenSet,
} from '@repo/service';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { Registry } from 'prom-client';
import type { CgroupView } from './cgroup.ts';
import type { CpuLoad } from './cpu.ts';
import { formatGoTime } from './go-time.ts';
import { registerMetrics } from './metrics.ts';
import { BadParameterError, readId, readRate, readSizeRequest, readWholeNumber, shareOf } from './params.ts';
import type { PartGroup, SetOptions } from './part-group.ts';
import { nextRequestId } from './request-id.ts';
import { groupStatus, type LimitInForce, StatusReader } from './status.ts';

export interface AppConfig {
  /** Every failed request is answered after this delay, to slow down abuse. */
  failureDelayMs: number;
  /** When set, set/load/stop need `Authorization: Bearer <token>`. */
  token?: string | undefined;
}

export interface AppDependencies {
  config: AppConfig;
  logger: Logger;
  memory: PartGroup;
  disk: PartGroup;
  cpu: CpuLoad;
  /** testero's cgroup (memory, CPU), shown beside its own figures; none: those figures are null. */
  cgroup?: CgroupView | undefined;
  /** DATADIR, whose usage is shown as the kubelet counts it; none: null. */
  dataDir?: string | undefined;
  /** The built dashboard (index.html and assets/), served at `/`; none: `/` says it is not built. */
  webRoot?: string | undefined;
  /** Where the testero gauges go; main passes one with the process metrics. */
  registry?: Registry;
  readiness?: () => Readiness;
}

type Env = { Variables: RequestLogVariables & { arrivedAt: bigint } };
type Ctx = Context<Env>;

/** The longest CPU load one request may ask for: a year. */
export const MAX_LOAD_SECONDS = 31_536_000;

const BUSY = 'Server busy, try again later';

// Byte amounts can exceed 2^53: they go into JSON as exact numbers, ids as strings (JS clients would round them).
const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;
const toJson = (value: unknown) =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? rawJson(String(v)) : v));

function wantsJson(c: Ctx): boolean {
  return c.req.query('format') === 'json' || (c.req.header('accept') ?? '').includes('application/json');
}

/** The same information as text lines (the original's exact wording) or as a JSON object. */
function answer(
  c: Ctx,
  status: ContentfulStatusCode,
  lines: string[],
  json: object,
  headers: Record<string, string> = {},
) {
  if (wantsJson(c))
    return c.body(toJson(json), status, { ...headers, 'Content-Type': 'application/json; charset=utf-8' });
  const text = lines.map((line) => `${line}\n`).join('');
  return c.body(text, status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
}

const fail = (
  c: Ctx,
  status: ContentfulStatusCode,
  line: string,
  extra: object = {},
  headers: Record<string, string> = {},
) => answer(c, status, [line], { error: line, ...extra }, headers);

const busy = (c: Ctx) => fail(c, 503, BUSY, {}, { 'Retry-After': '1' });

/** A parameter from the query string, or from a form body on POST. */
async function param(c: Ctx, name: string): Promise<string | undefined> {
  const fromQuery = c.req.query(name);
  if (fromQuery !== undefined || c.req.method !== 'POST') return fromQuery;
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data'))
    return undefined;
  const value = (await c.req.parseBody())[name];
  return typeof value === 'string' ? value : undefined;
}

function requireToken(token: string | undefined): MiddlewareHandler<Env> {
  const expected = token === undefined ? undefined : new TokenSet([token]);
  return async function requireTokenMiddleware(c, next) {
    if (!expected) return next();
    const given = requestToken((name) => c.req.header(name));
    // Compared on digests: the same time whatever the given token's length or content.
    if (given !== undefined && expected.has(given)) return next();
    const line =
      given === undefined
        ? 'Unauthorized: this endpoint needs the header `Authorization: Bearer <token>` (the TESTERO_TOKEN of the server)'
        : 'Unauthorized: the bearer token is wrong; expected the TESTERO_TOKEN of the server';
    return fail(c, 401, line, {}, { 'WWW-Authenticate': 'Bearer' });
  };
}

interface GroupWords {
  path: 'mem' | 'disk';
  /** What `size=N%` is a share of. */
  limitInForce: (status: StatusReader) => Promise<LimitInForce> | LimitInForce;
  accepted: (size: bigint, id: bigint) => string;
  overLimit: string;
  defined: string;
  actual: string;
}

const MEMORY_WORDS: GroupWords = {
  path: 'mem',
  limitInForce: (status) => status.memoryLimitInForce(),
  accepted: (size, id) => `Memory data request sent for ${size} bytes, with id#: ${id}, check /api/mem/getact`,
  overLimit: 'Could not compute memory parts',
  defined: 'Boxes of size',
  actual: 'Parts of size',
};

const DISK_WORDS: GroupWords = {
  path: 'disk',
  limitInForce: (status) => status.diskLimitInForce(),
  accepted: (size, id) => `File data request sent for ${size} bytes, with id#: ${id}, check /api/disk/getact`,
  overLimit: 'Could not compute file distribution',
  defined: 'Files of size',
  actual: 'Files of size',
};

/** A whole number of seconds for `ttl`, when given. */
async function readTtl(c: Ctx): Promise<number | undefined> {
  const text = await param(c, 'ttl');
  return text === undefined ? undefined : readWholeNumber(text, 'ttl', 1, MAX_LOAD_SECONDS, 'seconds');
}

function groupRoutes(
  group: PartGroup,
  words: GroupWords,
  auth: MiddlewareHandler<Env>,
  status: StatusReader,
): Hono<Env> {
  const routes = new Hono<Env>();
  routes.on(['GET', 'POST'], '/set', auth, async (c) => {
    const id = c.get('arrivedAt');
    const request = readSizeRequest(await param(c, 'size'));
    const rateText = await param(c, 'rate');
    const options: SetOptions = {
      rate: rateText === undefined ? undefined : readRate(rateText),
      ttlSeconds: await readTtl(c),
    };
    // Only what was asked for goes into the JSON answer: a plain set answers as before.
    const extra: Record<string, unknown> = {};
    let size: bigint;
    if (request.kind === 'share') {
      const limit = await words.limitInForce(status);
      size = shareOf(limit.bytes, request.ppm);
      Object.assign(extra, { share: request.text, limitInForce: limit });
    } else {
      size = request.bytes;
    }
    if (options.rate !== undefined) extra.rateBytesPerSecond = options.rate;
    if (options.ttlSeconds !== undefined) extra.ttlSeconds = options.ttlSeconds;
    const outcome = group.set(size, id, options);
    if (outcome.kind === 'busy') return busy(c);
    if (outcome.kind === 'over-limit') {
      const line = `${words.overLimit}: Size requested is over the limit: requested ${size} bytes, limit: ${outcome.limit} bytes.`;
      return fail(c, 400, line, { requested: size, planned: outcome.plan.total, limit: outcome.limit, ...extra });
    }
    c.get('logger').info({ id: String(id), size: String(size), ...extra }, `${words.path} set accepted`);
    const line = words.accepted(size, id);
    if (group.lease) extra.lease = group.lease;
    return answer(c, 200, [line], {
      message: line,
      id: String(id),
      requested: size,
      planned: outcome.plan.total,
      ...extra,
    });
  });
  routes.on(['GET', 'POST'], '/getdef', (c) => {
    const plan: PartPlan = group.definition;
    const parts = plan.sizes.map((size, i) => {
      const count = plan.counts[i] ?? 0n;
      return { size, count, total: size * count };
    });
    const lines = parts.map((p) => `${words.defined}: ${p.size}, count: ${p.count}, total size: ${p.total}`);
    lines.push(`Total size reserved: ${plan.total} bytes.`);
    return answer(c, 200, lines, { parts, total: plan.total });
  });
  routes.on(['GET', 'POST'], '/getact', async (c) => {
    const counts = group.holder.countExisting ? await group.holder.countExisting() : group.holder.counts();
    const parts = group.holder.sizes.map((size, i) => ({ size, count: counts[i] ?? 0 }));
    const total = parts.reduce((sum, p) => sum + p.size * BigInt(p.count), 0n);
    const lastId = group.lastRequestId;
    const lines = [`Last request ID: ${lastId}`, ...parts.map((p) => `${words.actual}: ${p.size}, Count: ${p.count}`)];
    lines.push(`Total size: ${total} bytes.`);
    if (!wantsJson(c)) return answer(c, 200, lines, {});
    const { ramp, lease } = groupStatus(group);
    const observed =
      words.path === 'mem'
        ? { cgroup: await status.cgroupMemory(), limitInForce: await status.memoryLimitInForce() }
        : { dataDir: await status.dataDir(), limitInForce: status.diskLimitInForce() };
    return answer(c, 200, lines, {
      lastRequestId: String(lastId),
      parts,
      total,
      target: group.definition.total,
      inProgress: group.busy,
      ramp,
      lease,
      ...observed,
    });
  });
  return routes;
}

function cpuRoutes(cpu: CpuLoad, auth: MiddlewareHandler<Env>, status: StatusReader): Hono<Env> {
  const routes = new Hono<Env>();
  routes.on(['GET', 'POST'], '/load', auth, async (c) => {
    const id = c.get('arrivedAt');
    const seconds = readWholeNumber(await param(c, 'time'), 'time', 1, MAX_LOAD_SECONDS, 'seconds');
    const millicoresText = await param(c, 'millicores');
    const millicores =
      millicoresText === undefined
        ? 1000
        : readWholeNumber(millicoresText, 'millicores', 1, cpu.maxMillicores, 'millicores (1000 = one full core)');
    const ttlSeconds = await readTtl(c);
    const state = cpu.load(id, seconds, millicores, ttlSeconds);
    if (!state) return busy(c);
    // A few ms: the answer says the load runs only once every thread of it does (a thread that dies at start
    // ends the load, and the request gets the reason).
    try {
      await state.started;
    } catch (error) {
      return fail(c, 500, `CPU load failed to start: ${(error as Error).message}`);
    }
    const line = `CPU load requested for ${seconds} seconds with id: ${id}`;
    const lease = state.lease ? { ttlSeconds, lease: state.lease } : {};
    return answer(c, 200, [line], { message: line, id: String(id), seconds, millicores, ...lease });
  });
  routes.on(['GET', 'POST'], '/stop', auth, async (c) => {
    const id = readId(await param(c, 'id'));
    const outcome = await cpu.stop(id);
    if (outcome === 'wrong-id') return fail(c, 409, `Incorrect stop load request ID=${id}`);
    const line = outcome === 'stopped' ? 'CPU load stopped' : 'No load request being processed, nothing to do';
    return answer(c, 200, [line], { message: line, stopped: outcome === 'stopped' });
  });
  routes.on(['GET', 'POST'], '/getact', async (c) => {
    const state = cpu.current;
    if (!state) {
      const line = 'No load request in progress';
      const failure = cpu.failure;
      if (!failure) return answer(c, 200, [line], { active: false, message: line });
      const failed = `Last load request failed: ${failure.message}`;
      return answer(c, 200, [line, failed], {
        active: false,
        message: line,
        failure: { id: String(failure.id), at: failure.at.toISOString(), message: failure.message },
      });
    }
    const lines = [
      `Load request sent at: ${formatGoTime(state.sentAt)}`,
      `Load time requested: ${state.seconds} seconds`,
      `Load request ends at: ${formatGoTime(state.endsAt)}`,
      `Number to factor: ${cpu.numberToFactor}`,
    ];
    return answer(c, 200, lines, {
      active: true,
      id: String(state.id),
      sentAt: state.sentAt.toISOString(),
      seconds: state.seconds,
      endsAt: state.endsAt.toISOString(),
      millicores: state.millicores,
      numberToFactor: String(cpu.numberToFactor),
      lease: state.lease ?? null,
      measured: wantsJson(c) ? await status.cpuMeasured() : null,
    });
  });
  return routes;
}

const NOT_FOUND_API =
  'the API is /api/mem/{set,getdef,getact}, /api/disk/{set,getdef,getact}, /api/cpu/{load,stop,getact}, /api/status';

// The page loads only its own script and style, and reads and writes only testero's API.
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** The dashboard: index.html at `/` and its files under `/assets/`, from the built page in `webRoot`. */
function dashboardRoutes(webRoot: string | undefined): Hono<Env> {
  const routes = new Hono<Env>();
  const root = webRoot === undefined ? undefined : resolve(webRoot);
  // Checked per request, so a page built after the start is served without a restart.
  const built = () => root !== undefined && existsSync(join(root, 'index.html'));
  const files = root === undefined ? undefined : serveStatic<Env>({ root });
  routes.use('/', async function pageHeaders(c, next) {
    await next();
    for (const [name, value] of Object.entries(PAGE_HEADERS)) c.header(name, value);
    c.header('Cache-Control', 'no-cache');
  });
  routes.use('/assets/*', async function assetHeaders(c, next) {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
  });
  routes.get('/', async (c, next) => {
    if (built() && files) return files(c, next);
    // No server path in the answer: where the page was looked for is for the operator, not for every client.
    return fail(c, 404, `Not found: /; the dashboard is not built (pnpm --filter testero build); ${NOT_FOUND_API}`);
  });
  routes.get('/assets/*', async (c, next) => (built() && files ? files(c, next) : next()));
  return routes;
}

const API_PATHS = [
  ...['set', 'getdef', 'getact'].flatMap((name) => [`/api/mem/${name}`, `/api/disk/${name}`]),
  ...['load', 'stop', 'getact'].map((name) => `/api/cpu/${name}`),
  '/api/status',
];

/** Builds testero's HTTP app from its parts; it never listens (main.ts does). */
export function createApp(deps: AppDependencies): Hono<Env> {
  const { config, logger } = deps;
  const registry = deps.registry ?? new Registry();
  const status = new StatusReader(deps);
  registerMetrics(registry, deps, status);
  const auth = requireToken(config.token);
  const app = new Hono<Env>();

  app.use(async function arrival(c, next) {
    // Taken first so the id is the time the request arrived, as the original's were.
    c.set('arrivedAt', nextRequestId());
    await next();
  });
  // The dashboard polls /api/status every second, probes and scrapes come all the time: debug level when they succeed.
  app.use(requestLog(logger, { quietPaths: ['/api/status', '/healthz', '/readyz', '/metrics'] }));
  app.use('/api/*', async function failureDelay(c, next) {
    await next();
    if (c.res.status >= 400 && config.failureDelayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, config.failureDelayMs));
    }
  });

  app.route('/api/mem', groupRoutes(deps.memory, MEMORY_WORDS, auth, status));
  app.route('/api/disk', groupRoutes(deps.disk, DISK_WORDS, auth, status));
  app.route('/api/cpu', cpuRoutes(deps.cpu, auth, status));
  // Always JSON: one document of everything, for dashboards and scripts.
  app.on(['GET', 'POST'], '/api/status', async (c) =>
    c.body(toJson(await status.status()), 200, { 'Content-Type': 'application/json; charset=utf-8' }),
  );
  for (const path of API_PATHS) {
    app.all(path, (c) =>
      fail(c, 405, `Method ${c.req.method} is not allowed on ${path}; use GET or POST`, {}, { Allow: 'GET, POST' }),
    );
  }
  app.route('/', dashboardRoutes(deps.webRoot));
  app.route('/', healthRoutes({ registry, ...(deps.readiness ? { readiness: deps.readiness } : {}) }));

  app.notFound((c) => fail(c, 404, `Not found: ${c.req.path}; ${NOT_FOUND_API}`));
  app.onError((error, c) => {
    if (error instanceof BadParameterError) return fail(c, 400, `Bad request: ${error.message}`);
    c.get('logger')?.error({ err: error }, 'unhandled error');
    return fail(c, 500, `Internal error: ${error.message}`);
  });
  return app;
}
