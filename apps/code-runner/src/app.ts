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
import { HTTPException } from 'hono/http-exception';
import type { Registry } from 'prom-client';
import packageJson from '../package.json' with { type: 'json' };
import type { Config } from './config.ts';
import { BadFilesError } from './executor.ts';
import { notFoundOrWrongMethod } from './http/allowed-methods.ts';
import { apiKeys } from './http/auth.ts';
import { ApiError, errorResponse } from './http/errors.ts';
import { rateLimit } from './http/rate-limit.ts';
import { createUpgrades, type Upgrades } from './http/upgrade.ts';
import { UnknownRuntimeError } from './languages.ts';
import { OutOfBoundsError } from './limits.ts';
import { PoolBusyError, PoolClosedError } from './pool.ts';
import { connectRoutes } from './routes/connect.ts';
import { v1Routes } from './routes/v1.ts';
import { packagesAreReadOnly, v2Routes } from './routes/v2.ts';
import type { Runner } from './runner.ts';
import { PhaseTimer, type TimingVariables } from './timing.ts';

export const maxBodyBytes = 1024 * 1024;

export interface AppDependencies {
  config: Config;
  runner: Runner;
  logger: Logger;
  registry: Registry;
  /** Where WebSocket upgrades come in (main.ts attaches it to the server); tests of the app alone need none. */
  upgrades?: Upgrades;
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

/** The HTTP app of code-runner, built from its dependencies; it never listens (main.ts does). */
export function createApp(deps: AppDependencies) {
  const { config, runner, logger, registry } = deps;
  const app = new OpenAPIHono<{ Variables: RequestLogVariables & TimingVariables }>();

  app.use('*', requestLog(logger));
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
  if (config.RUNNER_API_KEYS?.length) app.use('/api/*', apiKeys({ keys: config.RUNNER_API_KEYS }));
  if (config.RATE_LIMIT_PER_MINUTE > 0) app.use('/api/*', rateLimit({ perMinute: config.RATE_LIMIT_PER_MINUTE }));
  app.use('/api/*', jsonWhateverTheContentType);
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => {
        runner.metrics.rejected.inc({ reason: 'too large' });
        return errorResponse(c, 413, `the body is larger than ${maxBodyBytes} bytes (1 MiB)`);
      },
    }),
  );

  app.route('/api/v1', v1Routes({ runner, logSource: config.LOG_SOURCE }));
  app.route('/api/v2', v2Routes({ runner, logSource: config.LOG_SOURCE }));
  app.route(
    '/api/v2',
    connectRoutes({
      runner,
      logger,
      upgrades: deps.upgrades ?? createUpgrades({ maxPayload: maxBodyBytes }),
      runTimeoutMs: config.SESSION_RUN_TIMEOUT_MS,
      idleTimeoutMs: config.SESSION_IDLE_TIMEOUT_MS,
    }),
  );
  app.route('/', healthRoutes({ registry, readiness: () => runner.readiness(), liveness: () => runner.liveness() }));

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

  app.notFound(notFoundOrWrongMethod(app, { reasons: { '/api/v2/packages': packagesAreReadOnly } }));

  app.onError((error, c) => {
    if (error instanceof UnknownRuntimeError || error instanceof OutOfBoundsError || error instanceof BadFilesError) {
      runner.metrics.rejected.inc({ reason: 'invalid' });
      return errorResponse(c, 400, error.message);
    }
    if (error instanceof PoolBusyError) {
      runner.metrics.rejected.inc({ reason: 'busy' });
      return errorResponse(c, 503, error.message, { 'Retry-After': String(error.retryAfterSeconds) });
    }
    if (error instanceof PoolClosedError) return errorResponse(c, 503, error.message, { 'Retry-After': '5' });
    if (error instanceof ApiError) return errorResponse(c, error.status, error.message, error.headers);
    if (error instanceof HTTPException) {
      if (error.status === 400 && /malformed json/i.test(error.message)) {
        return errorResponse(c, 400, 'the body is not valid JSON');
      }
      return errorResponse(c, error.status, error.message);
    }
    if (c.req.raw.signal.aborted) {
      // The client went away: nobody reads this answer.
      return errorResponse(c, 499 as 400, 'the client closed the request');
    }
    (c.var.logger ?? logger).error({ err: error }, 'unhandled error');
    return errorResponse(c, 500, 'internal error');
  });
  return app;
}
