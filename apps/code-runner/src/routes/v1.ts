import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import {
  ErrorV1Schema,
  LanguagesV1ResponseSchema,
  RunV1RequestSchema,
  type RunV1Response,
  RunV1ResponseSchema,
} from '@repo/runner-api';
import type { RequestLogVariables } from '@repo/service';
import { ClientError } from '../errors.ts';
import type { ExecutionResult } from '../executor.ts';
import { prepareFiles } from '../executor.ts';
import { describeIssues } from '../http/errors.ts';
import { findRuntimeV1 } from '../languages.ts';
import { resolveLimits } from '../limits.ts';
import type { RunnerApi } from '../runner.ts';
import { v1Error } from '../stage.ts';
import type { TimingVariables } from '../timing.ts';
import { checkExecution, type ExecutionPlan } from './request-bounds.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const errors = {
  400: json(ErrorV1Schema, 'Not JSON, a missing or empty field, or an unknown language'),
  401: json(ErrorV1Schema, 'An API key is required (when the server has keys)'),
  413: json(ErrorV1Schema, 'The body is over 1 MiB'),
  429: json(ErrorV1Schema, 'Rate limited; see Retry-After'),
  503: json(ErrorV1Schema, 'Every box is busy; see Retry-After'),
  500: json(ErrorV1Schema, 'Internal error'),
};

const languagesRoute = createRoute({
  method: 'get',
  path: '/languages',
  summary: 'The v1 names of the languages this server can run now',
  tags: ['v1'],
  responses: { 200: json(LanguagesV1ResponseSchema, 'Language names'), 401: errors[401], 429: errors[429] },
});

const runRoute = createRoute({
  method: 'post',
  path: '/run',
  summary: 'Compile (where needed) and run one source file',
  tags: ['v1'],
  request: { body: { content: { 'application/json': { schema: RunV1RequestSchema } }, required: true } },
  responses: { 200: json(RunV1ResponseSchema, 'What the program printed and why it ended'), ...errors },
});

const v1Fields: ExecutionPlan['fields'] = { files: '"source"', file: () => '"source"' };

/** The v1 answer: the compiler's output and its failure when the compile failed, else the run's. */
export function toRunV1Response(result: ExecutionResult): RunV1Response {
  const compile = result.compile?.result;
  if (compile && compile.status !== 'ok') {
    return { stdout: compile.stdout, stderr: compile.stderr, error: `compilation failed: ${v1Error(compile)}` };
  }
  const run = result.run;
  if (!run) return { stdout: '', stderr: '', error: 'internal error' };
  return { stdout: run.stdout, stderr: run.stderr, error: v1Error(run) };
}

/** `/api/v1`: the original API's routes (mounted with the `{"error": "..."}` shape, see app.ts). */
export function v1Routes(deps: { runner: RunnerApi; logSource: boolean }) {
  const { runner } = deps;
  const app = new OpenAPIHono<{ Variables: RequestLogVariables & TimingVariables }>({
    defaultHook: (result) => {
      if (!result.success) throw new ClientError(400, describeIssues(result.error), { reason: 'invalid' });
    },
  });
  return app
    .openapi(languagesRoute, (c) => c.json({ languages: [...new Set(runner.runtimes.map((r) => r.spec.v1Name))] }, 200))
    .openapi(runRoute, async (c) => {
      const body = c.req.valid('json');
      const timer = c.var.timer;
      timer?.mark('parse');
      const runtime = findRuntimeV1(runner.runtimes, body.language);
      c.var.logger?.debug(
        {
          language: runtime.spec.name,
          sourceBytes: body.source.length,
          ...(deps.logSource ? { source: body.source } : {}),
        },
        'run v1',
      );
      const files = prepareFiles(runtime, [{ content: body.source }]);
      checkExecution({ runtime, files, args: [], maxima: runner.maxima, fields: v1Fields });
      const result = await runner.execute({
        runtime,
        files,
        stdin: '',
        args: [],
        limits: resolveLimits({}, runner.maxima),
        signal: c.req.raw.signal,
        timer,
      });
      const answer = c.json(toRunV1Response(result), 200);
      timer?.mark('map');
      return answer;
    });
}
