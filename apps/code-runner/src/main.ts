import { IsolationUnavailableError } from '@repo/sandbox';
import { ConfigError, createLogger, createRegistry, serveApp } from '@repo/service';
import { createApp } from './app.ts';
import { readConfig } from './config.ts';
import { createRunner } from './runner.ts';

const bootLogger = createLogger({ name: 'code-runner' });
try {
  const config = readConfig();
  const logger = createLogger({ name: 'code-runner', level: config.LOG_LEVEL });
  const registry = createRegistry();
  const runner = await createRunner({ config, logger, registry });
  const app = createApp({ config, runner, logger, registry });
  await serveApp({
    app,
    port: config.PORT,
    hostname: config.HOST,
    logger,
    onShutdown: () => runner.close(),
  });
} catch (error) {
  if (error instanceof ConfigError || error instanceof IsolationUnavailableError) {
    bootLogger.fatal(error.message);
  } else {
    bootLogger.fatal({ err: error }, 'code-runner could not start');
  }
  process.exit(1);
}
