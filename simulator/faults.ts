/**
 * Injected failures, so callers can test their retry handling against the answers the real service
 * gives under load: 429 Too Many Requests (and 503 / 504) with a `Retry-After` header, a gateway
 * timeout that arrives after the write already happened (a retried POST /invitations then invites
 * twice), and the replication lag after which a new user can be referenced.
 */
import { z } from 'zod';
import { GraphError } from './errors';
import { seededRandom } from './random';

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

// ---------------------------------------------------------------------------------------------
// Standing fault settings: apply to every matching request until changed, unlike the queued
// FaultSpecs above, which are served a set number of times. Set from code (`setFaults`), from the
// SIMULATOR_FAULTS environment variable, or over HTTP at `/_simulator/faults`.

const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const;

const matchShape = {
  /** Only this method (default: any). */
  method: z.enum(METHODS).optional(),
  /** Only paths after `/v1.0` starting with this, case-insensitively (default: any). */
  path: z.string().startsWith('/').optional(),
};

const latencyRuleSchema = z.strictObject({
  ...matchShape,
  /** Added delay in milliseconds. */
  ms: z.number().int().min(0).max(600_000),
  /** Delay the answer after carrying the request out (the caller may give up after the write happened). */
  afterHandling: z.boolean().optional(),
});

const failureKindSchema = z.union([z.literal(429), z.literal(500), z.literal(503), z.literal(504), z.literal('drop')]);

const randomFailuresSchema = z.strictObject({
  ...matchShape,
  /** Share of matching requests that fail, 0..1. */
  probability: z.number().min(0).max(1),
  /** Seed of the generator that decides which requests fail, so a sequence of answers repeats. Default 1. */
  seed: z.number().int().optional(),
  /** What a failure is, chosen evenly (default 429 and 503); `drop` closes the connection without an answer. */
  kinds: z.array(failureKindSchema).min(1).optional(),
  /** Retry-After seconds on 429, 503 and 504 answers (default 1). */
  retryAfter: z.number().int().min(0).max(3600).optional(),
  /** Share of failed writes that are carried out before the failure is answered, 0..1 (default 0). */
  afterHandlingShare: z.number().min(0).max(1).optional(),
});

/** Graph's per-app write quota, as a token bucket: `writes` per `windowMs`, refilled evenly. */
const writeQuotaSchema = z.strictObject({
  writes: z.number().int().min(1).max(1_000_000),
  windowMs: z.number().int().min(1).max(3_600_000),
});

/**
 * Replication lag (eventual consistency): for `lagMs` after an invitation creates a user, the
 * parts of the directory that learn of new objects late do not know the user yet. Advanced
 * queries (`ConsistencyLevel: eventual`) leave it out, and writes that reference it answer 404.
 */
const replicationSchema = z.strictObject({
  lagMs: z.number().int().min(0).max(600_000),
});

const faultSettingsSchema = z.strictObject({
  latency: z.array(latencyRuleSchema).optional(),
  failures: randomFailuresSchema.optional(),
  writeQuota: writeQuotaSchema.optional(),
  replication: replicationSchema.optional(),
});

export type LatencyRule = z.infer<typeof latencyRuleSchema>;
export type RandomFailureKind = z.infer<typeof failureKindSchema>;
export type RandomFailures = z.infer<typeof randomFailuresSchema>;
export type WriteQuota = z.infer<typeof writeQuotaSchema>;
export type Replication = z.infer<typeof replicationSchema>;
export type FaultSettings = z.infer<typeof faultSettingsSchema>;

/** Checks fault settings from JSON (environment or admin endpoint); throws naming every problem. */
export function parseFaultSettings(value: unknown): FaultSettings {
  const result = faultSettingsSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(settings)'}: ${issue.message}`);
    throw new Error(`invalid fault settings: ${problems.join('; ')}`);
  }
  return result.data;
}

/** The settings in SIMULATOR_FAULTS (JSON), or undefined when it is unset. */
export function faultSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): FaultSettings | undefined {
  const text = env.SIMULATOR_FAULTS?.trim();
  if (!text) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('SIMULATOR_FAULTS is not JSON (example: {"failures":{"probability":0.3,"seed":7}})');
  }
  return parseFaultSettings(parsed);
}

/** Thrown inside request handling when the connection is to be closed without an answer. */
export class DroppedConnection extends Error {
  constructor() {
    super('connection dropped (injected by the simulator)');
  }
}

export interface FailureDecision {
  kind: RandomFailureKind;
  /** Carry the request out first, then fail (a write happened but its answer is lost). */
  afterHandling: boolean;
}

/** The error (or dropped connection) a random failure answers with. */
export function failureError(kind: RandomFailureKind, retryAfter: number): Error {
  if (kind === 'drop') return new DroppedConnection();
  return faultError({ status: kind, retryAfter: kind === 500 ? undefined : retryAfter });
}

/**
 * POST actions that only read, so they do not count against the write quota; a `$batch` itself
 * neither (each write inside it counts on its own).
 */
const READ_ONLY_ACTIONS = /\/(checkMemberGroups|checkMemberObjects|getMemberGroups|getMemberObjects|getByIds|\$batch)$/i;

function isWrite(method: string, path: string): boolean {
  if (method === 'GET' || method === 'HEAD') return false;
  return !(method === 'POST' && READ_ONLY_ACTIONS.test(path));
}

function matches(rule: { method?: string; path?: string }, method: string, path: string): boolean {
  if (rule.method !== undefined && rule.method !== method) return false;
  return rule.path === undefined || path.toLowerCase().startsWith(rule.path.toLowerCase());
}

/** Tokens refill evenly over the window; an empty bucket says when the next token frees. */
class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly quota: WriteQuota,
    private readonly now: () => number,
  ) {
    this.tokens = quota.writes;
    this.last = now();
  }

  /** Takes a token; when none is left, the whole seconds until one frees (at least 1). */
  take(): number | undefined {
    const now = this.now();
    const ratePerMs = this.quota.writes / this.quota.windowMs;
    this.tokens = Math.min(this.quota.writes, this.tokens + (now - this.last) * ratePerMs);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / ratePerMs / 1000));
  }
}

/** The standing settings in force, with the state they need (random generator, write bucket). */
export class StandingFaults {
  private settings: FaultSettings = {};
  private random: () => number = seededRandom(1);
  private bucket?: TokenBucket;

  constructor(private readonly now: () => number = Date.now) {}

  /** Replaces the settings; the generator restarts from its seed and the write bucket starts full. */
  set(settings: FaultSettings): void {
    this.settings = parseFaultSettings(settings);
    this.random = seededRandom(this.settings.failures?.seed ?? 1);
    this.bucket = this.settings.writeQuota ? new TokenBucket(this.settings.writeQuota, this.now) : undefined;
  }

  clear(): void {
    this.set({});
  }

  current(): FaultSettings {
    return this.settings;
  }

  /** Milliseconds to wait before (or after) carrying the request out: the sum of matching rules. */
  latencyMs(method: string, path: string, phase: 'before' | 'after'): number {
    return (this.settings.latency ?? [])
      .filter((rule) => (rule.afterHandling === true) === (phase === 'after') && matches(rule, method, path))
      .reduce((sum, rule) => sum + rule.ms, 0);
  }

  /** Whether this request fails, and how; undefined when it goes through. */
  failure(method: string, path: string): FailureDecision | undefined {
    const failures = this.settings.failures;
    if (!failures || !matches(failures, method, path)) return undefined;
    if (this.random() >= failures.probability) return undefined;
    const kinds = failures.kinds ?? [429, 503];
    const kind = kinds[Math.floor(this.random() * kinds.length)] ?? 429;
    const afterHandling = isWrite(method, path) && this.random() < (failures.afterHandlingShare ?? 0);
    return { kind, afterHandling };
  }

  /** Retry-After seconds when a write is over the quota; undefined when it may go ahead. */
  throttleWrite(method: string, path: string): number | undefined {
    if (!this.bucket || !isWrite(method, path)) return undefined;
    return this.bucket.take();
  }

  /** Retry-After seconds that random 429/503/504 answers carry. */
  retryAfterSeconds(): number {
    return this.settings.failures?.retryAfter ?? 1;
  }

  /** How long a user created by an invitation stays unknown to replicas and the advanced-query index (0: none). */
  replicationLagMs(): number {
    return this.settings.replication?.lagMs ?? 0;
  }
}
