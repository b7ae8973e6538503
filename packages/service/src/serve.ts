import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Logger } from 'pino';

export interface ServeOptions {
  // biome-ignore lint/suspicious/noExplicitAny: any Hono app, whatever its env and schema types
  app: Hono<any, any, any>;
  port: number;
  hostname?: string;
  logger: Logger;
  /** Runs once on SIGTERM/SIGINT after the server stops taking requests: cancel work, free resources. */
  onShutdown?: () => Promise<void> | void;
  /** Requests still open after this are cut so that shutdown never hangs. Default 10 s. */
  shutdownTimeoutMs?: number;
  /** Called with the server before it listens, e.g. to take its WebSocket upgrades. */
  onServer?: (server: ServerType) => void;
}

export interface RunningServer {
  server: ServerType;
  port: number;
  /** Stops taking requests, runs onShutdown, resolves when done. Safe to call more than once. */
  shutdown(reason: string): Promise<void>;
}

/** Listens, logs where, and shuts down cleanly on SIGTERM and SIGINT (exit code 0). */
export async function serveApp(options: ServeOptions): Promise<RunningServer> {
  const { logger } = options;
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: options.app.fetch, port: options.port, hostname: options.hostname ?? '0.0.0.0' }, () =>
      resolve(s),
    );
    s.once('error', reject);
    options.onServer?.(s);
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, hostname: options.hostname ?? '0.0.0.0' }, 'listening');

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) => {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      const timer = setTimeout(() => {
        if ('closeAllConnections' in server) server.closeAllConnections();
      }, options.shutdownTimeoutMs ?? 10_000);
      timer.unref();
      try {
        await options.onShutdown?.();
      } catch (error) {
        logger.error({ err: error }, 'error while shutting down');
      }
      await closed;
      clearTimeout(timer);
      logger.info('stopped');
    })();
    return stopping;
  };

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      shutdown(signal).then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  return { server, port, shutdown };
}
