/** Statuses after which the same request may succeed later. */
const TRANSIENT_STATUSES = new Set([
  408, // request timeout
  429, // too many requests
  500, // internal server error
  502, // bad gateway
  503, // service unavailable
  504, // gateway timeout
]);

/** A failed Graph call, reduced to what the workflow needs to decide and to explain. */
export class GraphFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly graphMessage: string,
    readonly retryAfterSeconds?: number,
    readonly requestId?: string,
  ) {
    super(`Graph ${status} ${code}: ${graphMessage}`);
    this.name = 'GraphFailure';
  }

  /** True when retrying later may succeed (throttling, outages, timeouts, dropped connections). */
  get transient(): boolean {
    return this.status === 0 || TRANSIENT_STATUSES.has(this.status);
  }

  /** A sentence for a requester or an admin: what went wrong and what to do, without jargon. */
  get userMessage(): string {
    return describeGraphFailure(this);
  }

  /** A call the bot did not make because the feature is turned off; `message` says why and what to grant. */
  static turnedOff(message: string): GraphFailure {
    return new GraphFailure(403, TURNED_OFF, message);
  }
}

/** The code of a failure the bot decided before asking Graph (a feature turned off at start). */
const TURNED_OFF = 'FeatureTurnedOff';

function describeGraphFailure(failure: GraphFailure): string {
  if (failure.code === TURNED_OFF) return failure.graphMessage;
  if (failure.status === 0) return 'Microsoft Graph could not be reached. The bot will try again.';
  if (failure.status === 429) return 'Microsoft Graph is throttling requests right now. The bot will try again shortly.';
  if (failure.status >= 500) return `Microsoft Graph had a temporary problem (${failure.status}). The bot will try again.`;
  if (failure.status === 401) return 'The bot could not sign in to Microsoft Graph: an admin should check its credentials.';
  if (failure.status === 403) {
    // Not always a missing permission: Graph also refuses apps some objects whatever they hold.
    return (
      `The bot is not allowed to do this in the directory (${failure.code}): either its app lacks a Graph permission this needs ` +
      '(an admin can see which with npm run check-permissions), or the object is protected from apps, such as a user who holds a ' +
      `privileged administrator role or a role-assignable group. Graph said: ${failure.graphMessage}`
    );
  }
  if (failure.status === 404) return `The directory object was not found (it may have been deleted). Graph said: ${failure.graphMessage}`;
  return `The directory refused the change. Graph said: ${failure.graphMessage}`;
}

interface GraphErrorLike {
  statusCode?: unknown;
  code?: unknown;
  message?: unknown;
  requestId?: unknown;
  headers?: unknown;
  body?: unknown;
}

/**
 * Converts whatever the Graph client threw (GraphError, GraphClientError, a fetch failure) into a
 * GraphFailure. The client puts Graph's error body's `code`/`message` on the error it throws.
 */
export function toGraphFailure(error: unknown): GraphFailure {
  if (error instanceof GraphFailure) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as GraphErrorLike;
  const status = typeof e.statusCode === 'number' && e.statusCode > 0 ? e.statusCode : 0;
  const code = typeof e.code === 'string' && e.code ? e.code : status === 0 ? 'NetworkError' : 'UnknownError';
  const message = typeof e.message === 'string' && e.message ? e.message : String(error);
  const requestId = typeof e.requestId === 'string' ? e.requestId : undefined;
  return new GraphFailure(status, code, message, readRetryAfter(e.headers), requestId);
}

/** `Retry-After` is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now: Date = new Date()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, (date - now.getTime()) / 1000);
}

function readRetryAfter(headers: unknown): number | undefined {
  if (headers && typeof (headers as { get?: unknown }).get === 'function') {
    return parseRetryAfter((headers as { get(name: string): string | null }).get('retry-after'));
  }
  return undefined;
}
