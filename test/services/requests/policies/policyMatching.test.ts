import { checkPolicies, type PolicyFile } from '../../../../services/requests/policies/policyFile';
import { domainMatches, PolicyBook, subjectOf, type PolicySubject } from '../../../../services/requests/policies/policyMatching';

const FALCON = '7d3aa964-41ad-416b-94eb-81c7ef0dd8c0';
const SECURITY = 'b34be9e6-3971-482c-9fc7-66ec23ea6f71';
const ROLE = '95e79109-95c0-4d8e-aee3-d01accf2d47b';

function book(value: unknown): PolicyBook {
  const checked = checkPolicies(value);
  if (!checked.ok) throw new Error(checked.problems.join('\n'));
  return new PolicyBook(checked.file satisfies PolicyFile);
}

const oneStage = [{ name: 'approvers', approvers: 'group', group: SECURITY }];
const twoStages = [{ name: 'manager', approvers: 'manager' }, ...oneStage];
const subject = (overrides: Partial<PolicySubject> = {}): PolicySubject => ({ kind: 'invite', domains: ['fabrikam.com'], groups: [], apps: [], ...overrides });

describe('policy matching', () => {
  it('matches domains exactly, or any subdomain with *.', () => {
    expect(domainMatches('contoso.com', 'contoso.com')).toBe(true);
    expect(domainMatches('contoso.com', 'sub.contoso.com')).toBe(false);
    expect(domainMatches('*.contoso.com', 'sub.contoso.com')).toBe(true);
    expect(domainMatches('*.contoso.com', 'contoso.com')).toBe(false);
    expect(domainMatches('*.contoso.com', 'contosoXcom')).toBe(false);
  });

  it('needs every criterion a policy gives, and one entry of each list', () => {
    const policies = book({
      policies: [{ name: 'Falcon invites from Fabrikam', match: { kinds: ['invite'], domains: ['fabrikam.com'], groups: [FALCON] }, stages: oneStage }],
    });
    expect(policies.match(subject({ groups: [{ id: FALCON.toUpperCase(), displayName: 'Project Falcon' }] }))?.policy.name).toBe(
      'Falcon invites from Fabrikam',
    );
    expect(policies.match(subject())).toBeUndefined();
    expect(policies.match(subject({ kind: 'appAccess', groups: [{ id: FALCON, displayName: 'Project Falcon' }] }))).toBeUndefined();
    expect(policies.match(subject({ domains: ['contoso.com'], groups: [{ id: FALCON, displayName: 'Project Falcon' }] }))).toBeUndefined();
  });

  it('picks the strictest of several matches: most stages, then most approvals, then the first in the file', () => {
    const policies = book({
      policies: [
        { name: 'Everything', stages: oneStage },
        { name: 'Roles', match: { directoryRole: true }, stages: twoStages },
        { name: 'Roles again', match: { directoryRole: [ROLE] }, stages: twoStages },
        { name: 'Fabrikam roles', match: { domains: ['fabrikam.com'], directoryRole: true }, stages: [twoStages[0], { ...oneStage[0], approvals: 2 }] },
      ],
    });
    expect(policies.match(subject())?.policy.name).toBe('Everything');
    expect(policies.match(subject({ domains: ['contoso.com'], directoryRole: { id: ROLE, displayName: 'Guest Inviter' } }))?.policy.name).toBe('Roles');
    expect(policies.match(subject({ directoryRole: { id: ROLE, displayName: 'Guest Inviter' } }))?.policy.name).toBe('Fabrikam roles');
    expect(policies.matching(subject({ directoryRole: { id: ROLE, displayName: 'Guest Inviter' } })).map((m) => m.policy.name)).toEqual([
      'Everything',
      'Roles',
      'Roles again',
      'Fabrikam roles',
    ]);
  });

  it('matches a subject asking for guests from several domains when any of them is watched (a batch)', () => {
    const policies = book({ policies: [{ name: 'Watched', match: { domains: ['*.contoso.com'] }, stages: oneStage }] });
    expect(policies.match(subject({ kind: 'batch', domains: ['fabrikam.com', 'eu.contoso.com'] }))?.policy.name).toBe('Watched');
  });

  it("reads a stored request's subject", () => {
    const details = {
      email: 'jane@Fabrikam.com',
      displayName: 'Jane',
      message: '',
      justification: 'x',
      groups: [{ id: FALCON, displayName: 'Project Falcon' }],
      appAccess: { app: { id: 'app-1', displayName: 'Portal', publisher: null }, role: { id: 'r', displayName: 'Reader' } },
    };
    expect(subjectOf({ kind: 'invite', details })).toEqual({
      kind: 'invite',
      domains: ['fabrikam.com'],
      groups: details.groups,
      apps: [{ id: 'app-1', displayName: 'Portal' }],
      directoryRole: undefined,
    });
  });

  it('offers on a new form the questions of the policies every request of the kind falls under', () => {
    const question = { id: 'ticket', label: 'Ticket', type: 'text', required: true };
    const policies = book({
      policies: [
        { name: 'All invites', match: { kinds: ['invite'] }, stages: oneStage, questions: [question] },
        { name: 'Watched', match: { domains: ['contoso.com'] }, stages: twoStages, questions: [{ ...question, id: 'nda' }] },
      ],
    });
    expect(policies.questionsForForm('invite').map((q) => q.id)).toEqual(['ticket']);
    expect(policies.questionsForForm('appAccess')).toEqual([]);
    expect(new PolicyBook(undefined).questionsForForm('invite')).toEqual([]);
  });
});
