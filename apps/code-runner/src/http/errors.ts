import type { Logger } from '@repo/service';
import type { Context, Env, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { ClientError, type RejectionReason } from '../errors.ts';

/** How one API writes a refusal's message: each API (each sub-app of the server) has one. */
export type ErrorShape = (message: string) => Record<string, unknown>;

/** The original's v1: `{"error": "..."}`. */
export const v1Shape: ErrorShape = (message) => ({ error: message });
/** Piston's v2, and the server's own paths (health, docs, the page): `{"message": "..."}`. */
export const messageShape: ErrorShape = (message) => ({ message });

/** A refusal written in `shape`. */
export function refusal(
  c: Context,
  shape: ErrorShape,
  status: ContentfulStatusCode,
  message: string,
  headers?: Record<string, string>,
): Response {
  return c.json(shape(message), status, headers);
}

export interface ErrorAnswersOptions {
  shape: ErrorShape;
  /** For errors nobody expected (the request's own logger when it has one). */
  logger: Logger;
  /** Counts a refusal that names its reason (`ClientError.reason`). */
  reject?: (reason: RejectionReason) => void;
}

/**
 * An app's `onError`, the same for every API but for the shape: a ClientError answers its status, message and
 * headers; Hono's HTTPException (malformed JSON) its status; a request whose client went away 499; anything
 * else 500 "internal error", logged.
 */
export function errorAnswers<E extends Env>(options: ErrorAnswersOptions): ErrorHandler<E> {
  const { shape } = options;
  return function answerError(error, c) {
    if (error instanceof ClientError) {
      if (error.reason) options.reject?.(error.reason);
      return refusal(c, shape, error.status, error.message, { ...error.headers });
    }
    if (error instanceof HTTPException) {
      if (error.status === 400 && /malformed json/i.test(error.message)) {
        return refusal(c, shape, 400, 'the body is not valid JSON');
      }
      return refusal(c, shape, error.status, error.message);
    }
    if (c.req.raw.signal.aborted) {
      // The client went away: nobody reads this answer.
      return refusal(c, shape, 499 as 400, 'the client closed the request');
    }
    const logger = (c.var as { logger?: Logger }).logger ?? options.logger;
    logger.error({ err: error }, 'unhandled error');
    return refusal(c, shape, 500, 'internal error');
  };
}

/** Issues named in one message; a body with thousands of bad items gets a message of a readable length. */
const maxIssuesShown = 5;

/** The zod issues of a body as one line: `files[0]: file "content" is required; "language" is required`. */
export function describeIssues(error: ZodError): string {
  const shown = error.issues.slice(0, maxIssuesShown).map((issue) => {
    const nested = issue.path.length > 1 || typeof issue.path[0] === 'number';
    if (!nested) return issue.message;
    const where = issue.path
      .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
      .join('');
    return `${where}: ${issue.message}`;
  });
  const more = error.issues.length - shown.length;
  return [...shown, ...(more > 0 ? [`and ${more} more`] : [])].join('; ');
}
