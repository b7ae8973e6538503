import type { Server } from 'node:http';
import { IsolationUnavailableError } from '@repo/sandbox';
import { ConfigError, createLogger, createRegistry, serveApp } from '@repo/service';
import { createApp, maxBodyBytes } from './app.ts';
import { readConfig } from './config.ts';
import { createUpgrades } from './http/upgrade.ts';
import { createRunner } from './runner.ts';

const bootLogger = createLogger({ name: 'code-runner' });
try {
  const config = readConfig();
  const logger = createLogger({ name: 'code-runner', level: config.LOG_LEVEL });
  const registry = createRegistry();
  const runner = await createRunner({ config, logger, registry });
  // Interactive sessions' WebSockets; each upgrade is answered by the app first (keys, rate limit, a free box).
  const upgrades = createUpgrades({ maxPayload: maxBodyBytes });
  const app = createApp({ config, runner, logger, registry, upgrades });
  await serveApp({
    app,
    port: config.PORT,
    hostname: config.HOST,
    logger,
    onServer: (server) => upgrades.attach(server as Server, app.fetch),
    onShutdown: async () => {
      upgrades.close();
      await runner.close();
    },
  });
} catch (error) {
  if (error instanceof ConfigError || error instanceof IsolationUnavailableError) {
    bootLogger.fatal(error.message);
  } else {
    bootLogger.fatal({ err: error }, 'code-runner could not start');
  }
  process.exit(1);
}
