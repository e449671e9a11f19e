/**
 * An admin's Disable click on PostgreSQL: the click queues a job in the shared jobs table, the
 * worker disables the guest once, and the outbox updates the clicked card with the result.
 */
import { VERBS } from '../../cards/verbs';
import { DEMO_GUEST_IDS } from '../../simulator';
import { PostgresStore } from '../../services/store/postgresStore';
import { cardText } from '../helpers/adaptiveCards';
import { GraphLog } from '../helpers/admin';
import { BotHarness, people } from '../helpers/botHarness';
import { cardsFor, invokeCard, say } from '../helpers/conversation';
import { createTestSchema, querySchema, type TestSchema } from '../helpers/postgres';

const JANE = DEMO_GUEST_IDS.janeDoeFabrikam;

describe('guest administration on PostgreSQL', () => {
  let schema: TestSchema;
  let harness: BotHarness;
  let graph: GraphLog;

  beforeEach(async () => {
    schema = await createTestSchema();
    graph = new GraphLog();
    harness = await BotHarness.start({}, { store: await PostgresStore.connect(schema.url, { maxConnections: 4 }), simulator: { log: graph.log } });
  });

  afterEach(async () => {
    await harness.stop();
    await schema.drop();
  });

  it('a Disable click answers at once, the worker disables the guest once, and the clicked card shows the result', async () => {
    const revoke = await say(harness, people.lynne, 'revoke jane.doe@fabrikam.com');
    const clicked = await harness.post(harness.activities.cardAction(people.lynne, VERBS.disableGuest, { guestId: JANE }, revoke.activityId));
    expect(cardText(invokeCard(clicked))).toContain('Disabling sign-in…');
    expect(graph.writes()).toEqual([]);
    expect(await querySchema<{ kind: string; state: string }>(schema, 'SELECT kind, state FROM jobs')).toEqual([{ kind: 'guest', state: 'queued' }]);

    await harness.settle();
    expect(graph.writes()).toEqual([`PATCH /v1.0/users/${JANE} -> 204`]);
    expect(harness.simulator.directory.getUser(JANE)?.accountEnabled).toBe(false);
    const updates = cardsFor(harness, people.lynne, 'update').filter((c) => c.activityId === revoke.activityId);
    expect(updates.map((u) => u.text)).toEqual([expect.stringContaining('Sign-in disabled: Jane Doe (Fabrikam)')]);
    expect(await querySchema<{ state: string }>(schema, 'SELECT state FROM jobs')).toEqual([{ state: 'done' }]);
    expect(await querySchema<{ kind: string; state: string }>(schema, 'SELECT kind, state FROM outbox')).toEqual([{ kind: 'guest.card', state: 'done' }]);
  });
});
