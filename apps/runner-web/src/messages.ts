import { RunnerBusyError, RunnerHttpError, RunnerProtocolError, RunnerUnreachableError } from '@repo/runner-api';

/** A failed request in words a person can act on; `retryAfterSeconds` when the server said when to come back. */
export function requestErrorMessage(error: unknown): string {
  if (error instanceof RunnerBusyError) {
    const when = error.retryAfterSeconds === null ? 'in a moment' : `in ${error.retryAfterSeconds} s`;
    return `The server is busy: every sandbox is in use and the queue is full. Try again ${when}.`;
  }
  if (error instanceof RunnerHttpError) {
    if (error.status >= 500) return `The server failed (HTTP ${error.status}): ${error.message}`;
    const when = error.retryAfterSeconds === null ? '' : ` Try again in ${error.retryAfterSeconds} s.`;
    return `The server refused the request (HTTP ${error.status}): ${error.message}${when}`;
  }
  if (error instanceof RunnerUnreachableError) {
    return 'Cannot reach the code-runner server. Check that it is running and that you are online, then try again.';
  }
  if (error instanceof RunnerProtocolError)
    return `The server gave an answer this page does not understand: ${error.message}`;
  return `Something went wrong: ${error instanceof Error ? error.message : String(error)}`;
}
