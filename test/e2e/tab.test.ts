/**
 * The personal tab end to end, in headless Chromium through the local Teams host page that
 * `npm run local` serves: the tab on @microsoft/teams-js, its dialog, its sign-in through the local
 * issuer, and the chat beside it in an Agents Playground page. teams-js's request for its list of
 * host origins is answered offline (blocked), as a machine without internet would.
 *
 * Without Chromium these tests are skipped on a developer's machine and fail in CI, like the
 * Playground's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Locator } from 'playwright-core';
import { startLocalRun, type LocalRun } from '../../scripts/localRun';
import { DEMO_GUEST_IDS, DEMO_USER_IDS } from '../../simulator/seed';
import { chromiumMissingHelp, findChromium, launchBrowser, type Browser } from './browser';
import { PlaygroundPage } from './playgroundPage';
import { freePorts, screenshotDir } from './support';
import { TabHostPage, TEAMS_JS_CDN } from './tabHostPage';

const REQUEST_ID = /GA-[0-9A-Z]{6}/;
const TEST_TIMEOUT_MS = 120_000;
const WORKER_TIMEOUT_MS = 30_000;

const describeWithBrowser = findChromium() || process.env.CI ? describe : describe.skip;

describeWithBrowser('the personal tab in the local Teams host page', () => {
  let logDir: string | undefined;
  let run: LocalRun | undefined;
  let browser: Browser | undefined;
  let pages: Array<{ close(): Promise<void> }> = [];
  let hosts: TabHostPage[] = [];
  const shots = screenshotDir();

  beforeAll(async () => {
    if (!findChromium()) throw new Error(chromiumMissingHelp());
    logDir = mkdtempSync(path.join(tmpdir(), 'guest-access-tab-'));
    run = await startLocalRun({ ports: await freePorts(), logDir, env: { LOG_LEVEL: 'silent' } });
    browser = await launchBrowser();
    await browser.context.route(TEAMS_JS_CDN, (route) => route.abort('internetdisconnected'));
  }, 90_000);

  afterEach(async () => {
    // Every page ran under its Content-Security-Policy without the browser refusing anything.
    const refused = hosts.flatMap((host) => host.refusedByPolicy);
    for (const page of pages) await page.close();
    pages = [];
    hosts = [];
    expect(refused).toEqual([]);
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

  async function openTab(personId: string, options: { view?: string; theme?: string } = {}): Promise<TabHostPage> {
    const { run, browser } = started();
    const host = await TabHostPage.open(browser.context, run.tabHostUrl, personId, { ...options, screenshotDir: shots });
    pages.push(host);
    hosts.push(host);
    return host;
  }

  async function openPlayground(role: 'requester'): Promise<PlaygroundPage> {
    const { run, browser } = started();
    const page = await PlaygroundPage.open(browser.context, run.playgroundUrls[role], shots);
    pages.push(page);
    return page;
  }

  /** Files an invitation in Alex's chat and returns its id from the status card the form turns into. */
  async function requestInChat(alex: PlaygroundPage, email: string): Promise<string> {
    await alex.say('invite');
    const form = alex.card('Invite a guest');
    await form.getByRole('textbox', { name: "Guest's display name" }).fill(`Partner ${email.split('@')[0]}`);
    await form.getByRole('textbox', { name: "Guest's email address" }).fill(email);
    await form.getByRole('textbox', { name: 'Business justification' }).fill('Works with us on the Falcon release this quarter.');
    await form.getByRole('button', { name: 'Send request' }).click();
    const status = alex.card(email, 'Waiting for approval');
    const requestId = REQUEST_ID.exec(await status.innerText())?.[0];
    if (!requestId) throw new Error('No request id on the status card.');
    return requestId;
  }

  it(
    'says it must be opened in Teams when opened in a plain browser tab, at once',
    async () => {
      const { run, browser } = started();
      const page = await browser.context.newPage();
      pages.push(page);
      const opened = Date.now();
      await page.goto(run.tabHostUrl.replace('local-host.html', ''));
      await page.getByText('Open this page in Microsoft Teams').waitFor({ timeout: 10_000 });
      expect(Date.now() - opened).toBeLessThan(10_000);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'lets Alex file a request from the New request dialog, corrects a mistake on the form, and shows it waiting',
    async () => {
      const { run } = started();
      const alex = await openTab(DEMO_USER_IDS.alexWilber);
      await alex.tab.getByRole('button', { name: 'New request' }).click();
      await alex.tab.getByRole('menuitem', { name: 'Invite a guest' }).click();

      const form = alex.dialog;
      await form.getByRole('textbox', { name: "Guest's display name" }).fill('Nora Field (Fabrikam)');
      await form.getByRole('textbox', { name: "Guest's email address" }).fill('nora.field.fabrikam.com');
      await form.getByRole('textbox', { name: 'Business justification' }).fill('Nora reviews the Falcon designs with our architects.');
      await form.getByRole('button', { name: 'Send request' }).click();
      // The server's own check, shown next to its field, with everything typed kept.
      await form.getByText('Enter one address of the form name@company.com.').waitFor();
      expect(await form.getByRole('textbox', { name: "Guest's display name" }).inputValue()).toBe('Nora Field (Fabrikam)');
      await form.getByRole('textbox', { name: "Guest's email address" }).fill('nora.field@fabrikam.com');
      await form.getByRole('checkbox', { name: 'Project Falcon' }).check();
      await alex.screenshot('17-tab-new-request-dialog');
      await form.getByRole('button', { name: 'Send request' }).click();

      // The dialog closes and the new request opens in My requests, with its timeline.
      const filed = alex.tab.locator('details[open]').filter({ hasText: 'nora.field@fabrikam.com' });
      await filed.getByText('Alex Wilber asked for it').waitFor();
      expect(await alex.page.locator('#dialog-overlay').isHidden()).toBe(true);
      const text = await filed.innerText();
      expect(text).toContain('Waiting for approval');
      expect(text).toContain('Project Falcon');
      await alex.screenshot('16-tab-my-requests');

      const requestId = REQUEST_ID.exec(text)![0];
      const stored = await run.app.store.getRequest(requestId);
      expect(stored).toMatchObject({ state: 'pending', requester: { aadObjectId: DEMO_USER_IDS.alexWilber }, details: { email: 'nora.field@fabrikam.com' } });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'finds an existing guest by typing in the app access dialog, as the typeahead does in Teams, and files the request',
    async () => {
      const { run } = started();
      const alex = await openTab(DEMO_USER_IDS.alexWilber);
      await alex.tab.getByRole('button', { name: 'New request' }).click();
      await alex.tab.getByRole('menuitem', { name: 'Give a guest access to an app' }).click();
      const form = alex.dialog;
      // The renderer's searching field: a text box of its own class, labelled only by its placeholder.
      const guest = form.locator('.ac-choiceSetInput-filtered-textbox').first();
      await guest.fill('');
      await guest.pressSequentially('Dana');
      await form.getByText('Dana Whitfield', { exact: false }).first().click();
      await form.getByRole('combobox', { name: 'Application and role' }).selectOption({ label: 'Partner Portal (Example Corp (demo)) — Portal reader' });
      await form.getByRole('textbox', { name: 'Business justification' }).fill('Dana reviews the partner documents each month.');
      await form.getByRole('button', { name: 'Send request' }).click();

      const filed = alex.tab.locator('details[open]').filter({ hasText: 'dana.whitfield@contoso.com' });
      await filed.getByText('Alex Wilber asked for it').waitFor();
      const requestId = REQUEST_ID.exec(await filed.innerText())![0];
      expect(await run.app.store.getRequest(requestId)).toMatchObject({
        kind: 'appAccess',
        state: 'pending',
        details: { existingGuestId: DEMO_GUEST_IDS.danaWhitfieldContoso, appAccess: { app: { displayName: 'Partner Portal' } } },
      });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "lets Megan approve two requests at once in the tab, and Alex's cards in the chat show her decision",
    async () => {
      const { run } = started();
      const alexChat = await openPlayground('requester');
      const first = await requestInChat(alexChat, 'omar.first@contoso.com');
      const second = await requestInChat(alexChat, 'lena.second@contoso.com');

      const megan = await openTab(DEMO_USER_IDS.meganBowen, { view: 'toDecide', theme: 'dark' });
      await megan.request(second).waitFor();
      expect(await megan.request(first).innerText()).toMatch(/\d+ guests from contoso\.com already in the directory/);
      await megan.tab.getByRole('checkbox', { name: `Select ${first}` }).check();
      await megan.tab.getByRole('checkbox', { name: `Select ${second}` }).check();
      await megan.screenshot('18-tab-to-decide');
      await megan.tab.getByRole('button', { name: 'Approve selected (2)' }).click();

      await megan.tab.getByText('Approved 2 of 2 requests.').waitFor();
      for (const id of [first, second]) {
        expect(await megan.request(id).innerText()).toContain('Approved by Megan Bowen');
        expect((await run.app.store.getRequest(id))?.decision?.by.name).toBe('Megan Bowen');
      }

      // Alex's status cards in the chat are updated as after a decision in chat.
      for (const email of ['omar.first@contoso.com', 'lena.second@contoso.com']) {
        await alexChat.card(email, 'Approved by Megan Bowen').waitFor({ timeout: WORKER_TIMEOUT_MS });
      }
      await alexChat.card('omar.first@contoso.com', 'Guest invited').waitFor({ timeout: WORKER_TIMEOUT_MS });
      await alexChat.screenshot('19-chat-after-tab-approval', alexChat.card('omar.first@contoso.com', 'Guest invited'));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'lets Adele find guests by domain, page forward and back, and disable one after the dry run and confirmation: "Disabling sign-in…" at once, then the result',
    async () => {
      const { run } = started();
      const adele = await openTab(DEMO_USER_IDS.adeleVance, { view: 'guests' });
      const contosoGuests = run.simulator.directory.users.filter((u) => u.userType === 'Guest' && u.mail?.endsWith('@contoso.com'));
      expect(contosoGuests.length).toBeGreaterThan(25);

      await adele.tab.getByRole('button', { name: 'Guests from contoso.com' }).click();
      const position = adele.tab.locator('.pager .position');
      await position.filter({ hasText: `Guests 1–25 of ${contosoGuests.length}` }).waitFor();
      const rows = adele.tab.locator('.guest-list tbody tr');
      expect(await rows.count()).toBe(25);
      for (const email of await rows.locator('td:nth-child(2)').allInnerTexts()) expect(email).toMatch(/@contoso\.com$/);
      await adele.screenshot('20-tab-guests');

      const firstPage = await rows.locator('td:nth-child(2)').allInnerTexts();
      await adele.tab.getByRole('button', { name: 'Next' }).click();
      await position.filter({ hasText: 'Guests 26–' }).waitFor();
      expect(await rows.locator('td:nth-child(2)').first().innerText()).not.toBe(firstPage[0]);
      await adele.tab.getByRole('button', { name: 'Previous' }).click();
      await position.filter({ hasText: 'Guests 1–25' }).waitFor();
      expect(await rows.locator('td:nth-child(2)').allInnerTexts()).toEqual(firstPage);

      const email = await rows.filter({ hasText: 'Allowed' }).first().locator('td:nth-child(2)').innerText();
      const row: Locator = rows.filter({ hasText: email });
      const guest = contosoGuests.find((g) => g.mail === email)!;
      await row.getByRole('button').click();
      const detail = adele.tab.getByRole('complementary', { name: 'Guest' });
      await detail.getByRole('button', { name: 'Disable sign-in' }).click();
      const confirm = detail.getByRole('group', { name: 'Confirm disabling' });
      await confirm.getByText(`PATCH`).waitFor();
      await confirm.getByRole('button', { name: 'Dry run' }).click();
      await confirm.getByText('Dry run: nothing was changed.').waitFor();
      expect(run.simulator.directory.users.find((u) => u.id === guest.id)?.accountEnabled).not.toBe(false);
      await adele.screenshot('21-tab-disable-confirmation');

      // Queued like the chat's button: the tab says so at once, then shows the result the worker left.
      // Its first question about the result waits until the test has seen the first, however fast the worker is.
      let answerTheTab: () => void = () => undefined;
      const seen = new Promise<void>((resolve) => (answerTheTab = resolve));
      await adele.page.route('**/tab/api/guests/writes/**', async (route) => {
        await seen;
        await route.continue();
      });
      await confirm.getByRole('button', { name: 'Disable now' }).click();
      await detail.getByText('Disabling sign-in…').waitFor();
      answerTheTab();
      await detail.getByText(`${guest.displayName}'s sign-in is disabled.`).waitFor({ timeout: WORKER_TIMEOUT_MS });
      expect(await detail.innerText()).toContain(`/v1.0/users/${guest.id}`);
      expect(await detail.getByText('Disabling sign-in…').count()).toBe(0);
      expect(run.simulator.directory.users.find((u) => u.id === guest.id)?.accountEnabled).toBe(false);
      expect(await row.innerText()).toContain('Blocked');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'lets Alex invite many from a CSV file: the preview names a bad row, the valid rows go for approval as one batch, and its rows show their outcome once Megan approved it',
    async () => {
      const { run } = started();
      const alex = await openTab(DEMO_USER_IDS.alexWilber);
      await alex.tab.getByRole('button', { name: 'New request' }).click();
      await alex.tab.getByRole('menuitem', { name: 'Invite many (CSV file)' }).click();
      const file = [
        'email,displayName,groups',
        'rita.batch@fabrikam.com,Rita Batch,Project Falcon',
        'not an address,Nobody,',
        'sam.batch@contoso.com,Sam Batch,',
      ].join('\n');
      await alex.tab.getByLabel('CSV file').setInputFiles({ name: 'guests.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
      await alex.tab.getByText('2 of 3 rows can be invited; 1 have problems and will be left out.').waitFor();
      await alex.tab.getByText('Enter one address of the form name@company.com.').waitFor();
      await alex.tab.getByRole('textbox', { name: 'Justification' }).fill('Fabrikam and Contoso engineers join the Falcon release.');
      await alex.screenshot('22-tab-invite-many-preview');
      await alex.tab.getByRole('button', { name: 'Send 2 for approval' }).click();
      const sent = alex.tab.getByText(/Sent 2 guests for approval as GA-/);
      await sent.waitFor();
      const requestId = REQUEST_ID.exec(await sent.innerText())![0];
      await alex.request(requestId).getByText('sam.batch@contoso.com').waitFor();

      const megan = await openTab(DEMO_USER_IDS.meganBowen, { view: 'toDecide' });
      await megan.request(requestId).waitFor();
      expect(await megan.request(requestId).innerText()).toContain('contoso.com (1), fabrikam.com (1)');
      await megan.tab.getByRole('button', { name: `Approve ${requestId}` }).click();
      const deadline = Date.now() + WORKER_TIMEOUT_MS;
      while ((await run.app.store.getRequest(requestId))?.state !== 'completed' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect((await run.app.store.listBatchRows(requestId)).map((r) => r.state)).toEqual(['done', 'done']);

      const again = await openTab(DEMO_USER_IDS.alexWilber);
      await again.request(requestId).locator('summary').click();
      await again.request(requestId).getByText('Batch finished: 2 of 2 invited, 0 failed.').waitFor();
      expect(await again.request(requestId).locator('tr[data-state="done"]').count()).toBe(2);
    },
    TEST_TIMEOUT_MS,
  );
});
