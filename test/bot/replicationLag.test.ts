/**
 * Whole conversations against a directory with Graph's replication lag: for a few seconds after
 * the invitation, the new guest is unknown to advanced queries and to writes that reference it.
 */
import { VERBS } from '../../cards/verbs';
import { DEMO_GROUP_IDS, DEMO_SERVICE_PRINCIPAL_IDS } from '../../simulator/seed';
import { allActions, cardText } from '../helpers/adaptiveCards';
import { BotHarness, people } from '../helpers/botHarness';
import { cardsFor, clickOnCard, invokeCard, say } from '../helpers/conversation';

const FORM = {
  displayName: 'Jane New (Fabrikam)',
  email: 'jane.new@fabrikam.com',
  message: 'Welcome to Project Falcon!',
  groupIds: `${DEMO_GROUP_IDS.projectFalcon},${DEMO_GROUP_IDS.contractors}`,
  directoryRoleId: 'none',
  justification: 'Fabrikam engineers co-develop the Falcon release with us.',
};
const LAG = { replication: { lagMs: 2_500 } };
const EXPENSE_HUB = DEMO_SERVICE_PRINCIPAL_IDS.expenseHub;
const SUBMITTER = 'f4d13516-93d1-4864-95c3-c4e7ccd55c80';

describe('guest invitation while the directory replicates', () => {
  let harness: BotHarness;

  beforeEach(async () => {
    // A short first retry keeps the waits (which double from it) well inside the test's time.
    harness = await BotHarness.start({ WORKER_BACKOFF_BASE_MS: '200' }, { simulator: { faults: LAG } });
  });

  afterEach(async () => {
    await harness.stop();
  });

  async function fileAndApprove(): Promise<{ requestId: string; formId: string }> {
    await say(harness, people.megan, 'hello');
    const opened = await say(harness, people.alex, `invite ${FORM.email}`);
    const status = cardText(invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, FORM, opened.activityId))));
    const requestId = /GA-[0-9A-Z]{6}/.exec(status)![0];
    invokeCard(await clickOnCard(harness, people.megan, VERBS.approve, { requestId }));
    return { requestId, formId: opened.activityId };
  }

  it("invites once, shows the wait for the directory on the requester's card, then joins every group and tells the requester", async () => {
    const { requestId, formId } = await fileAndApprove();
    await harness.settleUntilFinished(requestId);

    const directory = harness.simulator.directory;
    expect(directory.invitations.filter((i) => i.email === FORM.email)).toHaveLength(1);
    const [guest] = directory.findUsersByEmail(FORM.email);
    expect(directory.isMember(DEMO_GROUP_IDS.projectFalcon, guest.id)).toBe(true);
    expect(directory.isMember(DEMO_GROUP_IDS.contractors, guest.id)).toBe(true);
    expect((await harness.app.store.getRequest(requestId))?.state).toBe('completed');

    // The requester's card (the form turned status card) said it was waiting, once, before the outcome.
    const updates = harness.connector.recorded.filter((r) => r.kind === 'update' && r.activityId === formId).map((r) => JSON.stringify(r.activity));
    const waiting = updates.filter((u) => u.includes('Approved — waiting for the directory'));
    expect(waiting).toHaveLength(1);
    expect(updates.indexOf(waiting[0])).toBeLessThan(updates.findIndex((u) => u.includes('Guest invited')));

    const alexCards = cardsFor(harness, people.alex);
    const outcome = alexCards[alexCards.length - 1];
    expect(outcome.text).toContain('Guest invited: jane.new@fabrikam.com');
    expect(allActions(outcome.card).some((a) => a.type === 'Action.OpenUrl')).toBe(true);
  });

  it('refuses a second request for the address as an existing guest while the directory is still replicating', async () => {
    const { requestId } = await fileAndApprove();
    // The approval started the worker: the invitation is sent, and the groups wait for the directory.
    await harness.settle();
    const during = await harness.app.store.getRequest(requestId);
    expect(during?.state).toBe('executing');
    expect(harness.simulator.directory.findUsersByEmail(FORM.email)).toHaveLength(1);

    const opened = await say(harness, people.isaiah, `invite ${FORM.email}`);
    const refused = cardText(invokeCard(await harness.post(harness.activities.cardAction(people.isaiah, VERBS.submitInvite, FORM, opened.activityId))));
    expect(refused).toContain('jane.new@fabrikam.com is invited and has not accepted yet in your directory');

    // App access for the new guest is asked for as for any existing guest, although the index behind its app roles lags.
    const appForm = await say(harness, people.isaiah, `request app ${FORM.email}`);
    const appRequest = cardText(
      invokeCard(
        await harness.post(
          harness.activities.cardAction(
            people.isaiah,
            VERBS.submitAppAccess,
            {
              guestId: harness.simulator.directory.findUsersByEmail(FORM.email)[0].id,
              email: '',
              displayName: '',
              message: '',
              appRole: `${EXPENSE_HUB}|${SUBMITTER}`,
              justification: 'Expenses for Falcon.',
            },
            appForm.activityId,
          ),
        ),
      ),
    );
    expect(appRequest).toContain('Waiting for approval');
    expect(appRequest).toContain('jane.new@fabrikam.com (existing guest)');

    await harness.settleUntilFinished(requestId);
    expect(harness.simulator.directory.invitations).toHaveLength(1);
  });

  it('sends exactly one invitation when the answer to it was lost, and still completes', async () => {
    harness.simulator.injectFault({ status: 504, method: 'POST', path: '/invitations', afterHandling: true });
    const { requestId } = await fileAndApprove();
    await harness.settleUntilFinished(requestId);

    expect(harness.simulator.directory.invitations.filter((i) => i.email === FORM.email)).toHaveLength(1);
    const request = await harness.app.store.getRequest(requestId);
    expect(request?.state).toBe('completed');
    const [guest] = harness.simulator.directory.findUsersByEmail(FORM.email);
    expect(harness.simulator.directory.isMember(DEMO_GROUP_IDS.contractors, guest.id)).toBe(true);
    const alexCards = cardsFor(harness, people.alex);
    expect(alexCards[alexCards.length - 1].text).toContain('Guest invited: jane.new@fabrikam.com');
  });
});
