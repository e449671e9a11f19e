/**
 * Injected failures, so callers can test their retry handling against the answers the real service
 * gives under load: 429 Too Many Requests (and 503 / 504) with a `Retry-After` header, and a
 * gateway timeout that arrives after the write already happened (a retried POST /invitations then
 * invites twice).
 */
import { GraphError } from './errors';

export interface FaultSpec {
  /** 429 (throttled), 500, 503 or 504. */
  status: 429 | 500 | 503 | 504;
  /** `Retry-After` value: seconds, or an HTTP-date string. Omitted when undefined. */
  retryAfter?: number | string;
  /** Only requests with this method (default: any). */
  method?: string;
  /**
   * Only requests whose path after `/v1.0` matches: a string is a case-insensitive prefix
   * (`/invitations`), a RegExp is tested against the decoded path. Default: any path.
   */
  path?: string | RegExp;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Carry out the request, then answer with the failure (the caller can't tell it succeeded). */
  afterHandling?: boolean;
}

const MESSAGES: Record<FaultSpec['status'], { code: string; message: string }> = {
  // Wording of the documented throttling sample.
  429: { code: 'TooManyRequests', message: 'Please retry again later.' },
  500: { code: 'InternalServerError', message: 'An internal server error occurred (injected by the simulator).' },
  503: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable. Please retry after a delay.' },
  504: { code: 'GatewayTimeout', message: 'The gateway timed out (injected by the simulator).' },
};

export function faultError(fault: FaultSpec): GraphError {
  const { code, message } = MESSAGES[fault.status];
  const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'Retry-After': String(fault.retryAfter) };
  // The throttling sample's innerError also repeats the status and a short message.
  const innerError: Record<string, string> = fault.status === 429 ? { code: '429', message: 'Please retry after', status: '429' } : {};
  return new GraphError(fault.status, code, message, headers, innerError);
}

interface PendingFault {
  spec: FaultSpec;
  remaining: number;
}

/** The faults waiting to be served, in the order they were injected. */
export class FaultQueue {
  private pending: PendingFault[] = [];

  add(spec: FaultSpec): void {
    const times = spec.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error('injectFault: times must be a positive integer');
    this.pending.push({ spec, remaining: times });
  }

  clear(): void {
    this.pending = [];
  }

  /** The first fault matching the request, counted as used; undefined if none applies. */
  take(method: string, path: string): FaultSpec | undefined {
    const index = this.pending.findIndex(({ spec }) => {
      if (spec.method !== undefined && spec.method.toUpperCase() !== method) return false;
      if (spec.path === undefined) return true;
      if (typeof spec.path === 'string') return path.toLowerCase().startsWith(spec.path.toLowerCase());
      return spec.path.test(path);
    });
    if (index < 0) return undefined;
    const fault = this.pending[index];
    fault.remaining -= 1;
    if (fault.remaining === 0) this.pending.splice(index, 1);
    return fault.spec;
  }
}
