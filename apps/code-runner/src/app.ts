import { existsSync } from 'node:fs';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { OpenAPIHono } from '@hono/zod-openapi';
import { healthRoutes, type Logger, type RequestLogVariables, requestLog } from '@repo/service';
import { Scalar } from '@scalar/hono-api-reference';
import type { MiddlewareHandler } from 'hono';
import { accepts } from 'hono/accepts';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { Registry } from 'prom-client';
import packageJson from '../package.json' with { type: 'json' };
import type { Config } from './config.ts';
import { ClientError, type RejectionReason } from './errors.ts';
import { notFoundOrWrongMethod } from './http/allowed-methods.ts';
import { apiKeys } from './http/auth.ts';
import { type ErrorShape, errorAnswers, messageShape, v1Shape } from './http/errors.ts';
import { rateLimit } from './http/rate-limit.ts';
import { createUpgrades, type Upgrades } from './http/upgrade.ts';
import { judge0Routes, judge0Shape } from './judge0/routes.ts';
import { createJudge0, type Judge0Service, judge0Metrics } from './judge0/service.ts';
import { connectRoutes } from './routes/connect.ts';
import { v1Routes } from './routes/v1.ts';
import { packagesAreReadOnly, v2Routes } from './routes/v2.ts';
import type { RunnerApi } from './runner.ts';
import { PhaseTimer, type TimingVariables } from './timing.ts';

export const maxBodyBytes = 1024 * 1024;

type AppEnv = { Variables: RequestLogVariables & TimingVariables };

export interface AppDependencies {
  config: Config;
  runner: RunnerApi;
  logger: Logger;
  registry: Registry;
  /** Where WebSocket upgrades come in (main.ts attaches it to the server); tests of the app alone need none. */
  upgrades?: Upgrades;
  /** Judge0's store and workers; default: created from the config (SQLite in JUDGE0_DATA_DIR), closed at shutdown. */
  judge0?: Judge0Service;
}

// The original read any body as JSON whatever its Content-Type (curl -d sends form encoding): so do we.
const jsonWhateverTheContentType: MiddlewareHandler = async function jsonWhateverTheContentType(c, next) {
  if (c.req.method === 'POST' && !/^application\/([\w.-]+\+)?json\b/i.test(c.req.header('content-type') ?? '')) {
    const headers = new Headers(c.req.raw.headers);
    headers.set('content-type', 'application/json');
    c.req.raw = new Request(c.req.raw, { headers });
  }
  await next();
};

// Browsers accept 204, but the original answered preflights with 200 and its clients' tests expect that.
const preflightOk: MiddlewareHandler = async function preflightOk(c, next) {
  await next();
  if (c.req.method === 'OPTIONS' && c.res.status === 204) {
    c.res = new Response(null, { status: 200, headers: c.res.headers });
  }
};

function notBuiltPage(webRoot: string): string {
  return [
    'code-runner is running, but its web page is not built.',
    '',
    `Expected the built page in ${webRoot}`,
    'Build it with:  pnpm --filter runner-web build',
    '(or point WEB_ROOT at a folder with index.html).',
    '',
    'The API works without it: /api/v1/languages, /api/v2/runtimes, /docs.',
    '',
  ].join('\n');
}

/**
 * The HTTP app of code-runner, built from its dependencies; it never listens (main.ts does). Each API (v1,
 * Piston's v2) is a sub-app with its own error shape, written by its own onError and its own not-found
 * answer; the app's own paths (health, metrics, docs, the page) answer errors in the `{"message"}` shape.
 */
export function createApp(deps: AppDependencies) {
  const { config, runner, logger, registry } = deps;
  const app = new OpenAPIHono<AppEnv>();

  // Probes and scrapes come all the time: debug level when they succeed.
  app.use('*', requestLog(logger, { quietPaths: ['/healthz', '/readyz', '/metrics'] }));
  if (config.SERVER_TIMING) {
    app.use('/api/*', async function serverTiming(c, next) {
      const timer = new PhaseTimer();
      c.set('timer', timer);
      await next();
      if (timer.phases().length > 0) c.res.headers.set('Server-Timing', timer.header());
    });
  }
  app.use('/api/*', preflightOk);
  const origins = config.CORS_ORIGINS;
  app.use(
    '/api/*',
    cors({
      origin: !origins || origins.includes('*') ? '*' : origins,
      allowHeaders: ['Content-Type', 'Authorization', 'X-API-Key', 'X-Request-Id'],
      exposeHeaders: [
        'Retry-After',
        'X-Request-Id',
        'RateLimit-Limit',
        'RateLimit-Remaining',
        'RateLimit-Reset',
        'RateLimit-Policy',
        'Server-Timing',
      ],
      maxAge: 600,
    }),
  );

  // What every API checks before its routes, each throwing a ClientError that the API writes in its shape.
  // One rate limiter for all: a client's budget is the same whichever API it calls.
  const guards: MiddlewareHandler[] = [];
  if (config.RUNNER_API_KEYS?.length) guards.push(apiKeys({ keys: config.RUNNER_API_KEYS }));
  if (config.RATE_LIMIT_PER_MINUTE > 0) guards.push(rateLimit({ perMinute: config.RATE_LIMIT_PER_MINUTE }));
  guards.push(
    jsonWhateverTheContentType,
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        throw new ClientError(413, `the body is larger than ${maxBodyBytes} bytes (1 MiB)`, { reason: 'too large' });
      },
    }),
  );
  const reject = (reason: RejectionReason) => runner.reject(reason);

  /** An API as a sub-app: the guards, its routes, then its answers to unknown paths and to every error, in `shape`. */
  const api = (shape: ErrorShape, mount: (sub: OpenAPIHono<AppEnv>) => void, reasons?: Record<string, string>) => {
    const sub = new OpenAPIHono<AppEnv>();
    for (const guard of guards) sub.use('*', guard);
    mount(sub);
    // Which paths exist and with which methods is asked of the whole app (the 405's Allow).
    sub.all('*', notFoundOrWrongMethod(app, { shape, reasons }));
    return sub.onError(errorAnswers({ shape, logger, reject }));
  };

  app.route(
    '/api/v1',
    api(v1Shape, (v1) => v1.route('/', v1Routes({ runner, logSource: config.LOG_SOURCE }))),
  );
  app.route(
    '/api/v2',
    api(
      messageShape,
      (v2) =>
        v2.route('/', v2Routes({ runner, logSource: config.LOG_SOURCE })).route(
          '/',
          connectRoutes({
            runner,
            logger,
            upgrades: deps.upgrades ?? createUpgrades({ maxPayload: maxBodyBytes }),
            runTimeoutMs: config.SESSION_RUN_TIMEOUT_MS,
            idleTimeoutMs: config.SESSION_IDLE_TIMEOUT_MS,
          }),
        ),
      { '/api/v2/packages': packagesAreReadOnly },
    ),
  );
  // Judge0's API at its own paths (/submissions, /languages, ...), its guards on those paths only.
  const judge0Service = deps.judge0 ?? createJudge0({ config, runner, logger });
  judge0Metrics(registry, judge0Service);
  const judge0 = judge0Routes({
    service: judge0Service,
    runner,
    guards,
    corsOrigins: config.CORS_ORIGINS,
  });
  judge0.onError(errorAnswers({ shape: judge0Shape, logger, reject }));
  app.route('/', judge0);
  // Other paths under /api go through the same guards before their 404: registered after the APIs, these run
  // only where no API answered.
  for (const guard of guards) app.use('/api/*', guard);
  app.route(
    '/',
    healthRoutes({
      registry,
      readiness: () => runner.readiness(),
      liveness: () => runner.liveness(),
    }),
  );

  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'Only when the server sets RUNNER_API_KEYS; `X-API-Key: <key>` works too.',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'code-runner',
      version: packageJson.version,
      description:
        "Runs source code in a sandbox. v1 is the original API; v2 is Piston's (plus /api/v2/info and the ML status).",
    },
  });
  app.get('/docs', Scalar({ url: '/openapi.json', pageTitle: 'code-runner API' }));

  // Piston answers `GET /` with its name and version; clients that ask for JSON get ours in that shape, while
  // browsers (text/html) and curl (*/*) still get the web page.
  app.get('/', async function versionLine(c, next) {
    c.header('Vary', 'Accept');
    const type = accepts(c, { header: 'Accept', supports: ['text/html', 'application/json'], default: 'text/html' });
    if (type === 'application/json') return c.json({ message: `code-runner v${packageJson.version}` }, 200);
    await next();
  });

  const webRoot = path.resolve(config.WEB_ROOT);
  let serveWeb: MiddlewareHandler | undefined;
  app.get('*', async function webPage(c, next) {
    if (c.req.path.startsWith('/api/')) return next();
    // Checked per request so a page built after the start is served without a restart.
    if (existsSync(path.join(webRoot, 'index.html'))) {
      serveWeb ??= serveStatic({ root: webRoot });
      return serveWeb(c, next);
    }
    if (c.req.path === '/') return c.text(notBuiltPage(webRoot), 200);
    return next();
  });

  app.notFound(notFoundOrWrongMethod(app));
  app.onError(errorAnswers({ shape: messageShape, logger, reject }));
  return app;
}
