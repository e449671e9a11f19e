/**
 * The tab's JSON API under `/tab/api`. Every call carries the Teams SSO token in
 * `Authorization: Bearer`; it is checked before anything else, and the acting person is the token's
 * `oid`, never anything the browser sends. There are no cookies and no sessions. Bodies are read
 * by the same capped reader as /api/messages, and validated against each route's schema.
 */
import { randomUUID } from 'node:crypto';
import type * as restify from 'restify';
import type { z } from 'zod';
import { FeatureOff } from '../../services/directory/capabilities';
import type { TokenValidator } from '../../services/identity/ssoToken';
import type { Logger } from '../../services/platform/logger';
import type { TurnGate } from '../../services/platform/rateLimits';
import type { Person } from '../../services/requests/model';
import { receiveJson } from '../server';

export const TAB_API_PREFIX = '/tab/api';

/** The tab sends forms and lists of ids; nothing it sends comes near this. */
export const MAX_TAB_BODY_BYTES = 64 * 1024;

/** Who calls, from the checked token, and what the call is recorded under. */
export interface TabCall {
  actor: Person;
  tenantId: string;
  /** `tab:<random id>`, recorded in the audit log as the source of what the call changed. */
  source: string;
  logger: Logger;
}

export interface TabReply {
  status: number;
  body: unknown;
}

export interface TabInput<B> {
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  body: B;
}

/** One endpoint: its method and path below TAB_API_PREFIX, its body's schema, and its handler. */
export interface TabRoute<S extends z.ZodType = z.ZodType> {
  readonly method: 'get' | 'post';
  /** Restify path syntax (`/requests/:requestId/cancel`). */
  readonly path: string;
  /** POST bodies are parsed against this; a GET has none. */
  readonly body?: S;
  /** The largest body this route takes, when it is not MAX_TAB_BODY_BYTES (a CSV file). */
  readonly maxBodyBytes?: number;
  handle(call: TabCall, input: TabInput<z.infer<S>>): Promise<TabReply>;
}

/** Keeps a route's body schema and its handler's input type together for the compiler. */
export function defineRoute<S extends z.ZodType>(route: TabRoute<S>): TabRoute<S> {
  return route;
}

export function ok(body: unknown): TabReply {
  return { status: 200, body };
}

export function refused(status: number, message: string): TabReply {
  return { status, body: { error: message } };
}

/** A service's admin outcome as an HTTP answer. */
export function fromOutcome<T>(
  outcome: { kind: 'ok'; value: T } | { kind: 'forbidden' | 'notFound' | 'invalid' | 'failed' | 'turnedOff'; message: string },
  view: (value: T) => unknown = (v) => v,
): TabReply {
  switch (outcome.kind) {
    case 'ok':
      return ok(view(outcome.value));
    case 'forbidden':
      return refused(403, outcome.message);
    case 'notFound':
      return refused(404, outcome.message);
    case 'invalid':
      return refused(400, outcome.message);
    case 'failed':
      return refused(502, outcome.message);
    case 'turnedOff':
      return { status: 503, body: { error: outcome.message, turnedOff: true } };
  }
}

/** Headers of every API answer: JSON that is never cached, sniffed or framed. */
function apiHeaders(res: restify.Response): void {
  res.header('Cache-Control', 'no-store');
  res.header('X-Content-Type-Options', 'nosniff');
  res.header('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
  res.header('Referrer-Policy', 'no-referrer');
}

export function registerTabApi(
  server: restify.Server,
  deps: { validator: TokenValidator; routes: readonly TabRoute[]; turns: TurnGate; logger: Logger },
): void {
  const { validator, turns, logger } = deps;
  for (const route of deps.routes) {
    const path = `${TAB_API_PREFIX}${route.path}`;
    server[route.method](path, async (req: restify.Request, res: restify.Response) => {
      apiHeaders(res);
      const token = await validator.check(req.headers.authorization);
      if (!token.ok) {
        logger.warn({ path: route.path, why: token.why }, 'tab call refused: token');
        if (token.why === 'keysUnavailable') {
          res.send(503, { error: token.reason });
          return;
        }
        res.header('WWW-Authenticate', `Bearer error="invalid_token"`);
        res.send(401, { error: token.reason });
        return;
      }
      let body: unknown;
      if (route.body) {
        const received = await receiveJson(req, { maxBytes: route.maxBodyBytes ?? MAX_TAB_BODY_BYTES, expected: 'a JSON object' });
        if (received.kind === 'aborted') return;
        if (received.kind === 'refused') {
          logger.warn({ path: route.path, status: received.status, why: received.why }, 'tab call refused: body');
          res.send(received.status, { error: received.reason });
          return;
        }
        const parsed = route.body.safeParse(received.value);
        if (!parsed.success) {
          const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || 'body'))].join(', ');
          res.send(400, { error: `The request has an invalid ${fields}.` });
          return;
        }
        body = parsed.data;
      }
      if (!turns.tryEnter()) {
        res.header('Retry-After', '1');
        res.send(429, { error: 'The server is busy; try again in a moment.' });
        return;
      }
      const source = `tab:${randomUUID()}`;
      const call: TabCall = {
        actor: { aadObjectId: token.user.aadObjectId, name: token.user.name },
        tenantId: token.user.tenantId,
        source,
        logger: logger.child({ source }),
      };
      try {
        const query = new URL(req.url ?? '/', 'http://tab.invalid').searchParams;
        const reply = await route.handle(call, { params: paramsOf(req), query, body });
        call.logger.info({ path: route.path, status: reply.status }, 'tab call');
        res.send(reply.status, reply.body);
      } catch (error) {
        if (error instanceof FeatureOff) {
          res.send(503, { error: error.message, turnedOff: true });
          return;
        }
        call.logger.error({ path: route.path, err: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown' }, 'tab call failed');
        res.send(500, { error: 'Something went wrong on the server. Try again in a moment.' });
      } finally {
        turns.leave();
      }
    });
  }
}

function paramsOf(req: restify.Request): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries((req.params ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string') params[key] = value;
  }
  return params;
}
