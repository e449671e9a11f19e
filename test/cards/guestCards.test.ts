import { auditTimelineCard, MAX_TIMELINE_ENTRIES } from '../../cards/auditTimelineCard';
import { dryRunCard } from '../../cards/dryRunCard';
import { guestCard } from '../../cards/guestCard';
import { guestListCard } from '../../cards/guestListCard';
import { age, pendingOverviewCard } from '../../cards/pendingOverviewCard';
import { reinviteCard } from '../../cards/reinviteCard';
import { revokeCard } from '../../cards/revokeCard';
import { revokeResultCard } from '../../cards/revokeResultCard';
import { VERBS } from '../../cards/verbs';
import type { GuestDetails, GuestListPage, GuestRow, RevokePlan } from '../../services/guests/guestModel';
import { allActions, cardText, parseCardStrict } from '../helpers/adaptiveCards';
import { aRequest } from './requests';

const GUEST_ID = '51a7c900-632b-49a9-8e51-3126dbb1d2e0';
const HOSTILE = '[click](https://evil.example) *bold* # _x_';
/** Teams refuses bot messages much above this size. */
const TEAMS_MESSAGE_LIMIT = 28 * 1024;

function row(i: number, overrides: Partial<GuestRow> = {}): GuestRow {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    displayName: `Guest ${i}`,
    email: `guest${i}@fabrikam.com`,
    state: 'Accepted',
    createdAt: '2025-03-10T09:05:33Z',
    enabled: true,
    ...overrides,
  };
}

function page(overrides: Partial<GuestListPage> = {}): GuestListPage {
  return {
    filterText: '',
    rows: [row(1), row(2)],
    firstNumber: 1,
    directoryTotal: 2504,
    expiresAt: '2026-11-26T23:25:00.000Z',
    ...overrides,
  };
}

const plan: RevokePlan = {
  guest: { id: GUEST_ID, displayName: 'Jane Doe (Fabrikam)', email: 'jane.doe@fabrikam.com', enabled: true, state: 'Accepted' },
  calls: {
    disable: { method: 'PATCH', url: `https://graph.microsoft.com/v1.0/users/${GUEST_ID}`, body: '{"accountEnabled":false}', expected: '204 No Content' },
    delete: { method: 'DELETE', url: `https://graph.microsoft.com/v1.0/users/${GUEST_ID}`, expected: '204 No Content' },
  },
  restorableUntil: '2026-12-26T23:10:00.000Z',
};

function details(overrides: Partial<GuestDetails> = {}): GuestDetails {
  return {
    id: GUEST_ID,
    displayName: 'Jane Doe (Fabrikam)',
    email: 'jane.doe@fabrikam.com',
    state: 'Accepted',
    stateChangedAt: '2025-03-11T15:42:00Z',
    createdAt: '2025-03-10T09:05:33Z',
    enabled: true,
    lastSignIn: { kind: 'at', at: '2026-10-02T13:20:00Z' },
    groups: { ok: true, value: [{ id: 'g1', displayName: 'Project Falcon' }] },
    directoryRoles: { ok: true, value: [] },
    appRoles: { ok: true, value: [{ app: 'Partner Portal', role: 'Portal reader' }] },
    sponsors: { ok: true, value: [{ id: 'u1', displayName: 'Megan Bowen' }] },
    ...overrides,
  };
}

/** Every Action.Execute's data holds exactly one id and nothing else. */
function executeData(card: Parameters<typeof allActions>[0]) {
  return allActions(card).flatMap((a) => (a.type === 'Action.Execute' ? [{ verb: a.verb, data: a.data }] : []));
}

describe('guestListCard', () => {
  it('shows the total, the rows shown, and each guest with state, creation date and sign-in', () => {
    const card = guestListCard(page({ rows: [row(1), row(2, { state: 'PendingAcceptance', enabled: false, lastSignIn: null })] }));
    parseCardStrict(card);
    const text = cardText(card);
    expect(text).toContain('2,504 guests · showing 1–2');
    expect(text).toContain('**Guest 1** · guest1@fabrikam.com');
    expect(text).toContain('Accepted · created 2025-03-10 · sign-in enabled');
    expect(text).toContain('Pending (invitation not redeemed) · created 2025-03-10 · sign-in disabled · no sign-in recorded');
    expect(text).toContain('Buttons work until 2026-11-26 23:25 UTC');
  });

  it('escapes the angle brackets of the guest command hint, which a renderer would drop as a tag', () => {
    expect(cardText(guestListCard(page()))).toContain("For one guest's details type: guest \\<email\\>");
  });

  it('carries only cursor ids on Next and Previous', () => {
    const card = guestListCard(page({ nextCursorId: 'n'.repeat(24), previousCursorId: 'p'.repeat(24) }));
    parseCardStrict(card);
    expect(executeData(card)).toEqual([
      { verb: VERBS.guestsPage, data: { cursorId: 'p'.repeat(24) } },
      { verb: VERBS.guestsPage, data: { cursorId: 'n'.repeat(24) } },
    ]);
    expect(card.actions?.map((a) => a.title)).toEqual(['Previous', 'Next']);
  });

  it('escapes names and addresses', () => {
    const text = cardText(guestListCard(page({ rows: [row(1, { displayName: HOSTILE })] })));
    expect(text).toContain('\\[click\\](https://evil.example) \\*bold\\* \\# \\_x\\_');
  });

  it('stays well under the Teams message limit with 25 guests of the longest names and addresses', () => {
    const long = (i: number) =>
      row(i, { displayName: `${'N'.repeat(250)}${i}`, email: `${'e'.repeat(60)}${i}@${'d'.repeat(180)}.com`, lastSignIn: '2026-10-02T13:20:00Z' });
    const card = guestListCard(
      page({ rows: Array.from({ length: 25 }, (_, i) => long(i)), nextCursorId: 'n'.repeat(24), previousCursorId: 'p'.repeat(24), notice: 'x'.repeat(300) }),
    );
    parseCardStrict(card);
    expect(JSON.stringify(card).length).toBeLessThan(TEAMS_MESSAGE_LIMIT);
  });

  it('reports progress for stale listings and an empty stretch', () => {
    const stale = cardText(guestListCard(page({ checked: 1000, rows: [], nextCursorId: 'n'.repeat(24), filterText: 'stale:90d' })));
    expect(stale).toContain('Guests: stale:90d');
    expect(stale).toContain('Stale guests among the 1,000 of 2,504 guests checked so far');
    expect(stale).toContain('None on this stretch of the directory; Next keeps looking.');
    expect(stale).toContain('Last sign-in means the last successful sign-in, interactive or not.');
    const unknown = cardText(guestListCard(page({ checked: 1000, noSignInRecorded: 37, rows: [], filterText: 'stale:90d' })));
    expect(unknown).toContain(
      '37 guests checked have no recorded sign-in (never signed in, or not since Microsoft Entra began recording in April 2020): not listed, because whether they are stale is unknown.',
    );
    expect(cardText(guestListCard(page({ rows: [], directoryTotal: 0 })))).toContain('No guests match.');
  });
});

describe('guestCard', () => {
  it('parses, and keeps Disable and Delete behind their confirmation panels', () => {
    const card = guestCard({ guest: details(), plan });
    parseCardStrict(card);
    expect(card.actions?.map((a) => a.type)).toEqual(['Action.Execute', 'Action.ShowCard', 'Action.ShowCard']);
    expect(executeData(card).every((e) => JSON.stringify(e.data) === JSON.stringify({ guestId: GUEST_ID }))).toBe(true);
    const panels = (card.actions ?? []).filter((a) => a.type === 'Action.ShowCard');
    for (const panel of panels) {
      if (panel.type !== 'Action.ShowCard') continue;
      expect(panel.card.actions?.map((a) => a.title)).toEqual([panel.title === 'Delete' ? 'Delete now' : 'Disable now', 'Dry run']);
      expect(panel.card.actions?.[0]).toMatchObject({ style: 'destructive' });
    }
  });

  it('says what could not be read instead of hiding it', () => {
    const text = cardText(
      guestCard({
        guest: details({
          groups: { ok: false, reason: 'Microsoft Graph had a temporary problem (503).' },
          directoryRoles: { ok: false, reason: 'Microsoft Graph had a temporary problem (503).' },
          lastSignIn: { kind: 'unavailable', reason: 'the bot lacks the AuditLog.Read.All permission' },
        }),
        plan,
      }),
    );
    expect(text).toContain('Groups: Could not be read: Microsoft Graph had a temporary problem (503).');
    expect(text).toContain('Last sign-in: Unknown: the bot lacks the AuditLog.Read.All permission');
  });

  it('says that the last sign-in is the last successful one, interactive or not', () => {
    const text = cardText(guestCard({ guest: details(), plan }));
    expect(text).toContain('Last sign-in: 2026-10-02 13:20 UTC');
    expect(text).toContain('Last sign-in means the last successful sign-in, interactive or not.');
    expect(cardText(guestCard({ guest: details({ lastSignIn: { kind: 'never' } }), plan }))).toContain(
      'Last sign-in: None recorded (never signed in, or not since April 2020)',
    );
  });

  it('offers neither Resend nor Disable for a disabled guest, only Delete', () => {
    const card = guestCard({ guest: details({ enabled: false }), plan: { ...plan, guest: { ...plan.guest, enabled: false } } });
    parseCardStrict(card);
    expect(card.actions?.map((a) => a.title)).toEqual(['Delete']);
    expect(cardText(card)).toContain('Sign-in is disabled for this guest.');
  });

  it('names the request, the requester and the approver when the bot invited the guest', () => {
    const text = cardText(
      guestCard({
        guest: details({
          origin: {
            requestId: 'GA-7K3Q9M',
            requestedBy: 'Alex Wilber',
            requestedAt: '2026-11-20T10:00:00Z',
            approvedBy: 'Megan Bowen',
            approvedAt: '2026-11-20T11:00:00Z',
          },
        }),
        plan,
      }),
    );
    expect(text).toContain('Requested by: Alex Wilber on 2026-11-20 10:00 UTC (GA-7K3Q9M)');
    expect(text).toContain('Approved by: Megan Bowen on 2026-11-20 11:00 UTC');
  });
});

describe('revoke cards', () => {
  it('the confirmation card says what each option does and which call it makes, before anything happens', () => {
    const card = revokeCard(plan);
    parseCardStrict(card);
    const text = cardText(card);
    expect(text).toContain('Nothing changes until you open an option below and confirm it.');
    expect(text).toContain('restore the guest, with their groups, from Deleted users in Microsoft Entra for 30 days (until 2026-12-26)');
    expect(text).toContain(`Request: PATCH https://graph.microsoft.com/v1.0/users/${GUEST_ID}`);
    expect(executeData(card).map((e) => e.verb)).toEqual([VERBS.disableGuest, VERBS.dryRunDisableGuest, VERBS.deleteGuest, VERBS.dryRunDeleteGuest]);
  });

  it('the dry run shows the call, says nothing changed, and keeps the confirm panel', () => {
    const card = dryRunCard({ plan, operation: 'disable' });
    parseCardStrict(card);
    expect(cardText(card)).toContain('Dry run: disable sign-in for Jane Doe (Fabrikam)');
    expect(cardText(card)).toContain('Body: {"accountEnabled":false}');
    expect(executeData(card).map((e) => e.verb)).toEqual([VERBS.disableGuest, VERBS.dryRunDisableGuest]);
  });

  it('the result names the call made and how to undo it', () => {
    const disabled = revokeResultCard({ guest: plan.guest, operation: 'disable', call: plan.calls.disable });
    const deleted = revokeResultCard({ guest: plan.guest, operation: 'delete', call: plan.calls.delete, restorableUntil: plan.restorableUntil });
    const unchanged = revokeResultCard({ guest: plan.guest, operation: 'disable', call: plan.calls.disable, unchanged: true });
    for (const card of [disabled, deleted, unchanged]) parseCardStrict(card);
    expect(cardText(disabled)).toContain('enable the account again in Microsoft Entra');
    expect(cardText(deleted)).toContain('until 2026-12-26');
    expect(cardText(unchanged)).toContain('nothing was changed');
  });
});

describe('reinviteCard', () => {
  it('shows the redeem link as text and as a button when it is https', () => {
    const card = reinviteCard({ guest: plan.guest, redeemUrl: 'https://login.microsoftonline.com/redeem?rd=a_b', resetRedemption: true });
    parseCardStrict(card);
    expect(cardText(card)).toContain('https://login.microsoftonline.com/redeem?rd=a\\_b');
    expect(allActions(card)).toEqual([{ type: 'Action.OpenUrl', title: 'Open redeem link', url: 'https://login.microsoftonline.com/redeem?rd=a_b' }]);
  });

  it('never makes a button of another scheme', () => {
    const card = reinviteCard({ guest: plan.guest, redeemUrl: 'javascript:alert(1)', resetRedemption: false });
    parseCardStrict(card);
    expect(allActions(card)).toEqual([]);
  });
});

describe('pendingOverviewCard', () => {
  it('lists each request with its age, approvers and where its card went', () => {
    const card = pendingOverviewCard({
      items: [
        { request: aRequest({ id: 'GA-AAAAAA' }), ageMinutes: 3 * 24 * 60 + 5, approvers: [{ id: 'm', displayName: 'Megan Bowen' }], delivery: 'channel' },
        { request: aRequest({ id: 'GA-BBBBBB' }), ageMinutes: 90, approvers: undefined, delivery: 'nobody' },
      ],
    });
    parseCardStrict(card);
    const text = cardText(card);
    expect(text).toContain('2 requests are waiting.');
    expect(text).toContain('waiting 3 days · approvers: Megan Bowen · card posted in the approvals channel');
    expect(text).toContain('waiting 1 hour · approvers: could not be read · no approver could be reached');
  });

  it('words ages the way people do', () => {
    expect([age(1), age(59), age(60), age(47 * 60), age(48 * 60)]).toEqual(['1 minute', '59 minutes', '1 hour', '47 hours', '2 days']);
  });
});

describe('auditTimelineCard', () => {
  it('puts actions in words, keeps unknown ones readable, and caps a long timeline', () => {
    const entries = Array.from({ length: MAX_TIMELINE_ENTRIES + 2 }, (_, i) => ({
      at: '2026-11-26T22:50:00Z',
      actor: i === 0 ? 'Alex Wilber' : HOSTILE,
      action: i === 0 ? 'request_created' : 'something_new',
      detail: { groups: 2 },
      source: 'f:activity',
    }));
    const card = auditTimelineCard({ request: aRequest(), entries });
    parseCardStrict(card);
    const text = cardText(card);
    expect(text).toContain('2026-11-26 22:50 UTC · **Alex Wilber** asked for the guest');
    expect(text).toContain('something new');
    expect(text).toContain('\\[click\\]');
    expect(text).toContain('groups: 2 · from Teams activity f:activity');
    expect(text).toContain('and 2 more');
  });

  it('speaks of access, not of an invitation, for a request about a guest who existed already', () => {
    const request = aRequest({ kind: 'appAccess', state: 'completed', details: { ...aRequest().details, existingGuestId: 'guest-1' } });
    const at = '2026-11-26T22:50:00Z';
    const entries = ['execution_started', 'request_completed'].map((action) => ({ at, actor: 'system', action }));
    const text = cardText(auditTimelineCard({ request, entries }));
    expect(text).toContain('State: Access granted');
    expect(text).toContain('**system** started granting the access');
    expect(text).toContain('**system** granted the access');
    expect(text).not.toContain('invited the guest');
  });
});
