import { DEMO_GUEST_IDS, DEMO_USER_IDS } from '../../simulator';
import { asCollection, asEntity, asError, ids, useSimulator } from './helpers';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const REDIRECT = 'https://myapps.microsoft.com/?tenantid=00000000-0000-0000-0000-0000000000001';

describe('POST /invitations', () => {
  const t = useSimulator();
  const invite = (body: Record<string, unknown>) => t.graph('/invitations', { method: 'POST', json: body });

  it('creates a pending guest and answers 201 with the invitation entity', async () => {
    const res = await invite({ invitedUserEmailAddress: 'Nina.Patel@partner.com', inviteRedirectUrl: REDIRECT, invitedUserDisplayName: 'Nina Patel' });
    expect(res.status).toBe(201);
    const body = asEntity(res);
    expect(body).toMatchObject({
      '@odata.context': `${t.sim.url}/v1.0/$metadata#invitations/$entity`,
      invitedUserDisplayName: 'Nina Patel',
      invitedUserType: 'Guest',
      invitedUserEmailAddress: 'Nina.Patel@partner.com',
      sendInvitationMessage: false,
      resetRedemption: false,
      inviteRedirectUrl: REDIRECT,
      status: 'PendingAcceptance',
      invitedUserMessageInfo: {
        messageLanguage: null,
        customizedMessageBody: null,
        ccRecipients: [{ emailAddress: { name: null, address: null } }],
      },
      invitedUser: { userPrincipalName: 'Nina.Patel_partner.com#EXT#@example.onmicrosoft.com' },
    });
    expect(body.id).toMatch(GUID);
    expect(String(body.inviteRedeemUrl)).toMatch(/^https:\/\/login\.microsoftonline\.com\/redeem\?rd=\S+$/);
    const userId = (body.invitedUser as { id: string }).id;
    expect(userId).toMatch(GUID);

    const user = await t.graph(
      `/users/${userId}?$select=displayName,mail,otherMails,userType,creationType,externalUserState,externalUserStateChangeDateTime,createdDateTime,accountEnabled`,
    );
    expect(asEntity(user)).toMatchObject({
      displayName: 'Nina Patel',
      mail: 'Nina.Patel@partner.com',
      otherMails: ['Nina.Patel@partner.com'],
      userType: 'Guest',
      creationType: 'Invitation',
      externalUserState: 'PendingAcceptance',
      accountEnabled: true,
    });
    const created = Date.parse(String(asEntity(user).createdDateTime));
    expect(Math.abs(Date.now() - created)).toBeLessThan(60_000);
  });

  it('makes the new guest visible to the next list request when no replication lag is set', async () => {
    const res = await invite({ invitedUserEmailAddress: 'omar@newco.io', inviteRedirectUrl: REDIRECT });
    const userId = (asEntity(res).invitedUser as { id: string }).id;
    const list = asCollection(await t.graph("/users?$filter=mail eq 'omar@newco.io'&$select=id,displayName"));
    expect(list.value).toEqual([{ id: userId, displayName: 'omar@newco.io' }]);
  });

  it('records every invitation with its message details', async () => {
    await invite({
      invitedUserEmailAddress: 'kim@partner.com',
      inviteRedirectUrl: REDIRECT,
      sendInvitationMessage: true,
      invitedUserMessageInfo: { customizedMessageBody: 'Welcome to Project Falcon', ccRecipients: [{ emailAddress: { address: 'megan@example.com' } }] },
    });
    const recorded = t.sim.directory.invitations.find((i) => i.email === 'kim@partner.com');
    expect(recorded).toMatchObject({
      sendInvitationMessage: true,
      messageBody: 'Welcome to Project Falcon',
      redirectUrl: REDIRECT,
      ccRecipients: ['megan@example.com'],
      createdUser: true,
    });
    expect(t.sim.directory.findUsersByEmail('KIM@partner.com').map((u) => u.id)).toEqual([recorded?.userId]);
  });

  it('answers 201 with the existing guest id when the address is already a guest (matched via otherMails)', async () => {
    const before = t.sim.directory.users.length;
    const res = await invite({ invitedUserEmailAddress: 'DWhitfield@Contoso.com', inviteRedirectUrl: REDIRECT });
    expect(res.status).toBe(201);
    expect((asEntity(res).invitedUser as { id: string }).id).toBe(DEMO_GUEST_IDS.danaWhitfieldContoso);
    expect(t.sim.directory.users.length).toBe(before);
    expect(t.sim.directory.invitations.at(-1)).toMatchObject({ userId: DEMO_GUEST_IDS.danaWhitfieldContoso, createdUser: false });
  });

  it('answers 400 BadRequest naming the object id when the address belongs to a member', async () => {
    const res = await invite({ invitedUserEmailAddress: 'alexw@example.com', inviteRedirectUrl: REDIRECT });
    expect(res.status).toBe(400);
    expect(asError(res).code).toBe('BadRequest');
    expect(asError(res).message).toBe(
      `The invited user already exists in the directory as objectID: ${DEMO_USER_IDS.alexWilber}. They can use that account to sign in to shared apps and resources.`,
    );
  });

  it('answers 412 when the existing guest account is disabled', async () => {
    const res = await invite({ invitedUserEmailAddress: "liam.o'brien@northwind.com", inviteRedirectUrl: REDIRECT });
    expect(res.status).toBe(412);
  });

  it.each([
    ['invitedUserEmailAddress', { inviteRedirectUrl: REDIRECT }],
    ['inviteRedirectUrl', { invitedUserEmailAddress: 'x@partner.com' }],
  ])('answers 400 BadRequest when %s is missing', async (_field, body) => {
    const res = await invite(body);
    expect(res.status).toBe(400);
    expect(asError(res).code).toBe('BadRequest');
  });

  it.each(['a+b@partner.com', '.lead@partner.com', 'trail-@partner.com', 'no-at-sign', 'x@nodot', 'sp ace@partner.com', 'semi;colon@partner.com'])(
    'answers 400 BadRequest to the address %s',
    async (address) => {
      const res = await invite({ invitedUserEmailAddress: address, inviteRedirectUrl: REDIRECT });
      expect(res.status).toBe(400);
      expect(asError(res).code).toBe('BadRequest');
    },
  );

  it("accepts '_', inner '.' and '-', and an apostrophe in the local part", async () => {
    const res = await invite({ invitedUserEmailAddress: "o'neil_first.last-x@sub.partner.co", inviteRedirectUrl: REDIRECT });
    expect(res.status).toBe(201);
  });

  it('answers 400 to resetRedemption without invitedUser.id', async () => {
    const res = await invite({ invitedUserEmailAddress: 'jane.doe@fabrikam.com', inviteRedirectUrl: REDIRECT, resetRedemption: true });
    expect(res.status).toBe(400);
  });

  it('resets redemption of an existing guest, keeping its id', async () => {
    const res = await invite({
      invitedUserEmailAddress: 'jane.doe@fabrikam.com',
      inviteRedirectUrl: REDIRECT,
      resetRedemption: true,
      invitedUser: { id: DEMO_GUEST_IDS.janeDoeFabrikam },
    });
    expect(res.status).toBe(201);
    expect((asEntity(res).invitedUser as { id: string }).id).toBe(DEMO_GUEST_IDS.janeDoeFabrikam);
    const pending = asCollection(await t.graph("/users?$filter=externalUserState eq 'PendingAcceptance'&$select=id"));
    expect(ids(pending)).toContain(DEMO_GUEST_IDS.janeDoeFabrikam);
  });

  it('refuses a reset whose address is not on the user object', async () => {
    const res = await invite({
      invitedUserEmailAddress: 'someone.else@fabrikam.com',
      inviteRedirectUrl: REDIRECT,
      resetRedemption: true,
      invitedUser: { id: DEMO_GUEST_IDS.raviKumarFabrikam },
    });
    expect(res.status).toBe(400);
    expect(asError(res).message).toMatch(/doesn't match any emails on the user object/);
  });

  it('answers 400 to a property the invitation type does not have', async () => {
    const res = await invite({ invitedUserEmailAddress: 'x@partner.com', inviteRedirectUrl: REDIRECT, sendInvite: true });
    expect(res.status).toBe(400);
    expect(asError(res).message).toContain("The property 'sendInvite' does not exist");
  });
});
