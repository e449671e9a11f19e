import { requestStatusCard } from '../../cards/requestStatusCard';
import { VERBS } from '../../cards/verbs';
import { REQUEST_STATES, type RequestState } from '../../services/requests/model';
import { allActions, cardText, parseCardStrict } from '../helpers/adaptiveCards';
import { aRequest, requestIn, WITH_ROLE } from './requests';

const STATE_WORDS: Record<RequestState, string> = {
  pending: 'Waiting for approval',
  approved: 'Approved — inviting the guest',
  executing: 'Approved — inviting the guest',
  completed: 'Guest invited',
  failed: 'Failed',
  denied: 'Denied',
  cancelled: 'Cancelled',
  expired: 'Expired',
};

describe('requestStatusCard', () => {
  it('names the request and lists what was asked', () => {
    const request = aRequest({ details: { ...aRequest().details, directoryRole: WITH_ROLE } });
    const text = cardText(requestStatusCard({ request }));
    expect(text).toContain('Guest access request GA-ABC123');
    expect(text).toContain('Guest: guest@fabrikam.example');
    expect(text).toContain('Display name: Gary Guest');
    expect(text).toContain('Groups: Sales, Engineering');
    expect(text).toContain('Directory role: Directory Readers');
    expect(text).toContain('Justification: Joint project with Fabrikam');
    expect(text).toContain('Submitted: 2026-11-26 22:50 UTC');
  });

  it('says when no display name, group or role was given', () => {
    const request = aRequest({ details: { ...aRequest().details, displayName: '', groups: [] } });
    const text = cardText(requestStatusCard({ request }));
    expect(text).toContain('Display name: Not given');
    expect(text).toContain('Groups: None');
    expect(text).toContain('Directory role: None');
  });

  it.each(REQUEST_STATES)('states "%s" in words', (state) => {
    expect(cardText(requestStatusCard({ request: requestIn(state) }))).toContain(`State: ${STATE_WORDS[state]}`);
  });

  it('offers "Cancel request" while waiting, carrying only the request id', () => {
    expect(allActions(requestStatusCard({ request: requestIn('pending') }))).toEqual([
      { type: 'Action.Execute', verb: VERBS.cancel, title: 'Cancel request', data: { requestId: 'GA-ABC123' }, associatedInputs: 'none' },
    ]);
  });

  it.each(REQUEST_STATES.filter((s) => s !== 'pending'))('has no Execute button once %s', (state) => {
    const actions = allActions(requestStatusCard({ request: requestIn(state) }));
    expect(actions.filter((a) => a.type === 'Action.Execute')).toEqual([]);
  });

  it('shows who approved and when', () => {
    expect(cardText(requestStatusCard({ request: requestIn('approved') }))).toContain('Approved by Megan Bowen on 2026-11-27 08:05 UTC');
  });

  it('shows who denied, when and why', () => {
    expect(cardText(requestStatusCard({ request: requestIn('denied') }))).toContain(
      'Denied by Megan Bowen on 2026-11-27 08:05 UTC: Use the partner portal instead',
    );
  });

  it("links the redeem URL once the guest is invited, on the requester's own card", () => {
    const card = requestStatusCard({ request: requestIn('completed'), showRedeemLink: true });
    expect(cardText(card)).toContain('Guest invited: guest@fabrikam.example');
    expect(allActions(card)).toEqual([{ type: 'Action.OpenUrl', title: 'Open redeem link', url: 'https://invitations.microsoft.com/redeem/?t=abc' }]);
  });

  it("keeps the redeem link off the card unless it is for the requester's own chat", () => {
    const card = requestStatusCard({ request: requestIn('completed') });
    expect(allActions(card)).toEqual([]);
    expect(JSON.stringify(card)).not.toContain('invitations.microsoft.com');
  });

  it('makes no button of a redeem link that is not https', () => {
    const completed = requestIn('completed');
    const request = { ...completed, outcome: { ...completed.outcome, redeemUrl: 'javascript:alert(1)' } };
    expect(allActions(requestStatusCard({ request, showRedeemLink: true }))).toEqual([]);
  });

  it('names the failed step and the reason', () => {
    expect(cardText(requestStatusCard({ request: requestIn('failed') }))).toContain(
      'Failed while adding the guest to group Engineering: Insufficient privileges to complete the operation.',
    );
  });

  it('names the failed invitation and role steps too, and says when there is no reason', () => {
    const failed = requestIn('failed');
    const role = { ...failed, details: { ...failed.details, directoryRole: WITH_ROLE }, outcome: { failedStep: 'role:role-reader' } };
    expect(cardText(requestStatusCard({ request: role }))).toContain('Failed while assigning the directory role Directory Readers: no reason was given');
    const invite = { ...failed, outcome: { failedStep: 'invite', error: 'Bad request' } };
    expect(cardText(requestStatusCard({ request: invite }))).toContain('Failed while sending the invitation: Bad request');
  });

  it('says the request is waiting for the directory while the new guest replicates', () => {
    const executing = requestIn('executing');
    const request = { ...executing, outcome: { guestId: 'guest-1', waitingForDirectorySince: '2026-11-27T09:00:05.000Z' } };
    const card = requestStatusCard({ request });
    const text = cardText(card);
    expect(text).toContain('State: Approved — waiting for the directory');
    expect(text).toContain('Waiting for the directory: the guest has been invited');
    expect(() => parseCardStrict(card)).not.toThrow();
    expect(cardText(requestStatusCard({ request: executing }))).not.toContain('waiting for the directory');
  });

  describe('a guest found already in the directory', () => {
    const completed = requestIn('completed');
    const found = (externalUserState: string | null) => ({ ...completed, outcome: { guestId: 'guest-1', existingGuest: { externalUserState } } });

    it('says no invitation was sent and that they have not accepted, with no redeem link', () => {
      const card = requestStatusCard({ request: found('PendingAcceptance') });
      const text = cardText(card);
      expect(text).toContain('State: Done — already a guest');
      expect(text).toContain('Done: guest@fabrikam.example was already a guest in your directory, invited before this request, so no new invitation was sent.');
      expect(text).toContain('They have not accepted their invitation yet');
      expect(text).not.toContain('Guest invited');
      expect(allActions(card)).toEqual([]);
      expect(() => parseCardStrict(card)).not.toThrow();
    });

    it('tells an admin to type resend, and anyone else which admins to ask', () => {
      const admin = cardText(requestStatusCard({ request: found('PendingAcceptance'), resendHelp: { requesterIsAdmin: true, adminNames: [] } }));
      expect(admin).toContain('If they never received the invitation or lost it, type "resend guest@fabrikam.example" to send them a new one.');
      const employee = cardText(
        requestStatusCard({ request: found(null), resendHelp: { requesterIsAdmin: false, adminNames: ['Adele Vance', 'Lynne Robbins', 'Pat *Admin*'] } }),
      );
      expect(employee).toContain('The directory does not say whether they have accepted their invitation.');
      expect(employee).toContain(
        'ask an admin of this bot (Adele Vance, Lynne Robbins or Pat \\*Admin\\*) to send a new one: only admins can, by typing "resend guest@fabrikam.example".',
      );
      const unknown = cardText(requestStatusCard({ request: found('PendingAcceptance') }));
      expect(unknown).toContain('an admin of this bot can send a new one by typing "resend guest@fabrikam.example".');
    });

    it('says an accepted guest can sign in, and offers no resend', () => {
      const text = cardText(requestStatusCard({ request: found('Accepted'), resendHelp: { requesterIsAdmin: true, adminNames: [] } }));
      expect(text).toContain('They have accepted their invitation and can sign in.');
      expect(text).not.toContain('resend');
    });
  });

  it('shows a notice above everything else', () => {
    const card = requestStatusCard({ request: requestIn('pending'), notice: 'No approver could be reached yet. We keep trying.' });
    expect(card.body[0]).toMatchObject({ type: 'TextBlock', text: 'No approver could be reached yet. We keep trying.' });
  });

  it('shows malicious text literally', () => {
    const request = aRequest({
      details: {
        ...aRequest().details,
        displayName: '![x](https://evil.example/pixel.png)',
        justification: '[click](https://evil.example)',
        message: '# Urgent\n- do it',
        groups: [{ id: 'g1', displayName: '*Admins*' }],
      },
    });
    const text = cardText(requestStatusCard({ request }));
    expect(text).toContain('Justification: \\[click\\](https://evil.example)');
    expect(text).toContain('Display name: !\\[x\\](https://evil.example/pixel.png)');
    expect(text).toContain('Personal message: \\# Urgent\n\\- do it');
    expect(text).toContain('Groups: \\*Admins\\*');
    expect(text).not.toContain('[click]');
  });

  it.each(REQUEST_STATES)('parses cleanly when %s', (state) => {
    expect(() => parseCardStrict(requestStatusCard({ request: requestIn(state), notice: 'Notice' }))).not.toThrow();
  });
});
