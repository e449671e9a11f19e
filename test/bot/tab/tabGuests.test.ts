import type { GuestListPage } from '../../../services/guests/guestModel';
import type { GuestTotals } from '../../../services/guests/guestTotals';
import { loadDemoSeed, withGeneratedGuests } from '../../../simulator';
import { DEMO_GUEST_IDS } from '../../../simulator/seed';
import { people } from '../../helpers/botHarness';
import { TabClient } from '../../helpers/tabClient';

const GENERATED = 1200;

describe('Guests in the tab (admins)', () => {
  let tab: TabClient;
  const graphCalls: string[] = [];

  beforeAll(async () => {
    const seed = withGeneratedGuests(loadDemoSeed(), GENERATED);
    tab = await TabClient.start({}, { simulator: { seed, log: (line) => graphCalls.push(line) } });
  });

  afterAll(async () => {
    await tab.stop();
  });

  function directoryGuests() {
    return tab.harness.simulator.directory.users.filter((u) => u.userType === 'Guest');
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

  it('lists guests of a domain a page at a time through the listing\'s cursors, forward and back', async () => {
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

  it('refuses another admin\'s cursor and a filter it does not know, saying why', async () => {
    const page = (await tab.get(people.adele, '/guests')).body as unknown as GuestListPage;
    const lynne = { aadObjectId: '00000000-0000-0000-0000-0000000000025', name: 'Lynne Robbins' };
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
    expect(one.body).toMatchObject({ details: { id: ravi, displayName: 'Ravi Kumar (Fabrikam)', enabled: true }, plan: { calls: { disable: { method: 'PATCH' } } } });

    const dryRun = await tab.post(people.adele, `/guests/${ravi}/dry-run`, { operation: 'disable' });
    expect(dryRun.status).toBe(200);
    expect(tab.harness.simulator.directory.users.find((u) => u.id === ravi)?.accountEnabled).not.toBe(false);

    const unconfirmed = await tab.post(people.adele, `/guests/${ravi}/revoke`, { operation: 'disable' });
    expect(unconfirmed.status).toBe(400);
    expect(tab.harness.simulator.directory.users.find((u) => u.id === ravi)?.accountEnabled).not.toBe(false);

    const disabled = await tab.post(people.adele, `/guests/${ravi}/revoke`, { operation: 'disable', confirm: true });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ operation: 'disable', guest: { id: ravi, enabled: false } });
    expect(tab.harness.simulator.directory.users.find((u) => u.id === ravi)?.accountEnabled).toBe(false);
  });

  it('sends a new invitation and shows its redeem link to the admin', async () => {
    const jane = DEMO_GUEST_IDS.janeDoeFabrikam;
    const answer = await tab.post(people.adele, `/guests/${jane}/resend`, { confirm: true });
    expect(answer.status).toBe(200);
    expect(answer.body.redeemUrl).toMatch(/^https:\/\/login\.microsoftonline\.com\/redeem/);
  });

  it('gives admins the pending overview', async () => {
    const filed = await tab.post(people.alex, '/forms/invite', { values: { email: 'pending.one@fabrikam.com', justification: 'Works on the Falcon release with us.' } });
    expect(filed.body.filed).toBe(true);
    const overview = await tab.get(people.adele, '/pending');
    expect(overview.status).toBe(200);
    expect(overview.body).toEqual(expect.arrayContaining([expect.objectContaining({ request: expect.objectContaining({ guest: expect.objectContaining({ email: 'pending.one@fabrikam.com' }) }) })]));
  });
});
