/**
 * A policy's stages on two bot instances sharing PostgreSQL: two approvers of the same stage
 * clicking at the same moment on different instances; the compare-and-set lets exactly one win.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { VERBS } from '../../cards/verbs';
import { PostgresStore } from '../../services/store/postgresStore';
import { DEMO_GROUP_IDS, DEMO_USER_IDS } from '../../simulator/seed';
import { cardText } from '../helpers/adaptiveCards';
import { BotHarness, people, type PostResult } from '../helpers/botHarness';
import { cardsFor, invokeCard, say } from '../helpers/conversation';
import { createTestSchema, type TestSchema } from '../helpers/postgres';
import type { TeamsUser } from '../helpers/teamsActivities';

jest.setTimeout(60_000);

const johanna: TeamsUser = { aadObjectId: DEMO_USER_IDS.johannaLorenz, name: 'Johanna Lorenz' };
const lee: TeamsUser = { aadObjectId: DEMO_USER_IDS.leeGu, name: 'Lee Gu' };

describe('policy stages on two instances sharing PostgreSQL', () => {
  let schema: TestSchema;
  let first: BotHarness;
  let second: BotHarness;

  beforeEach(async () => {
    schema = await createTestSchema();
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'policies-pg-')), 'policies.yaml');
    writeFileSync(
      file,
      `
policies:
  - name: Manager then security
    stages:
      - { name: the requester's manager, approvers: manager }
      - { name: security team, approvers: group, group: { id: ${DEMO_GROUP_IDS.securityTeam}, name: Security Team } }
`,
    );
    const env = { POLICIES_PATH: file };
    first = await BotHarness.start(env, { store: await PostgresStore.connect(schema.url, { maxConnections: 4 }) });
    second = await BotHarness.alongside(first, env, { store: await PostgresStore.connect(schema.url, { maxConnections: 4 }) });
  });

  afterEach(async () => {
    await second.stop();
    await first.stop();
    await schema.drop();
  });

  function cardOf(user: TeamsUser, requestId: string) {
    const card = cardsFor(first, user, 'send').find((c) => c.text.includes(requestId));
    if (!card) throw new Error(`${user.name} has no card naming ${requestId}`);
    return card;
  }

  it('lets exactly one of two approvers clicking the same stage at once on different instances decide it, and invites once', async () => {
    for (const user of [people.isaiah, johanna, lee]) await say(first, user, 'hello');
    const opened = await say(first, people.alex, 'invite');
    const form = {
      displayName: 'Race Guest',
      email: 'race.guest@fabrikam.com',
      groupIds: DEMO_GROUP_IDS.projectFalcon,
      directoryRoleId: 'none',
      justification: 'Two approvers click at the same moment.',
    };
    const status = cardText(invokeCard(await first.post(first.activities.cardAction(people.alex, VERBS.submitInvite, form, opened.activityId))));
    const requestId = /GA-[0-9A-Z]{6}/.exec(status)![0];

    invokeCard(await second.post(second.activities.cardAction(people.isaiah, VERBS.approve, { requestId }, cardOf(people.isaiah, requestId).activityId)));
    const clicks: PostResult[] = await Promise.all([
      first.post(first.activities.cardAction(johanna, VERBS.approve, { requestId }, cardOf(johanna, requestId).activityId)),
      second.post(second.activities.cardAction(lee, VERBS.approve, { requestId }, cardOf(lee, requestId).activityId)),
    ]);
    const answers = clicks.map((click) => cardText(invokeCard(click)));
    // The loser is told who was first; both cards show the one decision.
    expect(answers.filter((a) => /This request was already approved by (Johanna Lorenz|Lee Gu)\./.test(a))).toHaveLength(1);
    expect(answers.filter((a) => /Approved by (Johanna Lorenz|Lee Gu) on/.test(a))).toHaveLength(2);
    await Promise.all([first.settle(), second.settle()]);

    const request = await first.app.store.getRequest(requestId);
    expect(request?.state).toBe('completed');
    const audit = await first.app.store.listAudit(requestId);
    expect(audit.filter((a) => a.action === 'request_approved')).toHaveLength(1);
    expect(request?.approval?.stages[1]?.approvals).toHaveLength(1);
    expect(first.simulator.directory.invitations.filter((i) => i.email === form.email)).toHaveLength(1);
  });
});
