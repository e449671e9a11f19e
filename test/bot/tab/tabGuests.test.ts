import type { GuestWriteView } from '../../../bot/tab/guestRoutes';
import type { GuestListPage } from '../../../services/guests/guestModel';
import type { GuestTotals } from '../../../services/guests/guestTotals';
import { loadDemoSeed, ROLE_TEMPLATE_IDS, withGeneratedGuests } from '../../../simulator';
import { DEMO_GUEST_IDS } from '../../../simulator/seed';
import { StoreOnDisk } from '../../helpers/admin';
import { people } from '../../helpers/botHarness';
import { TabClient } from '../../helpers/tabClient';

const lynne = { aadObjectId: '00000000-0000-0000-0000-0000000000025', name: 'Lynne Robbins' }; // an admin too

const GENERATED = 1200;

describe('Guests in the tab (admins)', () => {
  let tab: TabClient;
  let disk: StoreOnDisk;
  const graphCalls: string[] = [];

  beforeAll(async () => {
    const seed = withGeneratedGuests(loadDemoSeed(), GENERATED);
    disk = new StoreOnDisk();
    tab = await TabClient.start({}, { store: disk.store, simulator: { seed, log: (line) => graphCalls.push(line) } });
  });

  afterAll(async () => {
    await tab.stop();
    disk.remove();
  });

  function directoryGuests() {
    return tab.harness.simulator.directory.users.filter((u) => u.userType === 'Guest');
  }

  /** Lets the worker run the queued write, then reads it as the tab does. */
  async function writeOnceDone(as: typeof people.adele, jobId: string): Promise<GuestWriteView> {
    await tab.harness.settle();
    const answer = await tab.get(as, `/guests/writes/${jobId}`);
    expect(answer.status).toBe(200);
    return answer.body as unknown as GuestWriteView;
  }

  /** The audit log's entries about one guest, as stored. */
  function auditOf(guestId: string) {
    return disk.audit().filter((e) => e.detail?.guestId === guestId);
  }

  it('counts guests by state and by domain, as the directory holds them, and reuses the count for a while', async () => {
    graphCalls.length = 0;
    const answer = await tab.get(people.adele, '/guests/totals');
    expect(answer.status).toBe(200);
    const totals = answer.body as unknown as GuestTotals;
    const guests = directoryGuests();
    expect(totals.total).toBe(guests.length);
    expect(totals.pendingAcceptance).toBe(guests.filter((g) => g.externalUserState === 'PendingAcceptance').length);
    expect(totals.accepted).toBe(guests.filter((g) => g.externalUserState === 'Accepted').length);
    expect(totals.disabled).toBe(guests.filter((g) => g.accountEnabled === false).length);
    const fabrikam = totals.byDomain.find((d) => d.domain === 'fabrikam.com');
    expect(fabrikam?.total).toBe(guests.filter((g) => g.mail?.toLowerCase().endsWith('@fabrikam.com')).length);
    const listingCalls = graphCalls.filter((c) => c.startsWith('GET /v1.0/users')).length;
    expect(listingCalls).toBe(Math.ceil(guests.length / 999));

    await tab.get(people.adele, '/guests/totals');
    expect(graphCalls.filter((c) => c.startsWith('GET /v1.0/users')).length).toBe(listingCalls);
  });

  it("lists guests of a domain a page at a time through the listing's cursors, forward and back", async () => {
    const first = await tab.get(people.adele, '/guests?filter=domain:contoso.com');
    expect(first.status).toBe(200);
    const page1 = first.body as unknown as GuestListPage;
    const contoso = directoryGuests().filter((g) => g.mail?.endsWith('@contoso.com'));
    expect(page1.directoryTotal).toBe(contoso.length);
    expect(page1.rows).toHaveLength(25);
    expect(page1.rows.every((r) => r.email.endsWith('@contoso.com'))).toBe(true);
    expect(page1.previousCursorId).toBeUndefined();

    const page2 = (await tab.get(people.adele, `/guests/pages/${page1.nextCursorId}`)).body as unknown as GuestListPage;
    expect(page2.firstNumber).toBe(26);
    expect(page2.rows[0]?.id).not.toBe(page1.rows[0]?.id);
    const back = (await tab.get(people.adele, `/guests/pages/${page2.previousCursorId}`)).body as unknown as GuestListPage;
    expect(back.rows.map((r) => r.id)).toEqual(page1.rows.map((r) => r.id));
  });

  it("refuses another admin's cursor and a filter it does not know, saying why", async () => {
    const page = (await tab.get(people.adele, '/guests')).body as unknown as GuestListPage;
    const foreign = await tab.get(lynne, `/guests/pages/${page.nextCursorId}`);
    expect(foreign.status).toBe(403);
    expect(foreign.body.error).toContain('another admin');
    const unknown = await tab.get(people.adele, '/guests?filter=colour:blue');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toContain('colour:blue');
  });

  it('shows one guest as the guest card does, and disables them only after the dry run and confirmation', async () => {
    const ravi = DEMO_GUEST_IDS.raviKumarFabrikam;
    const one = await tab.get(people.adele, '/guests/one?email=ravi.kumar@fabrikam.com');
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      details: { id: ravi, displayName: 'Ravi Kumar (Fabrikam)', enabled: true },
      plan: { calls: { disable: { method: 'PATCH' } } },
    });

    const dryRun = await tab.post(people.adele, `/guests/${ravi}/dry-run`, { operation: 'disable' });
    expect(dryRun.status).toBe(200);
    expect(tab.harness.simulator.directory.users.find((u) => u.id === ravi)?.accountEnabled).not.toBe(false);

    const unconfirmed = await tab.post(people.adele, `/guests/${ravi}/revoke`, { operation: 'disable' });
    expect(unconfirmed.status).toBe(400);
    expect(tab.harness.simulator.directory.users.find((u) => u.id === ravi)?.accountEnabled).not.toBe(false);

    // Queued, as the chat's Disable now is: the answer comes at once and names the job.
    const disabled = await tab.post(people.adele, `/guests/${ravi}/revoke`, { operation: 'disable', confirm: true });
    expect(disabled.status).toBe(202);
    expect(disabled.body).toEqual({ jobId: expect.any(String), operation: 'disable', state: 'working', working: 'Disabling sign-in…' });
    const jobId = disabled.body.jobId as string;
    expect((await tab.get(people.adele, `/guests/writes/${jobId}`)).body).toEqual({
      jobId,
      operation: 'disable',
      state: 'working',
      working: 'Disabling sign-in…',
    });
    expect(tab.harness.simulator.directory.users.find((u) => u.id === ravi)?.accountEnabled).not.toBe(false);

    const done = await writeOnceDone(people.adele, jobId);
    expect(done).toMatchObject({
      jobId,
      operation: 'disable',
      state: 'done',
      result: { kind: 'revoked', done: { operation: 'disable', guest: { id: ravi, enabled: false }, call: { method: 'PATCH' } } },
    });
    expect(done.result).not.toHaveProperty('done.unchanged');
    expect(tab.harness.simulator.directory.users.find((u) => u.id === ravi)?.accountEnabled).toBe(false);

    // A second confirmation finds the guest disabled and changes nothing, as a second click in chat does.
    const again = await tab.post(people.adele, `/guests/${ravi}/revoke`, { operation: 'disable', confirm: true });
    expect(await writeOnceDone(people.adele, again.body.jobId as string)).toMatchObject({
      state: 'done',
      result: { kind: 'revoked', done: { unchanged: true } },
    });
  });

  it('shows a queued write and its result only to the admin who asked for it', async () => {
    // Liam's sign-in is disabled, so this resend ends refused: the answer is Adele's all the same.
    const resend = await tab.post(people.adele, `/guests/${DEMO_GUEST_IDS.liamOBrienNorthwind}/resend`, { confirm: true });
    expect(resend.status).toBe(202);
    const jobId = resend.body.jobId as string;
    await tab.harness.settle();

    for (const [who, path] of [
      ['another admin', `/guests/writes/${jobId}`],
      ['the admin, with an id of no job', '/guests/writes/6f1c1d6e-3f7a-4b5e-9a43-0d7f0c9f1b11'],
      ['the admin, with something that is no id', '/guests/writes/not-a-job'],
    ] as const) {
      const answer = await tab.get(who === 'another admin' ? lynne : people.adele, path);
      expect({ who, status: answer.status, error: answer.body.error }).toEqual({ who, status: 404, error: 'There is no such change of yours.' });
    }
    expect((await tab.get(people.adele, `/guests/writes/${jobId}`)).body).toMatchObject({
      state: 'done',
      result: { kind: 'refused', title: 'Not done', message: expect.stringContaining('account is disabled') },
    });
  });

  it("shows Graph's reason when it refuses the write, as the chat card does", async () => {
    const dana = DEMO_GUEST_IDS.danaWhitfieldContoso;
    tab.harness.simulator.directory.assignRole({ principalId: dana, roleDefinitionId: ROLE_TEMPLATE_IDS.userAdministrator, directoryScopeId: '/' });
    const deleting = await tab.post(people.adele, `/guests/${dana}/revoke`, { operation: 'delete', confirm: true });
    expect(deleting.body).toMatchObject({ state: 'working', working: 'Deleting the guest…' });

    const done = await writeOnceDone(people.adele, deleting.body.jobId as string);
    expect(done.result).toEqual({
      kind: 'refused',
      title: 'Could not finish',
      message: expect.stringContaining('Microsoft Graph refused to delete Dana Whitfield (Contoso): they hold the directory role User Administrator.'),
    });
    expect(tab.harness.simulator.directory.users.find((u) => u.id === dana)).toBeDefined();
  });

  it('sends a new invitation and shows its redeem link to the admin', async () => {
    const jane = DEMO_GUEST_IDS.janeDoeFabrikam;
    const unconfirmed = await tab.post(people.adele, `/guests/${jane}/resend`, {});
    expect(unconfirmed.status).toBe(400);
    const invitationsBefore = tab.harness.simulator.directory.invitations.length;

    const answer = await tab.post(people.adele, `/guests/${jane}/resend`, { confirm: true });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ operation: 'resend', state: 'working', working: 'Sending a new invitation…' });
    expect(tab.harness.simulator.directory.invitations.length).toBe(invitationsBefore);

    const done = await writeOnceDone(people.adele, answer.body.jobId as string);
    expect(done).toMatchObject({ state: 'done', result: { kind: 'reinvited', done: { guest: { id: jane }, resetRedemption: true } } });
    expect(done.result?.kind === 'reinvited' && done.result.done.redeemUrl).toMatch(/^https:\/\/login\.microsoftonline\.com\/redeem/);
    expect(tab.harness.simulator.directory.invitations.length).toBe(invitationsBefore + 1);
    const audit = auditOf(jane);
    expect(audit.map((e) => [e.action, e.actor, e.source?.startsWith('tab:')])).toEqual([
      ['guest_resend_queued', people.adele.aadObjectId, true],
      ['guest_reinvited', people.adele.aadObjectId, true],
    ]);
  });

  it('gives admins the pending overview', async () => {
    const filed = await tab.post(people.alex, '/forms/invite', {
      values: { email: 'pending.one@fabrikam.com', justification: 'Works on the Falcon release with us.' },
    });
    expect(filed.body.filed).toBe(true);
    const overview = await tab.get(people.adele, '/pending');
    expect(overview.status).toBe(200);
    expect(overview.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ request: expect.objectContaining({ guest: expect.objectContaining({ email: 'pending.one@fabrikam.com' }) }) }),
      ]),
    );
  });
});
