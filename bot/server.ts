import type { CloudAdapter } from 'botbuilder';
import type { ActivityHandler } from 'botbuilder';
import * as restify from 'restify';
import type { Logger } from '../services/logger';
import type { Store } from '../services/store/store';

/** Teams activities are small; anything much larger is not a Teams activity. */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * The HTTP front: `POST /api/messages` for Teams (through CloudAdapter, which checks the Bot
 * Framework token when an app id is configured), `GET /healthz` for the load balancer.
 */
export function createServer(deps: { adapter: CloudAdapter; bot: ActivityHandler; store: Store; logger: Logger }): restify.Server {
  const { adapter, bot, store, logger } = deps;
  const server = restify.createServer({ name: 'guest-access-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: MAX_BODY_BYTES, mapParams: false, mapFiles: false, keepExtensions: false }));

  server.get('/healthz', async (_req: restify.Request, res: restify.Response) => {
    try {
      await store.ping();
      res.send(200, { status: 'ok' });
    } catch {
      res.send(503, { status: 'unavailable', reason: 'store unreachable' });
    }
  });

  // The Agents Playground (and some monitors) probe the endpoint with HEAD; answer instead of logging a refusal.
  server.head('/api/messages', async (_req: restify.Request, res: restify.Response) => {
    res.send(200);
  });

  server.post('/api/messages', async (req: restify.Request, res: restify.Response) => {
    if (!isActivityBody(req.body)) {
      res.send(400, { error: 'Expected a Bot Framework activity as a JSON object with a "type".' });
      return;
    }
    await adapter.process(req, res, (context) => bot.run(context));
  });

  server.on('restifyError', (req: restify.Request, _res: restify.Response, error: Error & { statusCode?: number }, callback: () => void) => {
    logger.warn({ path: req.path(), status: error.statusCode ?? 500, error: error.name }, 'request refused');
    callback();
  });
  return server;
}

function isActivityBody(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && typeof (body as { type?: unknown }).type === 'string';
}
