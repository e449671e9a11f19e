import { Pool } from 'pg';
import {
  BurstyRateLimiter,
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
  type IRateLimiterOptions,
  type RateLimiterLike,
} from 'rate-limiter-flexible';
import type { Logger } from './logger';

/** How much one person, and one instance, may ask of the bot. */
export interface RateLimitSettings {
  /** Requests one person may file per hour (counted from their first in the window). */
  requestsPerUserPerHour: number;
  /** Typeahead queries one person may make per second. */
  searchesPerUserPerSecond: number;
  /** Extra typeahead queries one person may make per ten seconds beyond the steady rate. */
  searchBurstPerUser: number;
  /** Turns one instance runs at once; more are answered 429 before any work. */
  maxConcurrentTurns: number;
}

/** The table of counts in PostgreSQL, in the layout rate-limiter-flexible reads and writes. */
const LIMITS_TABLE = 'rate_limits';

/**
 * Creates the counts table unless it exists. Instances starting together take turns under an
 * advisory lock: concurrent `CREATE TABLE IF NOT EXISTS` in PostgreSQL can still fail on the
 * table's type name, which the library's own creation does not tolerate in every form.
 */
async function createLimitsTable(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('guest-access:rate_limits'))");
    await client.query(`CREATE TABLE IF NOT EXISTS ${LIMITS_TABLE} (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Seconds in which the search burst refills. */
export const SEARCH_BURST_WINDOW_SECONDS = 10;

/** Refused verdicts say how many were allowed and how long until the person may try again. */
export type LimitVerdict = { allowed: true } | { allowed: false; limit: number; retryAfterMs: number };

/** Per-person limits, as the services and the bot see them; how they are counted stays in here. */
export interface PersonLimits {
  /** Counts one request filed by the person, or says how long until they may file again. */
  fileRequest(personId: string): Promise<LimitVerdict>;
  /** Counts one typeahead query by the person, or says how long until they may search again. */
  search(personId: string): Promise<LimitVerdict>;
  /** Where the counts live, for the start banner. */
  readonly description: string;
  close(): Promise<void>;
}

interface Consumer {
  consume(key: string): Promise<RateLimiterRes>;
}

/**
 * Counts people's requests and searches with rate-limiter-flexible: in this process's memory for
 * one instance, or in a PostgreSQL table when several instances share DATABASE_URL, so that a
 * person cannot multiply their allowance by the number of instances behind the load balancer.
 */
export function createPersonLimits(settings: RateLimitSettings, options: { databaseUrl?: string; logger: Logger }): PersonLimits {
  const { logger } = options;
  const specs = {
    fileRequest: { keyPrefix: 'file-request', points: settings.requestsPerUserPerHour, duration: 3600 },
    search: { keyPrefix: 'search', points: settings.searchesPerUserPerSecond, duration: 1 },
    searchBurst: { keyPrefix: 'search-burst', points: settings.searchBurstPerUser, duration: SEARCH_BURST_WINDOW_SECONDS },
  } satisfies Record<string, IRateLimiterOptions>;

  let build: (spec: IRateLimiterOptions) => RateLimiterLike = (spec) => new RateLimiterMemory(spec);
  let tableReady = async (): Promise<void> => undefined;
  let pool: Pool | undefined;
  let description = 'in memory (this instance)';
  if (options.databaseUrl) {
    // A pool of its own on the store's URL: limits are checked on every search, and should not
    // queue behind the store's transactions for a connection.
    const shared = new Pool({ connectionString: options.databaseUrl, max: 2, connectionTimeoutMillis: 5_000 });
    shared.on('error', (error) => logger.warn({ err: error.message }, 'idle PostgreSQL connection of the rate limits failed; it will be replaced'));
    pool = shared;
    description = 'in PostgreSQL (shared by every instance)';
    let created: Promise<void> | undefined;
    tableReady = () =>
      (created ??= createLimitsTable(shared).catch((error: Error) => {
        // Tried again on the next check; meanwhile the insurance limiters count.
        created = undefined;
        logger.warn({ err: error.message }, 'rate limit table could not be created; counting in memory until it can');
      }));
    build = (spec) =>
      new RateLimiterPostgres({
        ...spec,
        storeClient: shared,
        storeType: 'pool',
        tableName: LIMITS_TABLE,
        tableCreated: true,
        // While PostgreSQL cannot be reached, each instance counts on its own rather than failing turns.
        insuranceLimiter: new RateLimiterMemory(spec),
      });
  }

  const fileRequest = build(specs.fileRequest);
  const steadySearch = build(specs.search);
  const search: Consumer = settings.searchBurstPerUser > 0 ? new BurstyRateLimiter(steadySearch, build(specs.searchBurst)) : steadySearch;

  const check = async (limiter: Consumer, name: string, limit: number, personId: string): Promise<LimitVerdict> => {
    await tableReady();
    try {
      await limiter.consume(personId);
      return { allowed: true };
    } catch (outcome) {
      if (outcome instanceof RateLimiterRes) return { allowed: false, limit, retryAfterMs: Math.max(outcome.msBeforeNext, 1) };
      // A limiter that cannot count must not stop people from working: let the action through.
      logger.warn({ limit: name, err: outcome instanceof Error ? outcome.message : String(outcome) }, 'rate limit could not be checked');
      return { allowed: true };
    }
  };

  return {
    fileRequest: (personId) => check(fileRequest, 'file-request', settings.requestsPerUserPerHour, personId),
    search: (personId) => check(search, 'search', settings.searchesPerUserPerSecond, personId),
    description,
    async close() {
      await pool?.end();
    },
  };
}

/**
 * Turns this instance runs at once. A count of work in flight, not a rate over time, so it is a
 * counter rather than a rate-limiter-flexible window (whose points would need giving back by hand
 * and would expire on their own); it is per instance by nature, as each instance has its own CPU.
 */
export class TurnGate {
  private running = 0;

  constructor(readonly capacity: number) {}

  /** Takes a place, or returns false when every place is taken. */
  tryEnter(): boolean {
    if (this.running >= this.capacity) return false;
    this.running += 1;
    return true;
  }

  leave(): void {
    this.running = Math.max(0, this.running - 1);
  }

  get inFlight(): number {
    return this.running;
  }
}

/** "about 12 minutes", rounded up so that trying at that time works. */
export function describeWait(ms: number): string {
  const minutes = Math.ceil(ms / 60_000);
  return minutes <= 1 ? 'a minute' : `about ${minutes} minutes`;
}
