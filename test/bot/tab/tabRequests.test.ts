import type { AdaptiveCard } from '../../../cards/adaptiveCard';
import { DEMO_GROUP_IDS } from '../../../simulator/seed';
import type { RequestView } from '../../../bot/tab/views';
import { allInputs, cardText, parseCardStrict } from '../../helpers/adaptiveCards';
import { people } from '../../helpers/botHarness';
import { cardsFor, say } from '../../helpers/conversation';
import { TabClient } from '../../helpers/tabClient';

const INVITE = {
  displayName: 'Jane New (Fabrikam)',
  email: 'jane.new@fabrikam.com',
  message: 'Welcome to Project Falcon!',
  groupIds: DEMO_GROUP_IDS.projectFalcon,
  directoryRoleId: 'none',
  justification: 'Fabrikam engineers co-develop the Falcon release with us.',
};

describe('My requests in the tab', () => {
  let tab: TabClient;

  beforeEach(async () => {
    tab = await TabClient.start();
  });

  afterEach(async () => {
    await tab.stop();
  });

  async function file(person: typeof people.alex, values: Record<string, string>): Promise<RequestView> {
    const answer = await tab.post(person, '/forms/invite', { values });
    expect(answer.status).toBe(200);
    expect(answer.body.filed).toBe(true);
    return answer.body.request as RequestView;
  }

  it('opens the very invite form the chat sends, and it parses without warnings', async () => {
    const fromTab = await tab.get(people.alex, '/forms/invite');
    expect(fromTab.status).toBe(200);
    const chat = await say(tab.harness, people.alex, 'invite');
    expect(fromTab.body.card).toEqual(chat.card);
    parseCardStrict(fromTab.body.card);

    const appForm = await tab.get(people.alex, '/forms/appAccess');
    expect(cardText(appForm.body.card as AdaptiveCard)).toContain('Give a guest access to an app');
    expect((await tab.get(people.alex, '/forms/other')).status).toBe(404);
  });

  it('gives a rejected form back as the card, with what was typed and the problem next to its field', async () => {
    const answer = await tab.post(people.alex, '/forms/invite', { values: { ...INVITE, email: 'jane.new.fabrikam.com' } });
    expect(answer.status).toBe(200);
    expect(answer.body.filed).toBe(false);
    const card = answer.body.card as AdaptiveCard;
    parseCardStrict(card);
    const inputs = allInputs(card);
    expect(inputs.find((i) => i.id === 'email')?.value).toBe('jane.new.fabrikam.com');
    expect(inputs.find((i) => i.id === 'displayName')?.value).toBe('Jane New (Fabrikam)');
    expect(inputs.find((i) => i.id === 'justification')?.value).toBe(INVITE.justification);
    const emailAt = card.body.findIndex((e) => e.type === 'Input.Text' && e.id === 'email');
    expect(JSON.stringify(card.body[emailAt + 1])).toContain('Enter one address of the form name@company.com.');
    expect(await tab.harness.app.store.listRequestsByRequester(people.alex.aadObjectId, 10)).toHaveLength(0);
  });

  it("reads the form with the chat's own schema: comma-joined groups are split, and a field past its limit is refused by name, filing nothing", async () => {
    const tooLong = await tab.post(people.alex, '/forms/invite', { values: { ...INVITE, justification: 'x'.repeat(4001) } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error).toBe('The request has an invalid values.justification.');
    expect(await tab.harness.app.store.listRequestsByRequester(people.alex.aadObjectId, 10)).toHaveLength(0);

    // As Teams sends a multi-select choice set: the ids joined with commas.
    const request = await file(people.alex, { ...INVITE, groupIds: `${DEMO_GROUP_IDS.projectFalcon},${DEMO_GROUP_IDS.contractors}` });
    expect(request.groups).toEqual(['Project Falcon', 'Contractors']);
  });

  it('files through the workflow: the approver gets the approval card in chat', async () => {
    await say(tab.harness, people.megan, 'hello');
    const request = await file(people.alex, INVITE);
    expect(request).toMatchObject({ state: 'pending', stateLabel: 'Waiting for approval', requester: 'Alex Wilber', groups: ['Project Falcon'] });
    const approval = cardsFor(tab.harness, people.megan).find((c) => c.text.includes(request.id));
    expect(approval?.text).toContain('**Alex Wilber** asks to invite **jane.new@fabrikam.com** as a guest.');
    const audit = await tab.harness.app.store.listAudit(request.id);
    expect(audit[0]).toMatchObject({ action: 'request_created', actor: people.alex.aadObjectId, source: expect.stringMatching(/^tab:/) });
  });

  it("lists only the caller's own requests, each with its timeline and, once invited, its redeem link", async () => {
    await say(tab.harness, people.megan, 'hello');
    const mine = await file(people.alex, INVITE);
    await file(people.isaiah, { ...INVITE, email: 'someone.else@fabrikam.com' });
    const approved = await tab.post(people.megan, '/decisions', { requestIds: [mine.id], outcome: 'approve' });
    expect(approved.body.outcomes).toEqual([expect.objectContaining({ requestId: mine.id, result: 'decided' })]);
    await tab.harness.settle();

    const list = await tab.get(people.alex, '/requests/mine');
    const requests = list.body.requests as RequestView[];
    expect(requests.map((r) => r.id)).toEqual([mine.id]);
    expect(requests[0]).toMatchObject({ state: 'completed', stateLabel: 'Guest invited', decision: { outcome: 'approved', by: 'Megan Bowen' } });
    expect(requests[0].outcome?.redeemUrl).toMatch(/^https:\/\/login\.microsoftonline\.com\/redeem/);

    const timeline = await tab.get(people.alex, `/requests/${mine.id}/timeline`);
    const lines = (timeline.body.timeline as Array<{ actor: string; text: string }>).map((e) => `${e.actor} ${e.text}`);
    expect(lines[0]).toBe('Alex Wilber asked for it');
    expect(lines).toContain('Megan Bowen approved');
    expect(lines.at(-1)).toBe('Guest Access bot finished: done');

    // Another person's request is unknown to them, and its link is never in someone else's view.
    expect((await tab.get(people.isaiah, `/requests/${mine.id}/timeline`)).status).toBe(404);
    const megansView = (approved.body.outcomes as Array<{ request: RequestView }>)[0].request;
    expect(megansView.outcome?.redeemUrl).toBeUndefined();
  });

  it("cancels the caller's own pending request, refuses anyone else, and updates the approver's chat card", async () => {
    await say(tab.harness, people.megan, 'hello');
    const request = await file(people.alex, INVITE);

    const byIsaiah = await tab.post(people.isaiah, `/requests/${request.id}/cancel`);
    expect(byIsaiah.status).toBe(403);
    expect(byIsaiah.body.error).toBe('Only the person who asked can cancel this request.');

    const cancelled = await tab.post(people.alex, `/requests/${request.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.request).toMatchObject({ state: 'cancelled' });
    await tab.harness.settle();
    const updated = cardsFor(tab.harness, people.megan, 'update').filter((c) => c.text.includes(request.id));
    expect(updated.at(-1)?.text).toContain('Cancelled');

    const again = await tab.post(people.alex, `/requests/${request.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('This request was already cancelled by the requester.');
  });

  it("searches the form's typeahead fields within the person's search allowance", async () => {
    await tab.stop();
    tab = await TabClient.start({ SEARCHES_PER_USER_PER_SECOND: '1', SEARCH_BURST_PER_USER: '0' });
    const first = await tab.get(people.alex, '/search/groups?q=Project');
    expect(first.body.results).toEqual(expect.arrayContaining([{ title: 'Project Falcon', value: DEMO_GROUP_IDS.projectFalcon }]));
    const second = await tab.get(people.alex, '/search/groups?q=Project');
    expect(second.body.results).toEqual([]);
    expect((await tab.get(people.megan, '/search/nothing?q=x')).status).toBe(404);
  });
});
