import { deleteUserRequest, disableUserRequest, guestFilter, guestListPath, reinviteRequest } from '../../../services/directory/guestQueries';

const ID = '51a7c900-632b-49a9-8e51-3126dbb1d2e0';

describe('guest queries', () => {
  it('always asks for guests, then adds each filter Graph applies itself', () => {
    expect(guestFilter({})).toBe("userType eq 'Guest'");
    expect(
      guestFilter({
        state: 'Accepted',
        disabled: true,
        domain: 'fabrikam.com',
        createdSince: new Date('2026-10-27T23:10:19.123Z'),
        stateChangedBefore: new Date('2026-08-28T00:00:00Z'),
      }),
    ).toBe(
      "userType eq 'Guest' and externalUserState eq 'Accepted' and accountEnabled eq false and endswith(mail,'@fabrikam.com') " +
        'and createdDateTime ge 2026-10-27T23:10:19Z and externalUserStateChangeDateTime le 2026-08-28T00:00:00Z',
    );
  });

  it('asks for 999 guests and their count, or 500 with sign-in activity selected (never filtered)', () => {
    const plain = decodeURIComponent(guestListPath({}));
    expect(plain).toMatch(/^\/users\?\$filter=userType eq 'Guest'&\$select=id,displayName,[^&]*&\$top=999&\$count=true$/);
    const withSignIn = decodeURIComponent(guestListPath({ withSignInActivity: true }));
    expect(withSignIn).toContain(',signInActivity&$top=500&');
    expect(withSignIn).not.toContain('signInActivity/');
  });

  it('percent-encodes the filter so + and # reach Graph intact', () => {
    expect(guestListPath({ domain: 'a+b.example' })).toContain('%2Bb.example');
  });

  it('describes the writes a revoke makes, exactly as they are sent', () => {
    expect(disableUserRequest(ID)).toEqual({ method: 'PATCH', path: `/users/${ID}`, body: { accountEnabled: false } });
    expect(deleteUserRequest(ID)).toEqual({ method: 'DELETE', path: `/users/${ID}` });
  });

  it('re-invites without a reset for a guest who has not redeemed, and with invitedUser.id for one who has', () => {
    const base = { email: 'jane@fabrikam.com', guestId: ID, redirectUrl: 'https://myapps.microsoft.com' };
    expect(reinviteRequest({ ...base, resetRedemption: false }).body).toEqual({
      invitedUserEmailAddress: 'jane@fabrikam.com',
      inviteRedirectUrl: 'https://myapps.microsoft.com',
      sendInvitationMessage: true,
    });
    expect(reinviteRequest({ ...base, resetRedemption: true }).body).toMatchObject({ invitedUser: { id: ID }, resetRedemption: true });
  });
});
