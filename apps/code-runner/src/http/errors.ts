import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';

/** Each API version has one error shape: v1 `{"error": "..."}`, v2 (Piston) `{"message": "..."}`. */
export type ApiVersion = 'v1' | 'v2';

export function versionOf(path: string): ApiVersion {
  return path.startsWith('/api/v1') ? 'v1' : 'v2';
}

export function errorBody(version: ApiVersion, message: string): { error: string } | { message: string } {
  return version === 'v1' ? { error: message } : { message };
}

/** An error response in the shape of the request's API version. */
export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  message: string,
  headers?: Record<string, string>,
): Response {
  return c.json(errorBody(versionOf(c.req.path), message), status, headers);
}

/** A refusal with a status and a message for the client (thrown from handlers and middleware). */
export class ApiError extends HTTPException {
  readonly headers: Record<string, string>;
  constructor(status: ContentfulStatusCode, message: string, headers: Record<string, string> = {}) {
    super(status, { message });
    this.headers = headers;
  }
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
