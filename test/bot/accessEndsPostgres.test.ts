/**
 * Two bot instances on one PostgreSQL schema, each with its own connection pool, worker and
 * outbox, running the lifecycle at the same moment on the same clock: every notice is sent once,
 * every membership removed once, every guest disabled once.
 */
import { VERBS } from '../../cards/verbs';
import { PostgresStore } from '../../services/store/postgresStore';
import { DEMO_GROUP_IDS } from '../../simulator/seed';
import { cardText } from '../helpers/adaptiveCards';
import { GraphLog } from '../helpers/admin';
import { BotHarness, people } from '../helpers/botHarness';
import { cardsFor, invokeCard, say } from '../helpers/conversation';
import { createTestSchema, querySchema, type TestSchema } from '../helpers/postgres';

jest.setTimeout(60_000);

const DAY = 24 * 60 * 60 * 1000;
const DAY_0 = new Date('2026-03-01T09:00:00Z');
const GUESTS = 4;

describe('access that ends, on two instances sharing PostgreSQL', () => {
  let schema: TestSchema;
  let first: BotHarness;
  let second: BotHarness;
  let graph: GraphLog;
  let now: Date;

  beforeEach(async () => {
    now = DAY_0;
    schema = await createTestSchema();
    graph = new GraphLog();
    const env = { GUEST_ACCESS_DEFAULT_DAYS: '30', REQUESTS_PER_USER_PER_HOUR: '100' };
    const clock = { now: () => now };
    first = await BotHarness.start(env, { clock, store: await PostgresStore.connect(schema.url, { maxConnections: 4 }), simulator: { log: graph.log } });
    second = await BotHarness.alongside(first, env, { clock, store: await PostgresStore.connect(schema.url, { maxConnections: 4 }) });
  });

  afterEach(async () => {
    await second.stop();
    await first.stop();
    await schema.drop();
  });

  /** Both instances run their periodic work, their lifecycle run and their worker and outbox at once. */
  async function bothAt(days: number): Promise<void> {
    now = new Date(DAY_0.getTime() + days * DAY);
    await Promise.all([first.app.periodic.runDue(), second.app.periodic.runDue(), first.app.lifecycle.access.run(now), second.app.lifecycle.access.run(now)]);
    await Promise.all([first.settle(), second.settle()]);
  }

  it('sends each notice once, removes each membership once and disables each guest once', async () => {
    await say(first, people.megan, 'hello');
    const guestIds: string[] = [];
    for (let i = 0; i < GUESTS; i += 1) {
      const email = `twin.${i}@fabrikam.com`;
      const opened = await say(first, people.alex, 'invite');
      const form = {
        displayName: `Twin ${i}`,
        email,
        message: '',
        groupIds: `${DEMO_GROUP_IDS.projectFalcon},${DEMO_GROUP_IDS.contractors}`,
        directoryRoleId: 'none',
        justification: 'Two instances, one end.',
      };
      const requestId = /GA-[0-9A-Z]{6}/.exec(
        cardText(invokeCard(await first.post(first.activities.cardAction(people.alex, VERBS.submitInvite, form, opened.activityId)))),
      )![0];
      const approval = cardsFor(first, people.megan).find((c) => c.text.includes(requestId))!;
      await first.post(first.activities.cardAction(people.megan, VERBS.approve, { requestId }, approval.activityId));
      await first.settle();
      guestIds.push(first.simulator.directory.findUsersByEmail(email)[0].id);
    }
    graph.clear();

    await bothAt(23);
    expect(cardsFor(first, people.alex, 'send').filter((c) => c.text.includes('Access ending:'))).toHaveLength(GUESTS);
    await bothAt(23.5);
    expect(cardsFor(first, people.alex, 'send').filter((c) => c.text.includes('Access ending:'))).toHaveLength(GUESTS);

    await bothAt(31);
    const removals = graph.writes().filter((w) => w.startsWith('DELETE /v1.0/groups/'));
    expect(removals).toHaveLength(2 * GUESTS);
    expect(removals.every((w) => w.endsWith('-> 204'))).toBe(true);
    expect(graph.writes().filter((w) => w.startsWith('PATCH /v1.0/users/'))).toHaveLength(GUESTS);
    for (const guestId of guestIds) {
      expect(first.simulator.directory.getUser(guestId)?.accountEnabled).toBe(false);
      expect(first.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, guestId)).toBe(false);
    }
    expect(cardsFor(first, people.alex, 'send').filter((c) => c.text.includes('Access ended:'))).toHaveLength(GUESTS);
    const audit = await querySchema<{ action: string; n: number }>(
      schema,
      "SELECT action, count(*)::integer AS n FROM audit_log WHERE action IN ('grant_ending', 'grant_ended', 'guest_end_started', 'guest_ended') GROUP BY action ORDER BY action",
    );
    expect(audit).toEqual([
      { action: 'grant_ended', n: 3 * GUESTS },
      { action: 'grant_ending', n: 3 * GUESTS },
      { action: 'guest_end_started', n: GUESTS },
      { action: 'guest_ended', n: GUESTS },
    ]);
    expect(await querySchema(schema, "SELECT state FROM jobs WHERE kind = 'lifecycle' AND state <> 'done'")).toEqual([]);
  });
});
