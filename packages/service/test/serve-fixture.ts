// A tiny app served by serveApp, for serve.test.ts: prints its port, and a line when shut down.
import { Hono } from 'hono';
import { createLogger } from '../src/logger.ts';
import { serveApp } from '../src/serve.ts';

const app = new Hono().get('/', (c) => c.text('hello'));
const { port } = await serveApp({
  app,
  port: 0,
  hostname: '127.0.0.1',
  logger: createLogger({ name: 'fixture', level: 'silent' }),
  onShutdown: () => {
    process.stdout.write('cleaned up\n');
  },
});
process.stdout.write(`port ${port}\n`);
