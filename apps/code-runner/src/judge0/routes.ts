import os from 'node:os';
import type { RequestLogVariables } from '@repo/service';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import packageJson from '../../package.json' with { type: 'json' };
import { ClientError } from '../errors.ts';
import type { ErrorShape } from '../http/errors.ts';
import type { RunnerApi } from '../runner.ts';
import { isMultiFileProgram } from './languages.ts';
import { requestedFields, serializeSubmission } from './serialize.ts';
import type { Judge0Service } from './service.ts';
import { statuses } from './statuses.ts';
import { acceptSubmission, configInfo, type FieldErrors, type SubmissionRecord } from './submission.ts';

/** The Judge0 CE version whose API this is: the official SDK picks its language ids by it. */
export const judge0Version = '1.13.1';

/** Judge0's error answers: `{"error": "..."}` (validation failures are `{field: [messages]}`, written by the routes). */
export const judge0Shape: ErrorShape = (message) => ({ error: message });

export interface Judge0RoutesOptions {
  service: Judge0Service;
  runner: RunnerApi;
  /** What every API checks first (keys, rate limit, body size): run on Judge0's paths only. */
  guards: readonly MiddlewareHandler[];
  /** CORS_ORIGINS: browsers' Judge0 clients call from other origins (any when unset or `*`). */
  corsOrigins?: readonly string[];
}

/** Judge0's `X-Auth-Token` is one of our API keys: passed on as `X-API-Key` where no other key header is set. */
const authToken: MiddlewareHandler = async function judge0AuthToken(c, next) {
  const token = c.req.header('x-auth-token');
  if (token !== undefined && !c.req.header('authorization') && !c.req.header('x-api-key')) {
    const headers = new Headers(c.req.raw.headers);
    headers.set('x-api-key', token);
    c.req.raw = new Request(c.req.raw, { headers });
  }
  await next();
};

async function readBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ClientError(400, 'the body is not valid JSON', { reason: 'invalid' });
  }
}

const notFound = () => new ClientError(404, 'not found');

/**
 * Judge0 CE's API at its own paths (`/submissions`, `/languages`, ...), mounted at the root. The app gives it
 * Judge0's error shape (`{"error": "..."}`); validation failures answer 422 `{field: [messages]}` as Rails does.
 */
export function judge0Routes(options: Judge0RoutesOptions) {
  const { service, runner } = options;
  const { store, workers, settings, languages } = service;
  const app = new Hono<{ Variables: RequestLogVariables }>();
  const origins = options.corsOrigins;
  // Before the guards: a preflight carries no key.
  const crossOrigin = cors({
    origin: !origins || origins.length === 0 || origins.includes('*') ? '*' : [...origins],
    allowHeaders: ['Content-Type', 'Authorization', 'X-API-Key', 'X-Auth-Token', 'X-Request-Id'],
    exposeHeaders: ['Retry-After', 'X-Request-Id', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
    maxAge: 600,
  });
  // `:token` and `:id` cover `batch` and `all`: each request passes the guards once.
  for (const path of [
    '/submissions',
    '/submissions/:token',
    '/languages',
    '/languages/:id',
    '/statuses',
    '/about',
    '/version',
    '/config_info',
    '/system_info',
    '/workers',
  ]) {
    app.use(path, crossOrigin, authToken, ...options.guards);
  }
  const languageName = (id: number) => languages.get(id)?.name ?? null;
  const base64Param = (c: Context) => c.req.query('base64_encoded') === 'true';
  const checkQueue = async (count: number) => {
    if ((await store.queued()) + count > settings.maxQueueSize) {
      throw new ClientError(503, 'queue is full', { reason: 'busy', headers: { 'Retry-After': '1' } });
    }
  };
  const checkBatchSize = (count: number) => {
    if (count > settings.maxBatchSize) {
      throw new ClientError(
        400,
        `number of submissions in a batch should be less than or equal to ${settings.maxBatchSize}`,
        { reason: 'invalid' },
      );
    }
    if (count === 0) {
      throw new ClientError(400, 'there should be at least one submission in a batch', { reason: 'invalid' });
    }
  };

  app.post('/submissions/batch', async (c) => {
    const body = (await readBody(c)) as { submissions?: unknown };
    const items = Array.isArray(body?.submissions) ? body.submissions : [];
    checkBatchSize(items.length);
    await checkQueue(items.length);
    const base64 = base64Param(c);
    const answers: ({ token: string } | FieldErrors)[] = [];
    const records: SubmissionRecord[] = [];
    for (const item of items) {
      const parsed = await acceptSubmission(item, { base64, settings, languages });
      if ('errors' in parsed) {
        answers.push(parsed.errors);
      } else {
        records.push(parsed.record);
        answers.push({ token: parsed.record.token });
      }
    }
    if (records.length > 0) {
      await store.add(records);
      workers.wake();
    } else {
      runner.reject('invalid');
    }
    return c.json(answers, records.length > 0 ? 201 : 422);
  });

  app.get('/submissions/batch', async (c) => {
    const tokens = (c.req.query('tokens') ?? c.req.header('tokens') ?? '')
      .trim()
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    checkBatchSize(tokens.length);
    const fields = requestedFields(c.req.query('fields'));
    const base64 = base64Param(c);
    const found = await store.getMany(tokens);
    return c.json(
      { submissions: found.map((r) => (r ? serializeSubmission(r, fields, base64, languageName) : null)) },
      200,
    );
  });

  app.post('/submissions', async (c) => {
    const wait = c.req.query('wait') === 'true';
    await checkQueue(1);
    const fields = requestedFields(c.req.query('fields'));
    const base64 = base64Param(c);
    const parsed = await acceptSubmission(await readBody(c), { base64, settings, languages });
    if ('errors' in parsed) {
      runner.reject('invalid');
      return c.json(parsed.errors, 422);
    }
    const { token } = parsed.record;
    const done = wait ? workers.finished(token, AbortSignal.any([c.req.raw.signal, runner.shutdown])) : undefined;
    await store.add([parsed.record]);
    workers.wake();
    if (!done) return c.json({ token }, 201);
    await done;
    const record = (await store.get(token)) ?? parsed.record;
    return c.json(serializeSubmission(record, fields, base64, languageName), 201);
  });

  app.get('/submissions/:token', async (c) => {
    const fields = requestedFields(c.req.query('fields'));
    const record = await store.get(c.req.param('token') ?? '');
    if (!record) throw notFound();
    return c.json(serializeSubmission(record, fields, base64Param(c), languageName), 200);
  });

  const languageList = () => [...languages.values()].map(({ id, name }) => ({ id, name }));
  app.get('/languages', (c) => c.json(languageList(), 200));
  app.get('/languages/all', (c) => c.json(languageList(), 200));
  app.get('/languages/:id', (c) => {
    const language = languages.get(Number(c.req.param('id') ?? ''));
    if (!language) throw notFound();
    const { spec } = language.runtime;
    // Judge0's multi-file program has neither: its archive's own `compile` and `run` scripts say what to do.
    const project = isMultiFileProgram(language);
    return c.json(
      {
        id: language.id,
        name: language.name,
        is_archived: false,
        source_file: project ? null : spec.fileName,
        compile_cmd: !project && spec.compile ? spec.compile.join(' ') : null,
        run_cmd: project ? null : spec.run.join(' '),
      },
      200,
    );
  });
  app.get('/statuses', (c) => c.json(statuses, 200));
  app.get('/about', (c) =>
    c.json(
      {
        version: judge0Version,
        homepage: null,
        source_code: null,
        maintainer: null,
        server: `code-runner ${packageJson.version}`,
      },
      200,
    ),
  );
  app.get('/version', (c) => c.text(judge0Version, 200));
  app.get('/config_info', (c) => c.json(configInfo(settings, { resultTtlSeconds: service.resultTtlSeconds }), 200));
  app.get('/system_info', (c) => {
    const cpus = os.cpus();
    const { isolation } = runner.info();
    return c.json(
      {
        Architecture: os.arch(),
        'CPU(s)': String(cpus.length),
        'Model name': cpus[0]?.model ?? 'unknown',
        Mem: `${Math.round(os.totalmem() / 1024 / 1024)}M`,
        Isolation: isolation.level,
      },
      200,
    );
  });
  app.get('/workers', async (c) =>
    c.json(
      [
        {
          queue: judge0Version,
          size: await store.queued(),
          available: workers.size,
          idle: workers.size - workers.working,
          working: workers.working,
          paused: 0,
          failed: 0,
        },
      ],
      200,
    ),
  );
  return app;
}
