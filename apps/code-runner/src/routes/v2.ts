import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  ErrorV2Schema,
  type ExecuteResponse,
  ExecuteResponseSchema,
  type InfoResponse,
  InfoResponseSchema,
  type LimitSet,
  notRunStage,
  type Runtime,
  RuntimesResponseSchema,
} from '@repo/runner-api';
import type { RequestLogVariables } from '@repo/service';
import packageJson from '../../package.json' with { type: 'json' };
import { ClientError } from '../errors.ts';
import { prepareFiles } from '../executor.ts';
import { describeIssues } from '../http/errors.ts';
import { findRuntime, type LanguageRuntime } from '../languages.ts';
import { resolveLimits } from '../limits.ts';
import type { RunnerApi } from '../runner.ts';
import { toStage } from '../stage.ts';
import type { TimingVariables } from '../timing.ts';
import { checkExecution, type ExecutionPlan, executeRequestSchema } from './request-bounds.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const errors = {
  400: json(ErrorV2Schema, 'Invalid body, unknown runtime, or a value outside what the server and its sandbox accept'),
  401: json(ErrorV2Schema, 'An API key is required (when the server has keys)'),
  413: json(ErrorV2Schema, 'The body is over 1 MiB'),
  429: json(ErrorV2Schema, 'Rate limited; see Retry-After'),
  503: json(ErrorV2Schema, 'Every box is busy; see Retry-After'),
  500: json(ErrorV2Schema, 'Internal error'),
};

const runtimesRoute = createRoute({
  method: 'get',
  path: '/runtimes',
  summary: 'The languages and versions this server can run now',
  tags: ['v2 (Piston)'],
  responses: { 200: json(RuntimesResponseSchema, 'Runtimes'), 401: errors[401], 429: errors[429] },
});

/** The schema bounds the limits by this server's maxima. */
const executeRoute = (maxima: LimitSet) =>
  createRoute({
    method: 'post',
    path: '/execute',
    summary: 'Compile (where needed) and run a program of one or more files',
    tags: ['v2 (Piston)'],
    request: {
      body: { content: { 'application/json': { schema: executeRequestSchema(maxima) } }, required: true },
    },
    responses: { 200: json(ExecuteResponseSchema, 'The stages and what happened in each'), ...errors },
  });

const infoRoute = createRoute({
  method: 'get',
  path: '/info',
  summary: 'Isolation in force, limits and maxima, pool, queue and cache state, versions',
  tags: ['v2 (Piston)'],
  responses: { 200: json(InfoResponseSchema, 'Server information'), 401: errors[401], 429: errors[429] },
});

// Piston's package manager (`ppman list`, `ppman install`, `ppman uninstall` in its CLI).
const PackageSchema = z
  .object({
    language: z.string().openapi({ example: 'python' }),
    language_version: z.string().openapi({ example: '3.11.2' }),
    installed: z.boolean().openapi({ description: 'Always true: only what this server can run is listed.' }),
  })
  .openapi('Package');
const PackagesResponseSchema = z.array(PackageSchema).openapi('PackagesResponse');

const packagesRoute = createRoute({
  method: 'get',
  path: '/packages',
  summary: "The installed runtimes, in the shape of Piston's package list",
  tags: ['v2 (Piston)'],
  responses: { 200: json(PackagesResponseSchema, 'One entry per runtime'), 401: errors[401], 429: errors[429] },
});

/** Why Piston's install and uninstall (`POST`, `DELETE /api/v2/packages`) are refused. */
export const packagesAreReadOnly =
  'the runtimes come with the code-runner image and are not installed or removed over the API. ' +
  'To add a language, follow "Adding a language" in CONTRIBUTING.md (an entry in packages/languages) ' +
  'and rebuild the image; GET /api/v2/packages lists what is installed';

// Documented only: no handler answers these, so the app's general 405 does, with `Allow: GET, HEAD, OPTIONS`.
// 405 because the package list exists and is read-only here (RFC 9110 §15.5.6: the method is known but not
// supported by this resource); 501 would claim the server supports POST and DELETE nowhere, and 403 would
// suggest that another API key could do it.
const packageChangeRoutes = (['post', 'delete'] as const).map((method) =>
  createRoute({
    method,
    path: '/packages',
    summary: `Piston's package ${method === 'post' ? 'install' : 'uninstall'}: refused, runtimes come with the image`,
    tags: ['v2 (Piston)'],
    responses: { 405: json(ErrorV2Schema, `Refused, with \`Allow: GET, HEAD, OPTIONS\`: ${packagesAreReadOnly}`) },
  }),
);

const v2Fields: ExecutionPlan['fields'] = {
  files: '"files"',
  file: (index, part) => `files[${index}].${part}`,
};

export function toRuntime(runtime: LanguageRuntime): Runtime {
  const item: Runtime = { language: runtime.spec.name, version: runtime.version, aliases: [...runtime.spec.aliases] };
  if (runtime.spec.runtime) item.runtime = runtime.spec.runtime;
  return item;
}

/** `/api/v2`: Piston's API, its package list, and `/info` (mounted with the `{"message": "..."}` shape, see app.ts). */
export function v2Routes(deps: { runner: RunnerApi; logSource: boolean }) {
  const { runner } = deps;
  const app = new OpenAPIHono<{ Variables: RequestLogVariables & TimingVariables }>({
    defaultHook: (result) => {
      if (!result.success) throw new ClientError(400, describeIssues(result.error), { reason: 'invalid' });
    },
  });
  for (const route of packageChangeRoutes) app.openAPIRegistry.registerPath(route);
  return app
    .openapi(runtimesRoute, (c) => c.json(runner.runtimes.map(toRuntime), 200))
    .openapi(packagesRoute, (c) =>
      c.json(
        runner.runtimes
          .map(toRuntime)
          .map((runtime) => ({ language: runtime.language, language_version: runtime.version, installed: true })),
        200,
      ),
    )
    .openapi(executeRoute(runner.maxima), async (c) => {
      const body = c.req.valid('json');
      const timer = c.var.timer;
      timer?.mark('parse');
      const runtime = findRuntime(runner.runtimes, body.language, body.version ?? '*');
      const limits = resolveLimits(body, runner.maxima);
      const files = prepareFiles(runtime, body.files);
      const args = body.args ?? [];
      checkExecution({ runtime, files, args, maxima: runner.maxima, fields: v2Fields });
      c.var.logger?.debug(
        {
          language: runtime.spec.name,
          files: files.map((f) => ({ name: f.name, bytes: f.content.length })),
          ...(deps.logSource ? { source: body.files.map((f) => f.content) } : {}),
        },
        'execute v2',
      );
      const result = await runner.execute({
        runtime,
        files,
        stdin: body.stdin ?? '',
        args,
        limits,
        signal: c.req.raw.signal,
        timer,
      });
      const response: ExecuteResponse = {
        language: runtime.spec.name,
        version: runtime.version,
        run: result.run ? toStage(result.run) : notRunStage(),
      };
      if (result.compile) response.compile = toStage(result.compile.result, result.compile.cached);
      const answer = c.json(response, 200);
      timer?.mark('map');
      return answer;
    })
    .openapi(infoRoute, (c) => {
      const { isolation, pool, cache: stats } = runner.info();
      const { maxima } = runner;
      const info: InfoResponse = {
        isolation: {
          level: isolation.level,
          layers: isolation.layers,
          cgroup: isolation.cgroup,
          root: isolation.root,
          box_path: isolation.boxPath,
          usage: { memory: isolation.usage.memory, cpu_time: isolation.usage.cpuTime },
          run_path: isolation.runPath,
        },
        limits: { defaults: maxima, maxima },
        pool: {
          size: pool.size,
          busy: pool.busy,
          queued: pool.queued,
          max_queue: pool.maxQueue,
          queue_timeout: pool.queueTimeoutMs,
        },
        compile_cache: {
          entries: stats.entries,
          bytes: stats.bytes,
          max_bytes: stats.maxBytes,
          hits: stats.hits,
          misses: stats.misses,
        },
        versions: { server: packageJson.version, node: process.versions.node },
        runtimes: runner.runtimes.map(toRuntime),
      };
      return c.json(info, 200);
    });
}
