import { createLogger } from '../../../services/platform/logger';
import { createPersonLimits, TurnGate, type PersonLimits, type RateLimitSettings } from '../../../services/platform/rateLimits';
import { createTestSchema, querySchema, type TestSchema } from '../../helpers/postgres';

const SETTINGS: RateLimitSettings = { requestsPerUserPerHour: 3, searchesPerUserPerSecond: 2, searchBurstPerUser: 0, maxConcurrentTurns: 4 };
const logger = createLogger('silent');
const ALEX = 'alex-object-id';
const MEGAN = 'megan-object-id';

async function allowedOf(checks: Promise<{ allowed: boolean }>[]): Promise<boolean[]> {
  return (await Promise.all(checks)).map((verdict) => verdict.allowed);
}

describe('person limits in memory', () => {
  let limits: PersonLimits;
  afterEach(() => limits.close());

  it("refuses a person's request past the hourly allowance, saying how many and for how long", async () => {
    limits = createPersonLimits(SETTINGS, { logger });
    expect(await allowedOf([limits.fileRequest(ALEX), limits.fileRequest(ALEX), limits.fileRequest(ALEX)])).toEqual([true, true, true]);
    const refused = await limits.fileRequest(ALEX);
    expect(refused).toMatchObject({ allowed: false, limit: 3 });
    const retryAfterMs = refused.allowed ? 0 : refused.retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(59 * 60_000);
    expect(retryAfterMs).toBeLessThanOrEqual(60 * 60_000);
    expect((await limits.fileRequest(MEGAN)).allowed).toBe(true);
    expect(limits.description).toBe('in memory (this instance)');
  });

  it('lets searches through up to the steady rate plus the burst', async () => {
    limits = createPersonLimits({ ...SETTINGS, searchesPerUserPerSecond: 2, searchBurstPerUser: 3 }, { logger });
    const verdicts = await allowedOf(Array.from({ length: 6 }, () => limits.search(ALEX)));
    expect(verdicts).toEqual([true, true, true, true, true, false]);
    expect((await limits.search(MEGAN)).allowed).toBe(true);
  });

  it('without a burst, lets searches through up to the steady rate only', async () => {
    limits = createPersonLimits(SETTINGS, { logger });
    expect(await allowedOf([limits.search(ALEX), limits.search(ALEX), limits.search(ALEX)])).toEqual([true, true, false]);
  });
});

describe('person limits in PostgreSQL', () => {
  let schema: TestSchema;
  const opened: PersonLimits[] = [];
  beforeAll(async () => {
    schema = await createTestSchema();
  });
  afterEach(async () => {
    for (const limits of opened.splice(0)) await limits.close();
  });
  afterAll(() => schema.drop());

  const open = (settings: RateLimitSettings = SETTINGS) => {
    const limits = createPersonLimits(settings, { databaseUrl: schema.url, logger });
    opened.push(limits);
    return limits;
  };

  it('shares one count between two instances on the same database', async () => {
    const [first, second] = [open(), open()];
    expect(first.description).toBe('in PostgreSQL (shared by every instance)');

    expect(await allowedOf([first.fileRequest(ALEX)])).toEqual([true]);
    expect(await allowedOf([second.fileRequest(ALEX)])).toEqual([true]);
    expect(await allowedOf([first.fileRequest(ALEX)])).toEqual([true]);
    expect(await second.fileRequest(ALEX)).toMatchObject({ allowed: false, limit: 3 });
    expect(await first.fileRequest(ALEX)).toMatchObject({ allowed: false, limit: 3 });
    expect((await second.fileRequest(MEGAN)).allowed).toBe(true);

    expect(await allowedOf([first.search(ALEX), second.search(ALEX)])).toEqual([true, true]);
    expect((await second.search(ALEX)).allowed).toBe(false);

    const rows = await querySchema<{ key: string; points: number }>(schema, 'SELECT key, points FROM rate_limits ORDER BY key');
    expect(rows).toEqual(
      expect.arrayContaining([
        { key: `file-request:${ALEX}`, points: 5 },
        { key: `file-request:${MEGAN}`, points: 1 },
      ]),
    );
  });

  it('counts on its own, rather than failing, while PostgreSQL cannot be reached', async () => {
    const unreachable = new URL(schema.url);
    unreachable.port = '1';
    const limits = createPersonLimits(SETTINGS, { databaseUrl: unreachable.toString(), logger });
    opened.push(limits);
    expect(await allowedOf([limits.fileRequest(ALEX), limits.fileRequest(ALEX), limits.fileRequest(ALEX)])).toEqual([true, true, true]);
    expect((await limits.fileRequest(ALEX)).allowed).toBe(false);
  });
});

describe('TurnGate', () => {
  it('takes places up to its capacity and gives them back', () => {
    const gate = new TurnGate(2);
    expect([gate.tryEnter(), gate.tryEnter(), gate.tryEnter()]).toEqual([true, true, false]);
    expect(gate.inFlight).toBe(2);
    gate.leave();
    expect(gate.tryEnter()).toBe(true);
    gate.leave();
    gate.leave();
    gate.leave();
    expect(gate.inFlight).toBe(0);
  });
});
