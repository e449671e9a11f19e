import { createGraphClient } from '../../../services/directory/graphClient';
import { GraphDirectory } from '../../../services/directory/graphDirectory';
import { GraphFailure } from '../../../services/directory/graphErrors';
import { disableUserRequest } from '../../../services/directory/guestQueries';
import { DEMO_GUEST_IDS, DEMO_USER_IDS, loadDemoSeed, withGeneratedGuests } from '../../../simulator';
import { startSimulator, type RunningSimulator } from '../../../simulator/server';

/** The guest administration calls of the Graph layer, over HTTP against the simulated directory. */
describe('GraphDirectory for guest administration', () => {
  let sim: RunningSimulator;
  let requests: string[];
  let directory: GraphDirectory;

  beforeEach(async () => {
    requests = [];
    sim = await startSimulator({ port: 0, seed: withGeneratedGuests(loadDemoSeed(), 1100), log: (line) => requests.push(line) });
    directory = new GraphDirectory(createGraphClient({ baseUrl: sim.url, retryDelaySeconds: 0 }), sim.url, 5_000);
  });

  afterEach(() => sim.close());

  it('lists guests with a count, then follows the nextLink with ConsistencyLevel again', async () => {
    const first = await directory.listGuests({ createdSince: new Date('2020-01-01T00:00:00Z') });
    expect(first.guests).toHaveLength(999);
    expect(first.count).toBe(1104);
    const second = await directory.nextGuests(first.nextLink!);
    expect(second.guests).toHaveLength(105);
    expect(second.count).toBeUndefined();
    expect(second.nextLink).toBeUndefined();
    expect(requests.every((r) => r.endsWith('-> 200'))).toBe(true);
  });

  it('refuses to follow a link to another host', async () => {
    await expect(directory.nextGuests('https://evil.example/v1.0/users?$skiptoken=x')).rejects.toMatchObject({ code: 'UnexpectedNextLink' });
    expect(requests).toEqual([]);
  });

  it("reads the last successful sign-in only when asked, and fails with Graph's code without a licence", async () => {
    const jane = await directory.getGuest(DEMO_GUEST_IDS.janeDoeFabrikam, true);
    expect(jane?.lastSuccessfulSignInDateTime).toBe('2026-10-02T13:20:00Z');
    expect((await directory.getGuest(DEMO_GUEST_IDS.raviKumarFabrikam, true))?.lastSuccessfulSignInDateTime).toBeNull();
    expect((await directory.getGuest(DEMO_GUEST_IDS.janeDoeFabrikam, false))?.lastSuccessfulSignInDateTime).toBeUndefined();
    sim.directory.premium = false;
    const refused = await directory.getGuest(DEMO_GUEST_IDS.janeDoeFabrikam, true).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GraphFailure);
    expect(refused).toMatchObject({ status: 403, code: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant' });
    expect(await directory.getGuest('0f0f0f0f-0000-4000-8000-000000000000', false)).toBeUndefined();
  });

  it('reads groups and sponsors', async () => {
    const { groups, roles } = await directory.listMemberships(DEMO_GUEST_IDS.janeDoeFabrikam);
    expect(groups.map((g) => g.displayName).sort()).toEqual(['All Guests (dynamic)', 'Fabrikam Collaboration', 'Project Falcon']);
    expect(roles).toEqual([]);
    expect(await directory.listSponsors(DEMO_GUEST_IDS.janeDoeFabrikam)).toEqual([{ id: DEMO_USER_IDS.meganBowen, displayName: 'Megan Bowen' }]);
  });

  it('sends a prepared write as it is described, and resolves 204 to nothing', async () => {
    await expect(directory.send(disableUserRequest(DEMO_GUEST_IDS.danaWhitfieldContoso))).resolves.toBeUndefined();
    expect(sim.directory.getUser(DEMO_GUEST_IDS.danaWhitfieldContoso)?.accountEnabled).toBe(false);
    expect(directory.urlOf(disableUserRequest(DEMO_GUEST_IDS.danaWhitfieldContoso).path)).toBe(`${sim.url}/v1.0/users/${DEMO_GUEST_IDS.danaWhitfieldContoso}`);
  });

  it('re-invites, returning the same user and a new redeem link', async () => {
    const again = await directory.reinvite({
      email: 'jane.doe@fabrikam.com',
      guestId: DEMO_GUEST_IDS.janeDoeFabrikam,
      redirectUrl: 'https://myapps.microsoft.com',
      resetRedemption: true,
    });
    expect(again.guestId).toBe(DEMO_GUEST_IDS.janeDoeFabrikam);
    expect(again.redeemUrl).toMatch(/^https:\/\/login\.microsoftonline\.com\/redeem\?rd=/);
    expect(sim.directory.invitations.at(-1)).toMatchObject({ resetRedemption: true, sendInvitationMessage: true });
  });
});
