export { requestToken, TokenSet } from './auth.ts';
export { ConfigError, env, loadConfig } from './config.ts';
export { createRegistry, type HealthOptions, healthRoutes, type Readiness } from './health.ts';
export { createLogger, type Logger, newRequestId, type RequestLogVariables, requestLog } from './logger.ts';
export { type RunningServer, type ServeOptions, serveApp } from './serve.ts';
