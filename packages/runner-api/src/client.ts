import type { z } from '@hono/zod-openapi';
import {
  type ExecuteRequest,
  type ExecuteResponse,
  ExecuteResponseSchema,
  type InfoResponse,
  InfoResponseSchema,
  type LanguagesV1Response,
  LanguagesV1ResponseSchema,
  type Runtime,
  RuntimesResponseSchema,
  type RunV1Request,
  type RunV1Response,
  RunV1ResponseSchema,
} from './schemas.ts';

/** The server answered with an error status; `message` is the one from its JSON body. */
export class RunnerHttpError extends Error {
  override name = 'RunnerHttpError';
  readonly status: number;
  /** From `Retry-After` (429, 503), when sent. */
  readonly retryAfterSeconds: number | null;
  constructor(status: number, message: string, retryAfterSeconds: number | null = null) {
    super(message);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** 503: every box is busy and the queue is full or the wait timed out; try again after `retryAfterSeconds`. */
export class RunnerBusyError extends RunnerHttpError {
  override name = 'RunnerBusyError';
  declare readonly retryAfterSeconds: number | null;
}

/** The server could not be reached at all (refused, DNS, reset): no HTTP answer. */
export class RunnerUnreachableError extends Error {
  override name = 'RunnerUnreachableError';
  readonly url: string;
  constructor(url: string, cause: unknown) {
    super(`cannot reach code-runner at ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.url = url;
  }
}

/** The server answered 2xx with a body that does not match the contract (a different server, or a version skew). */
export class RunnerProtocolError extends Error {
  override name = 'RunnerProtocolError';
  readonly url: string;
  constructor(url: string, problem: string) {
    super(`unexpected answer from ${url}: ${problem}`);
    this.url = url;
  }
}

export interface RunnerClientOptions {
  /** e.g. `http://127.0.0.1:10100`; a trailing slash is fine. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>` when the server requires keys. */
  apiKey?: string;
  /** Defaults to the global fetch; tests pass `app.request`-backed functions. */
  fetch?: typeof fetch;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface RunnerClient {
  runtimes(options?: CallOptions): Promise<Runtime[]>;
  execute(request: ExecuteRequest, options?: CallOptions): Promise<ExecuteResponse>;
  info(options?: CallOptions): Promise<InfoResponse>;
  languagesV1(options?: CallOptions): Promise<LanguagesV1Response>;
  runV1(request: RunV1Request, options?: CallOptions): Promise<RunV1Response>;
}

function retryAfter(res: Response): number | null {
  const value = res.headers.get('retry-after');
  if (value === null) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

async function errorMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    if (typeof body.message === 'string') return body.message;
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON: fall through to the text itself
  }
  return text.trim().slice(0, 500) || `HTTP ${res.status} ${res.statusText}`.trim();
}

/** A typed client for code-runner's HTTP API (v1 and v2). Every method throws the errors above. */
export function createRunnerClient(options: RunnerClientOptions): RunnerClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;

  async function call<T>(
    method: 'GET' | 'POST',
    path: string,
    schema: z.ZodType<T>,
    body: unknown,
    call: CallOptions = {},
  ): Promise<T> {
    const url = `${base}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    let res: Response;
    try {
      res = await doFetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: call.signal,
      });
    } catch (error) {
      // An abort is the caller's own doing, not an unreachable server.
      if (call.signal?.aborted) throw call.signal.reason;
      throw new RunnerUnreachableError(url, error);
    }
    if (!res.ok) {
      const message = await errorMessage(res);
      if (res.status === 503) throw new RunnerBusyError(503, message, retryAfter(res));
      throw new RunnerHttpError(res.status, message, retryAfter(res));
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      throw new RunnerProtocolError(url, 'the body is not JSON');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RunnerProtocolError(url, `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
    }
    return parsed.data;
  }

  return {
    runtimes: (o) => call('GET', '/api/v2/runtimes', RuntimesResponseSchema, undefined, o),
    execute: (request, o) => call('POST', '/api/v2/execute', ExecuteResponseSchema, request, o),
    info: (o) => call('GET', '/api/v2/info', InfoResponseSchema, undefined, o),
    languagesV1: (o) => call('GET', '/api/v1/languages', LanguagesV1ResponseSchema, undefined, o),
    runV1: (request, o) => call('POST', '/api/v1/run', RunV1ResponseSchema, request, o),
  };
}
