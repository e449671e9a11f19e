/**
 * The local demo end to end, in real Agents Playground pages driven by headless Chromium: one page
 * signed in as the requester (Alex Wilber), one as the approver (Megan Bowen), one as the admin
 * (Adele Vance, also an approver and an owner of the Partner Portal app), all talking to the bot
 * started by `npm run local`'s own code on ports chosen here.
 *
 * Without Chromium these tests are skipped on a developer's machine (test/globalSetup.ts says once
 * how to get one), and fail in CI (CI=true), where `.ci/run` installs it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Locator } from 'playwright-core';
import { conversationKeys } from '../../bot/turn';
import { startLocalRun, type LocalRun, type PlaygroundRole } from '../../scripts/localRun';
import { DEMO_GROUP_IDS, DEMO_GUEST_IDS, DEMO_SERVICE_PRINCIPAL_IDS, DEMO_USER_IDS } from '../../simulator/seed';
import { chromiumMissingHelp, findChromium, launchBrowser, type Browser } from './browser';
import { PlaygroundPage } from './playgroundPage';
import { freePorts, screenshotDir, waitUntil } from './support';

const REQUEST_ID = /GA-[0-9A-Z]{6}/;
const TEST_TIMEOUT_MS = 120_000;
/** Invitation, group membership and notices happen in the background worker after the click. */
const WORKER_TIMEOUT_MS = 30_000;

const describeWithBrowser = findChromium() || process.env.CI ? describe : describe.skip;

describeWithBrowser('the local demo in its Agents Playground pages', () => {
  let logDir: string | undefined;
  let run: LocalRun | undefined;
  let browser: Browser | undefined;
  let pages: PlaygroundPage[] = [];
  const shots = screenshotDir();

  beforeAll(async () => {
    if (!findChromium()) throw new Error(chromiumMissingHelp());
    logDir = mkdtempSync(path.join(tmpdir(), 'guest-access-playground-'));
    run = await startLocalRun({ ports: await freePorts(), logDir, env: { LOG_LEVEL: 'silent' } });
    browser = await launchBrowser();
  }, 90_000);

  afterEach(async () => {
    for (const page of pages) await page.close();
    pages = [];
  });

  afterAll(async () => {
    await browser?.close();
    await run?.close();
    if (logDir) rmSync(logDir, { recursive: true, force: true });
  }, 30_000);

  function started(): { run: LocalRun; browser: Browser } {
    if (!run || !browser) throw new Error('The demo did not start (see beforeAll).');
    return { run, browser };
  }

  async function open(role: PlaygroundRole): Promise<PlaygroundPage> {
    const { run, browser } = started();
    const page = await PlaygroundPage.open(browser.context, run.playgroundUrls[role], shots);
    pages.push(page);
    return page;
  }

  /**
   * Opens the page and waits until the bot has stored its user's conversation: approval cards go to
   * a conversation the bot has stored, and the page's first activities are what store it.
   */
  async function openAndMeet(role: PlaygroundRole, userId: string): Promise<PlaygroundPage> {
    const page = await open(role);
    const { run } = started();
    const port = new URL(run.playgroundUrls[role]).port;
    await waitUntil(`the ${role}'s conversation to be stored`, async () => {
      const stored = await run.app.store.getConversation(conversationKeys.user(userId));
      const serviceUrl = stored?.reference.serviceUrl;
      return typeof serviceUrl === 'string' && new URL(serviceUrl).port === port ? true : undefined;
    });
    return page;
  }

  /** The approver's page first, as the README says. */
  async function openApproverThenRequester(): Promise<{ approver: PlaygroundPage; requester: PlaygroundPage }> {
    const approver = await openAndMeet('approver', DEMO_USER_IDS.meganBowen);
    const requester = await open('requester');
    return { approver, requester };
  }

  function guestsInDirectory(): number {
    return started().run.simulator.directory.users.filter((user) => user.userType === 'Guest').length;
  }

  /** Opens the invite form and types into it; returns the form card. */
  async function fillInviteForm(
    requester: PlaygroundPage,
    values: { displayName: string; email: string; message?: string; groups?: string[]; justification: string },
  ): Promise<Locator> {
    await requester.say('invite');
    const form = requester.card('Invite a guest');
    await form.getByRole('textbox', { name: "Guest's display name" }).fill(values.displayName);
    await form.getByRole('textbox', { name: "Guest's email address" }).fill(values.email);
    if (values.message) await form.getByRole('textbox', { name: 'Personal message in the invitation' }).fill(values.message);
    if (values.groups) await requester.pick(form, 'Groups to add the guest to', values.groups);
    await form.getByRole('textbox', { name: 'Business justification' }).fill(values.justification);
    return form;
  }

  /** Sends the form and returns the request id from the status card that replaces it. */
  async function sendRequest(requester: PlaygroundPage, form: Locator): Promise<string> {
    await form.getByRole('button', { name: 'Send request' }).click();
    const status = requester.card(REQUEST_ID, 'Waiting for approval');
    const requestId = REQUEST_ID.exec(await status.innerText())?.[0];
    if (!requestId) throw new Error('No request id on the status card.');
    return requestId;
  }

  it(
    'invites the guest when the approver approves, and gives the requester the redeem link',
    async () => {
      const { run, browser } = started();
      const { approver, requester } = await openApproverThenRequester();

      const form = await fillInviteForm(requester, {
        displayName: 'Jane New (Fabrikam)',
        email: 'jane.new@fabrikam.com',
        message: 'Welcome to Project Falcon!',
        groups: ['Project Falcon'],
        justification: 'Fabrikam engineers co-develop the Falcon release with us.',
      });
      await requester.screenshot('01-invite-form', form);
      const requestId = await sendRequest(requester, form);
      await requester.screenshot('02-request-sent', requester.card(requestId));

      const approval = approver.card(requestId, 'Approve');
      await approval.waitFor();
      const approvalText = await approval.innerText();
      expect(approvalText).toContain('Alex Wilber asks to invite jane.new@fabrikam.com as a guest.');
      expect(approvalText).toContain('Project Falcon');
      expect(approvalText).toContain('Fabrikam engineers co-develop the Falcon release with us.');
      await approver.screenshot('03-approval-card', approval);
      await approval.getByRole('button', { name: 'Approve' }).click();
      await approver.card(requestId, 'Approved by Megan Bowen').waitFor();

      const invited = requester.card(requestId, 'Guest invited');
      // The Adaptive Cards renderer gives Action.OpenUrl the role of a link.
      const redeem = invited.getByRole('link', { name: 'Open redeem link' });
      await redeem.waitFor({ timeout: WORKER_TIMEOUT_MS });
      await requester.screenshot('04-guest-invited', invited);

      // The button opens the invitation's redeem URL; it is answered here because tests are offline.
      await browser.context.route('https://login.microsoftonline.com/**', (route) =>
        route.fulfill({ contentType: 'text/html', body: '<title>Redeem</title>' }),
      );
      const [tab] = await Promise.all([browser.context.waitForEvent('page'), redeem.click()]);
      expect(tab.url()).toMatch(/^https:\/\/login\.microsoftonline\.com\/redeem\?/);
      await tab.close();

      const [guest] = run.simulator.directory.findUsersByEmail('jane.new@fabrikam.com');
      expect(guest).toMatchObject({ userType: 'Guest', displayName: 'Jane New (Fabrikam)' });
      expect(run.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, guest.id)).toBe(true);
      expect((await run.app.store.getRequest(requestId))?.state).toBe('completed');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'tells the requester the reason when the approver denies, and invites no one',
    async () => {
      const { run } = started();
      const { approver, requester } = await openApproverThenRequester();

      const form = await fillInviteForm(requester, {
        displayName: 'Omar Haddad (Northwind)',
        email: 'omar.haddad@northwindtraders.com',
        justification: 'Northwind audits our supplier contracts this quarter.',
      });
      const requestId = await sendRequest(requester, form);

      const approval = approver.card(requestId, 'Approve');
      await approval.getByRole('button', { name: 'Deny' }).click();
      await approval.getByRole('textbox', { name: 'Reason for denying' }).fill('Auditors get access through the partner portal.');
      await approver.screenshot('05-deny-with-reason', approval);
      await approval.getByRole('button', { name: 'Confirm deny' }).click();
      await approver.card(requestId, 'Denied by Megan Bowen').waitFor();

      const denied = requester.card(requestId, 'Denied by Megan Bowen', 'Auditors get access through the partner portal.');
      await denied.waitFor({ timeout: WORKER_TIMEOUT_MS });
      await requester.screenshot('06-request-denied', denied);
      expect(await denied.getByRole('link', { name: 'Open redeem link' }).count()).toBe(0);

      expect(run.simulator.directory.findUsersByEmail('omar.haddad@northwindtraders.com')).toHaveLength(0);
      expect(run.simulator.directory.invitations.filter((i) => i.email === 'omar.haddad@northwindtraders.com')).toHaveLength(0);
      expect((await run.app.store.getRequest(requestId))?.state).toBe('denied');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'refuses a bad email address on the form and keeps what was typed',
    async () => {
      const { run } = started();
      const { requester } = await openApproverThenRequester();

      const form = await fillInviteForm(requester, {
        displayName: 'Jane New (Fabrikam)',
        email: 'jane.new.fabrikam.com',
        justification: 'Fabrikam engineers co-develop the Falcon release with us.',
      });
      await form.getByRole('button', { name: 'Send request' }).click();

      const refused = requester.card('Invite a guest', 'Enter one address of the form name@company.com.');
      await refused.waitFor();
      await requester.screenshot('07-bad-email-refused', refused);
      expect(await refused.getByRole('textbox', { name: "Guest's email address" }).inputValue()).toBe('jane.new.fabrikam.com');
      expect(await refused.getByRole('textbox', { name: "Guest's display name" }).inputValue()).toBe('Jane New (Fabrikam)');
      expect(await refused.getByRole('textbox', { name: 'Business justification' }).inputValue()).toBe(
        'Fabrikam engineers co-develop the Falcon release with us.',
      );

      const mine = await run.app.store.listRequestsByRequester(DEMO_USER_IDS.alexWilber, 100);
      expect(mine.filter((r) => r.details.email === 'jane.new.fabrikam.com')).toHaveLength(0);
    },
    TEST_TIMEOUT_MS,
  );
  it(
    'lists the guests as an admin, 25 a card with the total, pages on with Next, filters, and shows one guest',
    async () => {
      const { run } = started();
      const admin = await openAndMeet('admin', DEMO_USER_IDS.adeleVance);

      await admin.say('guests');
      const total = guestsInDirectory();
      expect(total).toBeGreaterThan(250);
      const first = admin.card('Guests', `${total.toLocaleString('en-US')} guests · showing 1–25`);
      await first.waitFor();
      expect(await first.getByRole('button', { name: 'Previous' }).count()).toBe(0);
      const firstPage = await first.innerText();

      await first.getByRole('button', { name: 'Next' }).click();
      const second = admin.card('Guests', 'showing 26–50');
      await second.waitFor();
      await second.getByRole('button', { name: 'Previous' }).waitFor();
      await second.getByRole('button', { name: 'Next' }).waitFor();
      const secondEmails = emailsOn(await second.innerText());
      expect(secondEmails).toHaveLength(25);
      for (const email of secondEmails) expect(firstPage).not.toContain(email);
      await admin.screenshot('08-guests-next-page', second, { wholeCard: true });

      await admin.say('guests pending domain:contoso.com');
      const filtered = admin.card('Guests: pending domain:contoso.com', 'showing 1–');
      await filtered.waitFor();
      const filteredText = await filtered.innerText();
      const expected = run.simulator.directory.users.filter(
        (user) => user.userType === 'Guest' && user.externalUserState === 'PendingAcceptance' && /@contoso\.com$/i.test(user.mail ?? ''),
      );
      expect(expected.length).toBeGreaterThan(1);
      expect(filteredText).toContain(`${expected.length} guests · showing 1–${expected.length}`);
      expect(emailsOn(filteredText).sort()).toEqual(expected.map((user) => user.mail).sort());
      await admin.screenshot('09-guests-filtered', filtered, { wholeCard: true });

      await admin.say('guest ravi.kumar@fabrikam.com');
      const guest = admin.card('Ravi Kumar (Fabrikam)', 'Invitation', 'Last sign-in');
      await guest.waitFor();
      const guestText = await guest.innerText();
      expect(guestText).toContain('Pending (invitation not redeemed)');
      expect(guestText).toContain('All Guests (dynamic)');
      for (const button of ['Resend invitation', 'Disable sign-in', 'Delete']) await guest.getByRole('button', { name: button }).waitFor();
      await admin.screenshot('10-guest-details', guest, { wholeCard: true });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'revokes a guest as an admin: the dry run shows the Graph call and changes nothing, the confirmed disable blocks sign-in',
    async () => {
      const { run } = started();
      const ravi = DEMO_GUEST_IDS.raviKumarFabrikam;
      const admin = await openAndMeet('admin', DEMO_USER_IDS.adeleVance);

      await admin.say('revoke ravi.kumar@fabrikam.com');
      const revoke = admin.card('Revoke access: Ravi Kumar (Fabrikam)', 'Nothing changes until you open an option below and confirm it.');
      await revoke.getByRole('button', { name: 'Disable sign-in' }).click();
      await revoke.getByRole('button', { name: 'Disable now' }).waitFor();
      await admin.screenshot('11-revoke-confirmation', revoke, { wholeCard: true });

      await revoke.getByRole('button', { name: 'Dry run' }).click();
      const dryRun = admin.card('Dry run: disable sign-in for Ravi Kumar (Fabrikam)', 'Nothing was changed.');
      await dryRun.waitFor();
      const dryRunText = await dryRun.innerText();
      expect(dryRunText).toContain(`PATCH ${run.simulator.url}/v1.0/users/${ravi}`);
      expect(dryRunText).toContain('{"accountEnabled":false}');
      expect(run.simulator.directory.getUser(ravi)?.accountEnabled).toBe(true);
      await admin.screenshot('12-revoke-dry-run', dryRun, { wholeCard: true });

      await dryRun.getByRole('button', { name: 'Disable sign-in' }).click();
      await dryRun.getByRole('button', { name: 'Disable now' }).click();
      const disabled = admin.card('Sign-in disabled: Ravi Kumar (Fabrikam)');
      await disabled.waitFor();
      expect(run.simulator.directory.getUser(ravi)?.accountEnabled).toBe(false);
      await admin.screenshot('13-guest-disabled', disabled);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "sends a request for an app's role to the app's owner alone, who approves it, and the admin reads its timeline",
    async () => {
      const { run } = started();
      const approver = await openAndMeet('approver', DEMO_USER_IDS.meganBowen);
      const owner = await openAndMeet('admin', DEMO_USER_IDS.adeleVance);
      const requester = await open('requester');

      await requester.say('request app dana.whitfield@contoso.com');
      const form = requester.card('Give a guest access to an app');
      await requester.choose(form, 'Application and role', 'Partner Portal (Example Corp (demo)) — Portal reader');
      await form.getByRole('textbox', { name: 'Business justification' }).fill('Contoso reviews partner content before each release.');
      const requestId = await sendRequest(requester, form);

      const approval = owner.card(requestId, 'Approve');
      await approval.waitFor();
      expect(await approval.innerText()).toContain(
        'Alex Wilber asks to give guest dana.whitfield@contoso.com access to Partner Portal (Example Corp (demo)) as Portal reader.',
      );
      await owner.screenshot('14-app-owner-approval', approval);
      await approval.getByRole('button', { name: 'Approve' }).click();
      await owner.card(requestId, 'Approved by Adele Vance').waitFor();
      await requester.card(requestId, 'Access granted').waitFor({ timeout: WORKER_TIMEOUT_MS });

      expect(run.simulator.directory.appRoleAssignments).toContainEqual(
        expect.objectContaining({
          principalId: DEMO_GUEST_IDS.danaWhitfieldContoso,
          resourceId: DEMO_SERVICE_PRINCIPAL_IDS.partnerPortal,
          appRoleId: 'ee7f21b6-09b0-4fcc-a52e-726c1f589aeb',
        }),
      );
      // Megan approves guests but does not own the app: the card went to the owner only.
      const approvalCards = (await run.app.store.listCardMessages(requestId)).filter((card) => card.role === 'approval');
      expect(approvalCards.map((card) => card.conversationKey)).toEqual([conversationKeys.user(DEMO_USER_IDS.adeleVance)]);
      expect(await approver.page.locator('.ac-adaptiveCard').filter({ hasText: requestId }).count()).toBe(0);

      await owner.say(`audit ${requestId}`);
      const timeline = owner.card(`Timeline of ${requestId}`);
      await timeline.waitFor();
      const timelineText = await timeline.innerText();
      expect(timelineText).toContain('Alex Wilber asked for access for the guest');
      expect(timelineText).toContain('granted the access');
      expect(timelineText).toContain('Adele Vance approved');
      await owner.screenshot('15-audit-timeline', timeline, { wholeCard: true });
    },
    TEST_TIMEOUT_MS,
  );
});

/** The guests' addresses on a guest list card, in order. */
function emailsOn(cardText: string): string[] {
  return [...cardText.matchAll(/ · (\S+@\S+)$/gm)].map((match) => match[1]);
}
