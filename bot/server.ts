import type { ActivityHandler, CloudAdapter } from 'botbuilder';
import type { IncomingMessage } from 'node:http';
import * as restify from 'restify';
import type { Logger } from '../services/platform/logger';
import type { TurnGate } from '../services/platform/rateLimits';
import type { Store } from '../services/store/store';
import { incomingActivity, SERVED_CHANNEL_ID } from './activitySchemas';
import { isAdapterEvent } from './turn';

/** Teams activities are small; anything much larger is not a Teams activity. */
export const MAX_BODY_BYTES = 256 * 1024;

/** The Bot Connector sends an activity in one go; a client still sending after this long only holds a socket. */
export const REQUEST_TIMEOUT_MS = 20_000;

/** What a client is told to wait when every turn place is taken: a turn takes tens of milliseconds. */
const BUSY_RETRY_AFTER_SECONDS = 1;

type Received =
  | { kind: 'activity'; activity: Record<string, unknown> }
  | { kind: 'refused'; status: number; reason: string; why: string }
  /** The client went away before sending the whole body: there is nobody to answer. */
  | { kind: 'aborted' };

/**
 * The HTTP front: `POST /api/messages` for Teams (through CloudAdapter, which checks the Bot
 * Framework token when an app id is configured), `GET /healthz` for the load balancer.
 *
 * The body is read here rather than by restify's bodyParser: that parser inflates gzip and deflate
 * bodies without a limit on the inflated size and writes multipart uploads to the temporary folder.
 * Only uncompressed `application/json` up to MAX_BODY_BYTES is read, in memory, and an activity
 * must name its sender, conversation, channel and service URL before CloudAdapter sees it.
 */
export function createServer(deps: { adapter: CloudAdapter; bot: ActivityHandler; store: Store; turns: TurnGate; logger: Logger }): restify.Server {
  const { adapter, bot, store, turns, logger } = deps;
  const server = restify.createServer({ name: 'guest-access-bot', handleUncaughtExceptions: false });
  server.server.requestTimeout = REQUEST_TIMEOUT_MS;

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
    const received = await receiveActivity(req);
    if (received.kind === 'aborted') return;
    if (received.kind === 'refused') {
      logger.warn({ path: '/api/messages', status: received.status, why: received.why }, 'request refused');
      res.send(received.status, { error: received.reason });
      return;
    }
    const { activity } = received;
    if (activity.channelId !== SERVED_CHANNEL_ID) {
      logger.warn({ activityId: activity.id, channelId: activity.channelId, type: activity.type }, 'activity from another channel refused');
      res.send(403, { error: `This bot serves Microsoft Teams only (channel "${SERVED_CHANNEL_ID}").` });
      return;
    }
    if (!turns.tryEnter()) {
      logger.warn({ activityId: activity.id, inFlight: turns.inFlight }, 'busy: turn refused');
      res.header('Retry-After', String(BUSY_RETRY_AFTER_SECONDS));
      res.send(429, { error: 'The bot is busy with other messages; try again in a moment.' });
      return;
    }
    try {
      req.body = activity;
      await adapter.process(req, res, (context) => bot.run(context));
    } finally {
      turns.leave();
    }
  });

  server.on('restifyError', (req: restify.Request, _res: restify.Response, error: Error & { statusCode?: number }, callback: () => void) => {
    logger.warn({ path: req.path(), status: error.statusCode ?? 500, error: error.name }, 'request refused');
    callback();
  });
  return server;
}

/** What a JSON body came to: its parsed value, a refusal with the status to answer, or nothing (the client left). */
export type ReceivedJson = { kind: 'json'; value: unknown } | { kind: 'refused'; status: number; reason: string; why: string } | { kind: 'aborted' };

/**
 * A request's JSON body, or why it is refused: uncompressed `application/json` up to `maxBytes`,
 * read in memory; nothing is written anywhere but this process's memory. The tab's API reads its
 * bodies through this too.
 */
export async function receiveJson(
  req: IncomingMessage,
  options: { maxBytes: number; expected: string } = { maxBytes: MAX_BODY_BYTES, expected: 'a Bot Framework activity' },
): Promise<ReceivedJson> {
  const { maxBytes, expected } = options;
  // Refused rather than inflated with a cap: the Bot Connector sends plain JSON, so compression
  // would only ever come from someone else, and not inflating at all costs no memory and no CPU.
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity') {
    return { kind: 'refused', status: 415, reason: `Compressed bodies are not accepted: send ${expected} as plain JSON.`, why: 'content-encoding' };
  }
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json') {
    return { kind: 'refused', status: 415, reason: `Only application/json is accepted: send ${expected}.`, why: 'content-type' };
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) return tooLarge(maxBytes);

  const body = await readCapped(req, maxBytes);
  if (body === 'aborted') return { kind: 'aborted' };
  if (body === 'tooLarge') return tooLarge(maxBytes);

  try {
    return { kind: 'json', value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { kind: 'refused', status: 400, reason: 'The body is not valid JSON.', why: 'json' };
  }
}

/** The request's activity, or why it is refused. */
async function receiveActivity(req: IncomingMessage): Promise<Received> {
  const received = await receiveJson(req);
  if (received.kind !== 'json') return received;
  const parsed = received.value;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || typeof (parsed as { type?: unknown }).type !== 'string') {
    return { kind: 'refused', status: 400, reason: 'Expected a Bot Framework activity as a JSON object with a "type".', why: 'not-an-activity' };
  }
  const checked = incomingActivity.safeParse(parsed);
  if (!checked.success) {
    const fields = [...new Set(checked.error.issues.map((issue) => issue.path.join('.')))].join(', ');
    return { kind: 'refused', status: 400, reason: `The activity lacks a valid ${fields}.`, why: 'activity-shape' };
  }
  const name = (parsed as { name?: unknown }).name;
  // The adapter starts the bot's own proactive turns with these events, which the middleware lets pass.
  if (isAdapterEvent({ type: checked.data.type, name: typeof name === 'string' ? name : undefined })) {
    return { kind: 'refused', status: 400, reason: "This event is the bot's own and is not accepted from outside.", why: 'adapter-event' };
  }
  return { kind: 'activity', activity: parsed as Record<string, unknown> };
}

function tooLarge(maxBytes: number): ReceivedJson {
  return { kind: 'refused', status: 413, reason: `The body is larger than ${maxBytes / 1024} KiB.`, why: 'too-large' };
}

/**
 * The whole body, or 'tooLarge' as soon as it passes `maxBytes` (the rest is read and dropped so
 * the answer can still be sent), or 'aborted' when the client goes away first.
 */
function readCapped(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'tooLarge' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: Buffer | 'tooLarge' | 'aborted') => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onAbort);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        finish('tooLarge');
        req.resume();
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(Buffer.concat(chunks, size));
    const onAbort = () => finish('aborted');
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onAbort);
  });
}
