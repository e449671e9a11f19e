import { VERBS } from '../../cards/verbs';
import { DEMO_GROUP_IDS } from '../../simulator/seed';
import { allInputs, cardText } from '../helpers/adaptiveCards';
import { BotHarness, people } from '../helpers/botHarness';
import { invokeCard, say } from '../helpers/conversation';
import type { TeamsUser } from '../helpers/teamsActivities';

const FORM = {
  displayName: 'Eve Example',
  email: 'eve.example@fabrikam.com',
  message: 'Hello Eve',
  groupIds: DEMO_GROUP_IDS.projectFalcon,
  directoryRoleId: 'none',
  justification: 'Working together on the Falcon launch plan.',
};

describe('rate limits in a conversation (counted in memory)', () => {
  let harness: BotHarness;
  afterEach(() => harness.stop());

  async function submit(user: TeamsUser, email: string) {
    const form = await say(harness, user, 'invite');
    return invokeCard(await harness.post(harness.activities.cardAction(user, VERBS.submitInvite, { ...FORM, email }, form.activityId)));
  }

  it('gives a person who filed their hourly allowance the form back, values kept, saying when they can file again', async () => {
    harness = await BotHarness.start({ REQUESTS_PER_USER_PER_HOUR: '2' });
    expect(cardText(await submit(people.alex, 'first@fabrikam.com'))).toContain('Waiting for approval');
    expect(cardText(await submit(people.alex, 'second@fabrikam.com'))).toContain('Waiting for approval');

    const refused = await submit(people.alex, 'third@fabrikam.com');

    expect(cardText(refused)).toContain(
      'Your request was not sent: you have filed 2 requests within an hour, the most one person may. Everything you typed is kept; send it again in about 60 minutes.',
    );
    const values = Object.fromEntries(allInputs(refused).map((input) => [input.id, input.value]));
    expect(values).toMatchObject({
      email: 'third@fabrikam.com',
      displayName: FORM.displayName,
      message: FORM.message,
      justification: FORM.justification,
      groupIds: FORM.groupIds,
    });
    expect((await harness.app.store.listRequestsByRequester(people.alex.aadObjectId, 10)).map((r) => r.details.email).sort()).toEqual([
      'first@fabrikam.com',
      'second@fabrikam.com',
    ]);
    // The allowance is each person's own.
    expect(cardText(await submit(people.isaiah, 'third@fabrikam.com'))).toContain('Waiting for approval');
  });

  it('does not count forms that come back with a problem', async () => {
    harness = await BotHarness.start({ REQUESTS_PER_USER_PER_HOUR: '1' });
    expect(cardText(await submit(people.alex, 'not-an-address'))).toContain('Enter one address');
    expect(cardText(await submit(people.alex, 'first@fabrikam.com'))).toContain('Waiting for approval');
  });

  it('answers typeahead queries over the per-second allowance with an empty result', async () => {
    harness = await BotHarness.start({ SEARCHES_PER_USER_PER_SECOND: '1', SEARCH_BURST_PER_USER: '0' });
    const search = (user: TeamsUser) => harness.post(harness.activities.search(user, 'groups', 'Pro'));

    const answers = await Promise.all([search(people.alex), search(people.alex), search(people.alex)]);

    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const results = answers.map((a) => a.body as { type: string; value: { results: unknown[] } });
    for (const result of results) expect(result.type).toBe('application/vnd.microsoft.search.searchResponse');
    expect(results.map((r) => r.value.results.length).sort()).toEqual([0, 0, 1]);
    // Another person searching at the same moment is not affected.
    expect(((await search(people.megan)).body as { value: { results: unknown[] } }).value.results).toHaveLength(1);
  });

  it('answers 429 with Retry-After, before any work, when every turn place of the instance is taken', async () => {
    harness = await BotHarness.start({ MAX_CONCURRENT_TURNS: '2' });
    const release = harness.connector.hold();
    const inFlight = [harness.post(harness.activities.message(people.alex, 'help')), harness.post(harness.activities.message(people.megan, 'help'))];
    await harness.connector.waitForHeld(2);

    const refused = await fetch(`${harness.url}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(harness.activities.message(people.isaiah, 'help')),
    });

    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({ error: 'The bot is busy with other messages; try again in a moment.' });
    expect(await harness.app.store.getConversation(`user:${people.isaiah.aadObjectId}`)).toBeUndefined();
    release();
    expect((await Promise.all(inFlight)).map((r) => r.status)).toEqual([200, 200]);
    expect(harness.connector.recorded).toHaveLength(2);
    // Places are given back when turns end.
    expect((await harness.post(harness.activities.message(people.isaiah, 'help'))).status).toBe(200);
    expect((await fetch(`${harness.url}/healthz`)).status).toBe(200);
  });
});
