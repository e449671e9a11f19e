/**
 * The HTTP side: a plain Node `http` server that reads the request (URL, headers, a capped body),
 * hands it to the route table and writes Graph-shaped responses, including errors with
 * `request-id` / `client-request-id` both as headers and inside `innerError`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Directory } from './directory';
import { GraphError, graphErrorBody, graphErrors } from './errors';
import { DroppedConnection, FaultQueue, StandingFaults, failureError, faultError, parseFaultSettings, type FaultSettings, type FaultSpec } from './faults';
import { isRecord, type JsonObject } from './json';
import { parsePermissionList, requiredPermissions } from './permissions';
import { parseQueryString, type QueryContext } from './query';
import { matchRoute, type RouteResult } from './routes';
import { loadDemoSeed, type SeedFixture } from './seed';

export interface SimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default: the demo tenant. */
  seed?: SeedFixture;
  /** Request bodies larger than this are refused with 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Called with one line per request (method, path, status); silent by default. */
  log?: (line: string) => void;
  /** Whether the tenant has an Entra ID P1/P2 licence (needed for `signInActivity`). Default true. */
  premium?: boolean;
  /** Standing faults from the start (latency, random failures, write quota); see FaultSettings. */
  faults?: FaultSettings;
  /**
   * The Graph application permissions the calling app holds; a request needing one it lacks gets
   * 403 Authorization_RequestDenied. Default 'all': nothing is refused.
   */
  permissions?: readonly string[] | 'all';
  /** The calling app's application (client) id, whose service principal lists those permissions. Default: the demo bot. */
  callerAppId?: string;
}

export interface RunningSimulator {
  /** e.g. `http://127.0.0.1:5001`: no trailing slash and no `/v1.0`. */
  url: string;
  directory: Directory;
  /** Makes matching requests fail like a throttled or overloaded service (see FaultSpec). */
  injectFault(fault: FaultSpec): void;
  /** Replaces the standing faults (latency, random failures, write quota) that apply until changed. */
  setFaults(settings: FaultSettings): void;
  /** The standing faults in force. */
  faultSettings(): FaultSettings;
  /** Drops every fault not yet served and the standing faults. */
  clearFaults(): void;
  /** Replaces the Graph application permissions the calling app holds ('all': nothing is refused). */
  setPermissions(permissions: readonly string[] | 'all'): void;
  /** The permissions the calling app holds. */
  permissions(): readonly string[] | 'all';
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

interface ReadBody {
  text: string;
  tooLarge: boolean;
}

/** Reads the whole body; past the cap it keeps draining (so the client sees the 413) but stores nothing. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        tooLarge = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve({ text: tooLarge ? '' : Buffer.concat(chunks).toString('utf8'), tooLarge }));
    req.on('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `scheme://host` the client used, so absolute nextLinks lead back here. */
function requestOrigin(req: IncomingMessage, fallbackHost: string): string {
  const forwarded = header(req, 'x-forwarded-proto')?.split(',')[0].trim().toLowerCase();
  const scheme = forwarded === 'https' ? 'https' : 'http';
  return `${scheme}://${header(req, 'host') ?? fallbackHost}`;
}

function isJsonContentType(value: string | undefined): boolean {
  return value !== undefined && /^application\/json\s*(;|$)/i.test(value.trim());
}

function decodePath(rawPath: string): string[] {
  return rawPath
    .split('/')
    .filter((s) => s !== '')
    .map((segment) => {
      try {
        // In a path `+` is a literal plus; only percent-escapes are decoded.
        return decodeURIComponent(segment);
      } catch {
        throw graphErrors.badRequest(`The request path contains an invalid percent-encoding: '${segment}'.`);
      }
    });
}

/** Injected latency; unref'd so a delayed answer never keeps a closing process (or a test run) alive. */
const sleep = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms).unref()) : Promise.resolve());

/** The permission setting as the control endpoint shows it. */
function permissionsBody(directory: Directory): RouteResult {
  return { status: 200, body: { appId: directory.callerAppId, granted: directory.grantedPermissions === 'all' ? 'all' : [...directory.grantedPermissions] } };
}

/**
 * `/_simulator/permissions`: GET reads the calling app's Graph permissions, POST or PUT replaces
 * them with `{"granted": ["User.Read.All", ...]}` (or `"all"`), DELETE grants every one again.
 */
function handlePermissions(method: string, bodyText: string, directory: Directory): RouteResult {
  if (method === 'GET') return permissionsBody(directory);
  if (method === 'DELETE') {
    directory.grantPermissions('all');
    return permissionsBody(directory);
  }
  if (method === 'POST' || method === 'PUT') {
    try {
      const body: unknown = bodyText.trim() === '' ? {} : JSON.parse(bodyText);
      const granted = isRecord(body) ? body.granted : undefined;
      if (granted === 'all') directory.grantPermissions('all');
      else if (Array.isArray(granted) && granted.every((g) => typeof g === 'string')) directory.grantPermissions(parsePermissionList(granted.join(',')));
      else throw new Error('the body must be {"granted": "all"} or {"granted": ["User.Read.All", ...]}');
    } catch (error) {
      throw graphErrors.badRequest(error instanceof Error ? error.message : String(error));
    }
    return permissionsBody(directory);
  }
  throw new GraphError(405, 'MethodNotAllowed', `${method} is not supported on /_simulator/permissions.`);
}

/**
 * `/_simulator/faults`, outside the Graph namespace: GET reads the standing faults, POST or PUT
 * replaces them with the JSON body, DELETE clears them and every queued fault. Permissions live
 * at `/_simulator/permissions`.
 */
function handleAdmin(method: string, segments: string[], bodyText: string, faults: FaultQueue, standing: StandingFaults, directory: Directory): RouteResult {
  if (segments.length === 2 && segments[1] === 'permissions') return handlePermissions(method, bodyText, directory);
  if (segments.length !== 2 || segments[1] !== 'faults') {
    throw new GraphError(404, 'NotFound', `The simulator has no admin resource '/${segments.join('/')}'; use /_simulator/faults or /_simulator/permissions.`);
  }
  if (method === 'GET') return { status: 200, body: standing.current() };
  if (method === 'DELETE') {
    standing.clear();
    faults.clear();
    return { status: 204 };
  }
  if (method === 'POST' || method === 'PUT') {
    let settings: FaultSettings;
    try {
      settings = parseFaultSettings(bodyText.trim() === '' ? {} : JSON.parse(bodyText));
    } catch (error) {
      throw graphErrors.badRequest(error instanceof Error ? error.message : String(error));
    }
    standing.set(settings);
    return { status: 200, body: standing.current() };
  }
  throw new GraphError(405, 'MethodNotAllowed', `${method} is not supported on /_simulator/faults.`);
}

/** What a request carries, whether it came on its own or inside a `$batch`. */
interface GraphCall {
  method: string;
  /** The path as sent, still percent-encoded, without the query. */
  rawPath: string;
  rawQuery: string;
  /** A request header by lower-case name. */
  header(name: string): string | undefined;
  bodyText: string;
}

/** The tenant and the standing and queued faults every request goes through. */
interface Service {
  directory: Directory;
  faults: FaultQueue;
  standing: StandingFaults;
  origin: string;
  log?: (line: string) => void;
}

async function handle(req: IncomingMessage, service: Omit<Service, 'origin'>, fallbackHost: string, maxBodyBytes: number): Promise<RouteResult> {
  const body = await readBody(req, maxBodyBytes);
  if (body.tooLarge) {
    // The simulator's own cap; code and wording are not the real service's.
    throw new GraphError(413, 'RequestEntityTooLarge', `The request body exceeds the limit of ${maxBodyBytes} bytes.`);
  }
  const url = req.url ?? '/';
  const questionMark = url.indexOf('?');
  const rawPath = questionMark < 0 ? url : url.slice(0, questionMark);
  const rawQuery = questionMark < 0 ? '' : url.slice(questionMark + 1);
  const segments = decodePath(rawPath);
  const method = (req.method ?? 'GET').toUpperCase();
  if (segments[0] === '_simulator') return handleAdmin(method, segments, body.text, service.faults, service.standing, service.directory);
  const call: GraphCall = { method, rawPath, rawQuery, header: (name) => header(req, name), bodyText: body.text };
  return carryOut(call, { ...service, origin: requestOrigin(req, fallbackHost) });
}

/** One Graph request through the faults, the permission check and its route. */
async function carryOut(call: GraphCall, service: Service): Promise<RouteResult> {
  const { directory, faults, standing } = service;
  const { method, rawPath, rawQuery } = call;
  const segments = decodePath(rawPath);
  if (segments.length === 0 || segments[0].toLowerCase() !== 'v1.0') {
    throw graphErrors.unknownSegment(segments[0] ?? '/');
  }
  const path = `/${segments.slice(1).join('/')}`;
  await sleep(standing.latencyMs(method, path, 'before'));
  const fault = faults.take(method, path);
  if (fault && !fault.afterHandling) throw faultError(fault);
  const failure = standing.failure(method, path);
  if (failure && !failure.afterHandling) throw failureError(failure.kind, standing.retryAfterSeconds());
  const quotaRetryAfter = standing.throttleWrite(method, path);
  if (quotaRetryAfter !== undefined) throw faultError({ status: 429, retryAfter: quotaRetryAfter });
  const contentType = call.header('content-type');
  const readJson = (): unknown => {
    if (call.bodyText.trim() === '') return undefined;
    if (!isJsonContentType(contentType)) throw graphErrors.unreadableJson();
    try {
      return JSON.parse(call.bodyText) as unknown;
    } catch {
      throw graphErrors.unreadableJson();
    }
  };
  let result: RouteResult;
  if (segments.length === 2 && segments[1].toLowerCase() === '$batch') {
    if (method !== 'POST') throw graphErrors.methodNotAllowed(method, ['POST']);
    result = await handleBatch(readJson(), service);
  } else {
    const { handler, params } = matchRoute(segments.slice(1), method);
    const lagMs = standing.replicationLagMs();
    const ctx: QueryContext = {
      query: parseQueryString(rawQuery),
      eventual: call.header('consistencylevel')?.trim().toLowerCase() === 'eventual',
      origin: service.origin,
      rawPath,
      replicating: (id) => directory.isReplicating(id, lagMs),
    };
    // Authorization comes after the route is known (an unknown path is still a 404), before any change.
    const required = requiredPermissions(method, segments.slice(1), { query: ctx.query.options, body: lenientJson(call.bodyText) });
    if (required && !directory.mayCall(required)) throw graphErrors.authorizationDenied();
    result = handler({ directory, method, params, ctx, json: readJson });
  }
  if (fault) throw faultError(fault);
  if (failure) throw failureError(failure.kind, standing.retryAfterSeconds());
  await sleep(standing.latencyMs(method, path, 'after'));
  return result;
}

/** JSON batching allows at most 20 requests per batch (json-batching). */
export const MAX_BATCH_REQUESTS = 20;

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  dependsOn: string[];
}

/**
 * Reads a `$batch` body. The whole batch is refused (400) when it cannot be read, holds more than
 * 20 requests, repeats an id, names an unknown dependency, or has a request with a body but no
 * Content-Type (the service's wording for that case is the one community reports quote).
 */
function readBatch(body: unknown): BatchItem[] {
  const invalid = (message: string) => graphErrors.badRequest(message);
  if (!isRecord(body) || !Array.isArray(body.requests)) throw invalid('Invalid batch payload format: expected {"requests": [...]}.');
  const requests: unknown[] = body.requests;
  if (requests.length === 0) throw invalid('Invalid batch payload format: the batch holds no requests.');
  if (requests.length > MAX_BATCH_REQUESTS) throw invalid('Number of requests inside batch exceeds the limit.');
  const items: BatchItem[] = [];
  for (const request of requests) {
    if (!isRecord(request) || typeof request.id !== 'string' || request.id === '' || typeof request.method !== 'string' || typeof request.url !== 'string') {
      throw invalid('Invalid batch payload format: every request needs a string id, method and url.');
    }
    if (items.some((item) => item.id === request.id)) throw invalid(`Invalid batch payload format: the request id '${request.id}' is used twice.`);
    const headers: Record<string, string> = {};
    if (request.headers !== undefined) {
      if (!isRecord(request.headers)) throw invalid(`Invalid batch payload format: the headers of request ${request.id} must be an object.`);
      for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers[name.toLowerCase()] = value;
    }
    if (request.body !== undefined && headers['content-type'] === undefined) {
      throw invalid(`Write request id : ${request.id} does not contain Content-Type header or body.`);
    }
    const dependsOn = Array.isArray(request.dependsOn) ? request.dependsOn.filter((d): d is string => typeof d === 'string') : [];
    items.push({ id: request.id, method: request.method.toUpperCase(), url: request.url, headers, body: request.body, dependsOn });
  }
  for (const item of items) {
    const unknown = item.dependsOn.find((d) => !items.some((other) => other.id === d) || d === item.id);
    if (unknown !== undefined) throw invalid(`Invalid batch payload format: request ${item.id} depends on an unknown request '${unknown}'.`);
  }
  return items;
}

/**
 * `POST /$batch`: each request is carried out as if sent alone (its own permissions, faults, write
 * quota and throttling, answered inside the batch with its own status and `Retry-After`); a request
 * whose dependency failed gets 424. The batch itself answers 200, with the responses in reverse
 * order, so a caller that does not correlate them by id fails here as it would against the service,
 * which documents no order.
 */
async function handleBatch(body: unknown, service: Service): Promise<RouteResult> {
  const items = readBatch(body);
  const responses = new Map<string, JsonObject>();
  const statusOf = new Map<string, number>();
  const pending = [...items];
  while (pending.length > 0) {
    const index = pending.findIndex((item) => item.dependsOn.every((d) => statusOf.has(d)));
    if (index < 0) throw graphErrors.badRequest('Invalid batch payload format: the dependsOn of the requests form a cycle.');
    const [item] = pending.splice(index, 1);
    if (!item) break;
    let response: JsonObject;
    if (item.dependsOn.some((d) => (statusOf.get(d) ?? 0) >= 400)) {
      response = errorResponse(item.id, new GraphError(424, 'FailedDependency', 'The request depends on a request that failed.'));
    } else {
      response = await batchResponse(item, service);
    }
    responses.set(item.id, response);
    statusOf.set(item.id, typeof response.status === 'number' ? response.status : 500);
  }
  return { status: 200, body: { responses: items.map((item) => responses.get(item.id) ?? {}).reverse() } };
}

function errorResponse(id: string, error: GraphError): JsonObject {
  const requestId = randomUUID();
  return {
    id,
    status: error.status,
    headers: { 'Content-Type': 'application/json', ...error.headers },
    body: graphErrorBody(error, { requestId, clientRequestId: requestId, at: new Date() }),
  };
}

async function batchResponse(item: BatchItem, service: Service): Promise<JsonObject> {
  if (/^[a-z]+:/i.test(item.url)) {
    return errorResponse(item.id, graphErrors.badRequest('The url of a request in a batch must be relative to the version root, for example /users/{id}.'));
  }
  const relative = item.url.startsWith('/') ? item.url : `/${item.url}`;
  const questionMark = relative.indexOf('?');
  const rawPath = `/v1.0${questionMark < 0 ? relative : relative.slice(0, questionMark)}`;
  const rawQuery = questionMark < 0 ? '' : relative.slice(questionMark + 1);
  let status: number;
  let response: JsonObject;
  try {
    if (decodePath(rawPath)[1]?.toLowerCase() === '$batch') throw graphErrors.badRequest('A batch cannot hold another batch.');
    const bodyText = item.body === undefined ? '' : typeof item.body === 'string' ? item.body : JSON.stringify(item.body);
    const result = await carryOut({ method: item.method, rawPath, rawQuery, header: (name) => item.headers[name], bodyText }, service);
    status = result.status;
    response = { id: item.id, status: result.status };
    if (result.body !== undefined) {
      response.headers = { 'Content-Type': 'application/json' };
      response.body = result.body;
    } else if (result.text !== undefined) {
      response.headers = { 'Content-Type': 'text/plain' };
      response.body = result.text;
    }
  } catch (err) {
    // A dropped connection cannot happen to one request of a batch: it is answered as a gateway timeout.
    const error = err instanceof GraphError ? err : err instanceof DroppedConnection ? faultError({ status: 504 }) : undefined;
    if (!error) throw err;
    status = error.status;
    response = errorResponse(item.id, error);
  }
  service.log?.(`$batch ${item.method} /v1.0${relative} -> ${status}`);
  return response;
}

/** The body as JSON for deciding permissions, or undefined; the handler reports a body it cannot read. */
function lenientJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function send(
  res: ServerResponse,
  result: RouteResult,
  ids: { requestId: string; clientRequestId: string },
  extraHeaders: Readonly<Record<string, string>> = {},
): void {
  res.statusCode = result.status;
  res.setHeader('request-id', ids.requestId);
  res.setHeader('client-request-id', ids.clientRequestId);
  for (const [name, value] of Object.entries(extraHeaders)) res.setHeader(name, value);
  if (result.body !== undefined) {
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('OData-Version', '4.0');
    res.end(JSON.stringify(result.body));
  } else if (result.text !== undefined) {
    res.setHeader('Content-Type', 'text/plain');
    res.end(result.text);
  } else {
    res.end();
  }
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const directory = new Directory(options.seed ?? loadDemoSeed(), {
    premium: options.premium,
    permissions: options.permissions,
    callerAppId: options.callerAppId,
  });
  const faults = new FaultQueue();
  const standing = new StandingFaults();
  if (options.faults) standing.set(options.faults);
  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  let fallbackHost = host;

  const respond = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    // The service echoes the caller's client-request-id, or repeats the request-id when none was sent.
    const clientRequestId = header(req, 'client-request-id')?.slice(0, 200) || requestId;
    const ids = { requestId, clientRequestId };
    let result: RouteResult;
    let extraHeaders: Readonly<Record<string, string>> = {};
    try {
      result = await handle(req, { directory, faults, standing, log: options.log }, fallbackHost, maxBodyBytes);
    } catch (err) {
      if (err instanceof DroppedConnection) {
        // As a failing network path would: no status, no body, the connection just ends.
        req.socket.destroy();
        options.log?.(`${req.method ?? '?'} ${req.url ?? ''} -> connection dropped`);
        return;
      }
      let graphError: GraphError;
      if (err instanceof GraphError) {
        graphError = err;
      } else {
        options.log?.(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        graphError = new GraphError(500, 'InternalServerError', 'An unexpected error occurred in the Graph simulator.');
      }
      result = { status: graphError.status, body: graphErrorBody(graphError, { ...ids, at: new Date() }) };
      extraHeaders = graphError.headers;
    }
    if (result.status === 413) extraHeaders = { ...extraHeaders, Connection: 'close' };
    send(res, result, ids, extraHeaders);
    options.log?.(`${req.method ?? '?'} ${req.url ?? ''} -> ${result.status}`);
  };

  const server = createServer((req, res) => {
    respond(req, res).catch(() => {
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  fallbackHost = `${urlHost}:${address.port}`;

  return {
    url: `http://${fallbackHost}`,
    directory,
    injectFault: (fault) => faults.add(fault),
    setFaults: (settings) => standing.set(settings),
    faultSettings: () => standing.current(),
    clearFaults: () => {
      faults.clear();
      standing.clear();
    },
    setPermissions: (permissions) => directory.grantPermissions(permissions),
    permissions: () => directory.grantedPermissions,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
