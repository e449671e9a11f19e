import type { ActionExecute, ActionShowCard, InputText } from '../../cards/adaptiveCard';
import { approvalCard, type ApprovalModel } from '../../cards/approvalCard';
import { VERBS, type ActionData } from '../../cards/verbs';
import { REQUEST_STATES } from '../../services/requests/model';
import { allActions, cardText, parseCardStrict } from '../helpers/adaptiveCards';
import { aRequest, requestIn, WITH_ROLE } from './requests';

const pending = (overrides: Partial<ApprovalModel> = {}): ApprovalModel => ({
  request: requestIn('pending'),
  context: { guestsFromDomain: 3 },
  ...overrides,
});

const withRole = aRequest({ details: { ...aRequest().details, directoryRole: WITH_ROLE } });

function denyButton(model: ApprovalModel): ActionShowCard {
  const deny = approvalCard(model).actions?.find((a): a is ActionShowCard => a.type === 'Action.ShowCard');
  if (!deny) throw new Error('no Deny button');
  return deny;
}

describe('approvalCard', () => {
  it('shows who asks, for whom, why, and what', () => {
    const text = cardText(approvalCard(pending({ request: withRole })));
    expect(text).toContain('**Adele Vance** asks to invite **guest@fabrikam.example** as a guest.');
    expect(text).toContain('Requested by: Adele Vance');
    expect(text).toContain('Guest: guest@fabrikam.example');
    expect(text).toContain('Display name: Gary Guest');
    expect(text).toContain('Justification: Joint project with Fabrikam');
    expect(text).toContain('Personal message: Welcome to the project!');
    expect(text).toContain('Groups: Sales, Engineering');
    expect(text).toContain('Directory role: Directory Readers');
  });

  it.each([
    [3, '3 guests from fabrikam.example already in the directory'],
    [1, '1 guest from fabrikam.example already in the directory'],
    [0, '0 guests from fabrikam.example already in the directory'],
    [undefined, 'Guests from fabrikam.example already in the directory: unknown'],
  ])('gives context: %s guests from the domain', (count, line) => {
    expect(cardText(approvalCard(pending({ context: { guestsFromDomain: count } })))).toContain(line);
  });

  it('warns, bold and in warning color, when a directory role is asked', () => {
    const { body } = approvalCard(pending({ request: withRole }));
    expect(body).toContainEqual(
      expect.objectContaining({ type: 'TextBlock', text: 'This request grants a directory role: review carefully.', color: 'Warning', weight: 'Bolder' }),
    );
  });

  it('has no warning without a directory role', () => {
    expect(cardText(approvalCard(pending()))).not.toContain('grants a directory role');
  });

  describe('while pending', () => {
    it('approves with a positive button that carries only the request id, sending the end date with it', () => {
      const approve = approvalCard(pending()).actions?.[0];
      expect(approve).toEqual({
        type: 'Action.Execute',
        verb: VERBS.approve,
        title: 'Approve',
        data: { requestId: 'GA-ABC123' },
        style: 'positive',
        associatedInputs: 'auto',
      });
    });

    it('shows the end date asked for, which the approver may only move earlier', () => {
      const card = approvalCard(pending({ request: { ...pending().request, details: { ...pending().request.details, accessUntil: '2026-06-30' } } }));
      expect(cardText(card)).toContain('Access until: 2026-06-30');
      expect(card.body).toContainEqual({
        type: 'Input.Date',
        id: 'accessUntil',
        label: 'Access until (you may shorten it)',
        value: '2026-06-30',
        max: '2026-06-30',
      });
      parseCardStrict(card);
      const refused = approvalCard({ ...pending(), accessUntilError: 'Choose 2026-06-30 or earlier.' });
      expect(cardText(refused)).toContain('Choose 2026-06-30 or earlier.');
    });

    it('denies only with a reason: Deny opens a required reason and a "Confirm deny" button', () => {
      const deny = denyButton(pending());
      expect(deny.title).toBe('Deny');
      const reason = deny.card.body[0] as InputText;
      expect(reason).toMatchObject({
        type: 'Input.Text',
        id: 'reason',
        label: 'Reason for denying',
        isRequired: true,
        isMultiline: true,
        errorMessage: expect.any(String),
      });
      expect(deny.card.actions).toEqual([
        {
          type: 'Action.Execute',
          verb: VERBS.deny,
          title: 'Confirm deny',
          data: { requestId: 'GA-ABC123' },
          style: 'destructive',
          associatedInputs: 'auto',
        },
      ]);
    });

    it('puts nothing but the request id into any button', () => {
      const executes = allActions(approvalCard(pending({ request: withRole }))).filter((a): a is ActionExecute => a.type === 'Action.Execute');
      expect(executes).toHaveLength(2);
      executes.forEach((a) => expect(a.data).toEqual({ requestId: 'GA-ABC123' }));
    });

    it('shows why the last deny failed, in red, just above the buttons', () => {
      const { body } = approvalCard(pending({ denyError: 'Give a reason for denying.' }));
      expect(body[body.length - 1]).toMatchObject({ type: 'TextBlock', text: 'Give a reason for denying.', color: 'Attention' });
    });
  });

  describe('once decided', () => {
    it.each(REQUEST_STATES.filter((s) => s !== 'pending'))('has no buttons when %s', (state) => {
      const card = approvalCard({ request: requestIn(state), context: {}, denyError: 'stale' });
      expect(card.actions).toBeUndefined();
      expect(allActions(card)).toEqual([]);
      expect(cardText(card)).not.toContain('stale');
    });

    it('says who approved and when', () => {
      expect(cardText(approvalCard({ request: requestIn('approved'), context: {} }))).toContain('Approved by Megan Bowen on 2026-11-27 08:05 UTC');
    });

    it('says who denied, when and why', () => {
      expect(cardText(approvalCard({ request: requestIn('denied'), context: {} }))).toContain(
        'Denied by Megan Bowen on 2026-11-27 08:05 UTC: Use the partner portal instead',
      );
    });

    it('shows the guest was invited, without the redeem link (that is the requester’s)', () => {
      const card = approvalCard({ request: requestIn('completed'), context: {} });
      expect(cardText(card)).toContain('Guest invited: guest@fabrikam.example');
      expect(JSON.stringify(card)).not.toContain('redeem');
    });

    it('shows the failed step and reason', () => {
      expect(cardText(approvalCard({ request: requestIn('failed'), context: {} }))).toContain(
        'Failed while adding the guest to group Engineering: Insufficient privileges to complete the operation.',
      );
    });
  });

  it('shows a notice above everything else', () => {
    const card = approvalCard({ request: requestIn('approved'), context: {}, notice: 'This request was already approved by Megan Bowen.' });
    expect(card.body[0]).toMatchObject({ type: 'TextBlock', text: 'This request was already approved by Megan Bowen.' });
  });

  it('shows malicious text literally', () => {
    const request = aRequest({
      requester: { aadObjectId: 'x', name: '**Boss** [CEO](https://evil.example)' },
      details: { ...aRequest().details, justification: '[click](https://evil.example)', message: '<img src=x>' },
    });
    const text = cardText(approvalCard({ request, context: {} }));
    expect(text).toContain('**\\*\\*Boss\\*\\* \\[CEO\\](https://evil.example)** asks to invite');
    expect(text).toContain('Justification: \\[click\\](https://evil.example)');
    expect(text).toContain('Personal message: \\<img src=x\\>');
    const denied = requestIn('denied');
    const reason = { ...denied, decision: { ...denied.decision!, reason: '_no_ [way](https://evil.example)' } };
    expect(cardText(approvalCard({ request: reason, context: {} }))).toContain(': \\_no\\_ \\[way\\](https://evil.example)');
    expect(cardText(approvalCard({ ...pending(), denyError: '<b>x</b>' }))).toContain('\\<b\\>x\\</b\\>');
  });

  it.each(REQUEST_STATES)('parses cleanly when %s', (state) => {
    const request = { ...requestIn(state), details: { ...requestIn(state).details, directoryRole: WITH_ROLE } };
    const model = { request, context: { guestsFromDomain: 2 }, denyError: 'x', notice: 'Notice' };
    expect(() => parseCardStrict(approvalCard(model))).not.toThrow();
  });

  it('only lets ids into button data, at compile time', () => {
    // @ts-expect-error buttons carry ids only, never names or roles
    const withName: ActionData<typeof VERBS.approve> = { requestId: 'GA-ABC123', approver: 'Megan Bowen' };
    // @ts-expect-error not even without the id
    const nameOnly: ActionData<typeof VERBS.deny> = { approver: 'Megan Bowen' };
    expect([withName, nameOnly]).toHaveLength(2);
  });
});
