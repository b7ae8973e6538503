/** The statuses a refusal is answered with (each API writes the message in its own shape). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 426 | 429 | 500 | 503;

/** Why a request was refused before it ran, as `code_runner_rejected_total` counts it. */
export type RejectionReason = 'invalid' | 'busy' | 'too large' | 'rate limited';

export interface ClientErrorOptions {
  /** Sent with the answer, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  /** Counted as a rejection for this reason; uncounted without one. */
  reason?: RejectionReason;
  cause?: unknown;
}

/**
 * A refusal the client can act on: the HTTP status it is answered with, a message for a person, and headers.
 * Domain modules throw it without knowing HTTP frameworks; each API's error handler writes it in its shape.
 */
export class ClientError extends Error {
  override name = 'ClientError';
  readonly status: ErrorStatus;
  readonly headers: Readonly<Record<string, string>>;
  readonly reason: RejectionReason | undefined;
  constructor(status: ErrorStatus, message: string, options: ClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.headers = options.headers ?? {};
    this.reason = options.reason;
  }
}
